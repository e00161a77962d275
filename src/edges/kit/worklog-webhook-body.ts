import { z } from 'zod';
import type { TenantEventMap } from '../../tenants/tenant-events.js';
import type { TenantId } from '../../tenants/tenant.js';

/** A worklog id or issue id as webhooks send it: a decimal string, numbers tolerated. */
const jiraId = z.union([z.string().regex(/^\d{1,19}$/), z.number().int().nonnegative()]).transform(String);

/**
 * The parts of a Jira worklog webhook body Tally reads, for every edge that receives one (Connect
 * app webhooks, admin webhooks of a team's own site): the v2-shaped body without a top-level
 * issue (jira-connect-protocol.md §2; self-hosted-site.md §4.1). Ids arrive as strings; numbers
 * are tolerated. Anything else in the body is ignored.
 */
export const worklogWebhookBodySchema = z.object({
  timestamp: z.number().int().nonnegative().optional(),
  webhookEvent: z.enum(['worklog_created', 'worklog_updated', 'worklog_deleted']),
  worklog: z.object({
    id: jiraId,
    issueId: jiraId.optional(),
  }),
});

/** A worklog webhook body as {@link worklogWebhookBodySchema} reads it. */
export type WorklogWebhookBody = z.infer<typeof worklogWebhookBodySchema>;

/**
 * The sync's hint for a delivery, or undefined for a body Tally cannot read (the caller answers
 * 202 all the same: webhooks are hints and polling repairs what they miss). `deliveryId` is
 * `X-Atlassian-Webhook-Identifier`, the same across Jira's retries.
 */
export function worklogHintOf(tenantId: TenantId, body: unknown, deliveryId: string | undefined): TenantEventMap['worklogWebhook'] | undefined {
  const parsed = worklogWebhookBodySchema.safeParse(body);
  if (!parsed.success) return undefined;
  return {
    tenantId,
    event: parsed.data.webhookEvent,
    worklogId: parsed.data.worklog.id,
    issueId: parsed.data.worklog.issueId,
    deliveryId,
    timestampMs: parsed.data.timestamp,
  };
}
