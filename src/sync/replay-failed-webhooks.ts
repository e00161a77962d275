import { isAppError } from '../platform/app-error.js';
import { applyWorklogHint } from './apply-webhook.js';
import type { SyncContext } from './sync-context.js';

const WORKLOG_EVENTS = new Set(['worklog_created', 'worklog_updated', 'worklog_deleted']);
const MAX_PAGES = 20;

function hintFrom(body: string | undefined): { event: 'worklog_created' | 'worklog_updated' | 'worklog_deleted'; worklogId: string; issueId: string | undefined; timestampMs: number | undefined } | undefined {
  if (!body) return undefined;
  try {
    const parsed = JSON.parse(body) as { webhookEvent?: unknown; timestamp?: unknown; worklog?: { id?: unknown; issueId?: unknown } };
    const id = parsed.worklog?.id;
    if (typeof parsed.webhookEvent !== 'string' || !WORKLOG_EVENTS.has(parsed.webhookEvent) || (typeof id !== 'string' && typeof id !== 'number')) return undefined;
    return {
      event: parsed.webhookEvent as 'worklog_created' | 'worklog_updated' | 'worklog_deleted',
      worklogId: String(id),
      issueId: parsed.worklog?.issueId === undefined ? undefined : String(parsed.worklog.issueId),
      timestampMs: typeof parsed.timestamp === 'number' ? parsed.timestamp : undefined,
    };
  } catch {
    return undefined;
  }
}

/**
 * Reads back the webhook deliveries Jira gave up on (`GET /webhook/failed`, kept 72 h — reference
 * §2; only apps with registered webhooks have any) and applies the worklog ones as hints, from the
 * last replayed `failureTime` on (`storedAfterMs`, the state's cursor: only this run, under the
 * tenant's key, writes it). The cursor commits with the state; a site where the endpoint
 * does not exist or is refused is skipped: polling remains the safety net either way.
 */
export async function replayFailedWebhooks(context: SyncContext, storedAfterMs: number): Promise<number> {
  const options = { priority: 'incremental' as const, ...(context.signal ? { signal: context.signal } : {}) };
  let afterMs = storedAfterMs;
  let replayed = 0;
  for (let page = 0; page < MAX_PAGES; page++) {
    let result;
    try {
      result = await context.jira.getFailedWebhooks(afterMs, options);
    } catch (error) {
      if (isAppError(error, 'JIRA_NOT_FOUND') || isAppError(error, 'JIRA_AUTH_FAILED') || isAppError(error, 'JIRA_REQUEST_REJECTED')) return replayed;
      throw error;
    }
    for (const failed of result.values) {
      const hint = hintFrom(failed.body);
      if (hint) {
        await applyWorklogHint(context, { tenantId: context.tenantId, deliveryId: failed.id, ...hint });
        replayed++;
      }
      afterMs = Math.max(afterMs, failed.failureTimeMs);
    }
    // No failed delivery (the usual answer): the cursor stays, nothing to write.
    if (afterMs !== storedAfterMs) {
      await context.store.applyBatch({ upserts: [], deletions: [], state: { failedWebhooksAfterMs: afterMs } });
      storedAfterMs = afterMs;
    }
    if (!result.hasMore) break;
  }
  return replayed;
}
