import type { CallPriority } from '../jira/jira-client.js';
import { applyPage, type SyncContext } from './sync-context.js';
import { toWorklogRow } from './worklog-mapping.js';

/** Issues that have any worklog: the JQL that bounds a sweep to where worklogs can be. */
const ISSUES_WITH_WORKLOGS = 'worklogDate >= "1970-01-01" ORDER BY id ASC';

/**
 * Recovers every worklog changed at `instantMs` when more than a page of changes share it, so
 * `/worklog/updated` cannot page past it (reference §1.1, threat catalogue E8). It reads the
 * worklogs of every issue that has any, and writes those changed at that instant (upserts are
 * newest-wins, so writing them is always safe). Costly — about one call per issue — but exact;
 * it only happens after bulk imports.
 */
export async function sweepInstant(context: SyncContext, instantMs: number, priority: CallPriority): Promise<{ upserted: number; skippedStale: number }> {
  const options = { priority, ...(context.signal ? { signal: context.signal } : {}) };
  context.logger.warn({ tenantId: context.tenantId, instantMs }, 'over a page of worklog changes share one instant; sweeping issues');
  let upserted = 0;
  let skippedStale = 0;
  let token: string | undefined;
  do {
    const page = await context.jira.searchIssueIds(ISSUES_WITH_WORKLOGS, token, options);
    for (const issueId of page.ids) {
      let startAt = 0;
      for (;;) {
        const batch = await context.jira.getIssueWorklogs(issueId, startAt, options);
        const atInstant = batch.worklogs.filter((w) => w.updatedMs === instantMs);
        if (atInstant.length > 0) {
          const result = await applyPage(context, { upserts: atInstant.map(toWorklogRow), deletions: [] });
          upserted += result.inserted + result.updated;
          skippedStale += result.skippedStale;
        }
        startAt += batch.worklogs.length;
        if (batch.worklogs.length === 0 || startAt >= batch.total) break;
      }
    }
    token = page.nextPageToken;
  } while (token !== undefined);
  return { upserted, skippedStale };
}
