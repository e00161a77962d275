import { z } from 'zod';
import { AppError } from '../../platform/app-error.js';
import type { TenantEventMap } from '../../tenants/tenant-events.js';
import { isJsonObject, type JsonObject } from '../kit/forge-delivery-body.js';
import { cloudIdOfSiteAri, normaliseInstallationId } from '../kit/installation-id.js';
import type { ForgeInvocation } from '../kit/invocation-token.js';

/*
 * Bodies Forge delivers to the remote (forge-migration.md §4, §5). The envelope is unverified:
 * the installation example is flat, the retry example nests the event in `payload` beside
 * `retryContext`. Both are read. Nothing in a body names the tenant: it comes from the token;
 * a body that names another installation or site than the token is refused.
 */

// The envelope and the lifecycle events are every Forge remote's (kit/forge-delivery-body.ts).
export { lifecycleEventOf, unwrapDelivery } from '../kit/forge-delivery-body.js';

/** The installation ids and cloud ids a delivery names, wherever Forge may put them. */
function namedIds(event: JsonObject): { installations: unknown[]; clouds: unknown[] } {
  const installations: unknown[] = [];
  const clouds: unknown[] = [];
  // Lifecycle events: `id` is the installation's bare uuid, `context` the site's ARI.
  if (event.id !== undefined && typeof event.eventType === 'string' && event.eventType.startsWith('avi:forge:')) installations.push(event.id);
  if (event.installationId !== undefined) installations.push(event.installationId);
  if (isJsonObject(event.installation) && event.installation.id !== undefined) installations.push(event.installation.id);
  if (typeof event.context === 'string') clouds.push(cloudIdOfSiteAri(event.context) ?? event.context);
  if (isJsonObject(event.context) && event.context.cloudId !== undefined) clouds.push(event.context.cloudId);
  if (event.cloudId !== undefined) clouds.push(event.cloudId);
  return { installations, clouds };
}

/**
 * Refuses (401 `AUTH_INVALID`, before anything is written) a delivery whose body names an
 * installation or a site other than the token's: a token is proof for its own installation only.
 */
export function assertSameInstallation(event: JsonObject, invocation: ForgeInvocation): void {
  const { installations, clouds } = namedIds(event);
  for (const named of installations) {
    if (normaliseInstallationId(named) !== invocation.installationId) throw new AppError('AUTH_INVALID', 'The invocation token belongs to another installation than the body names');
  }
  for (const named of clouds) {
    if (typeof named !== 'string' || named.toLowerCase() !== invocation.cloudId) throw new AppError('AUTH_INVALID', 'The invocation token belongs to another site than the body names');
  }
}

const numericId = z.union([z.string().regex(/^\d{1,19}$/), z.number().int().nonnegative()]).transform(String);

/** The parts of a worklog product event Tally reads: the event is a change signal, the worklog is re-read. */
const worklogEventSchema = z.object({
  eventType: z.enum(['avi:jira:created:worklog', 'avi:jira:updated:worklog', 'avi:jira:deleted:worklog']),
  selfGenerated: z.boolean().optional(),
  // "epoch milliseconds", typed string in the docs (`events-reference/jira`, common fields).
  timestamp: z.union([z.string().regex(/^\d{1,16}$/), z.number().int().nonnegative()]).transform(Number).optional(),
  worklog: z.object({ id: numericId, issueId: numericId.optional() }),
});

const WEBHOOK_EVENT = {
  'avi:jira:created:worklog': 'worklog_created',
  'avi:jira:updated:worklog': 'worklog_updated',
  'avi:jira:deleted:worklog': 'worklog_deleted',
} as const;

/** How a worklog delivery reads: a hint for the sync, one Tally ignores, or one it cannot read. */
export type WorklogDelivery =
  | { kind: 'hint'; hint: Omit<TenantEventMap['worklogWebhook'], 'tenantId'> }
  | { kind: 'self-generated' }
  | { kind: 'unreadable' };

/**
 * Reads a worklog product event as the hint Connect webhooks give the sync. Forge has no delivery
 * id: the dedupe key is (installation, worklog id, event type, timestamp), the same across Forge's
 * redeliveries (forge-migration.md §5). `selfGenerated: true` (caused by Tally itself) is ignored.
 */
export function readWorklogDelivery(event: JsonObject, installationId: string): WorklogDelivery {
  const parsed = worklogEventSchema.safeParse(event);
  if (!parsed.success) return { kind: 'unreadable' };
  const { eventType, selfGenerated, timestamp, worklog } = parsed.data;
  if (selfGenerated === true) return { kind: 'self-generated' };
  return {
    kind: 'hint',
    hint: {
      event: WEBHOOK_EVENT[eventType],
      worklogId: worklog.id,
      issueId: worklog.issueId,
      deliveryId: timestamp === undefined ? undefined : `forge:${installationId}:${worklog.id}:${eventType}:${timestamp}`,
      timestampMs: timestamp,
    },
  };
}
