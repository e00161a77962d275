import { z } from 'zod';

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
