import type { JiraSite, WorklogEvent } from '../jira/jira-site.js';
import { renderWorklog } from '../jira/render.js';

/**
 * The JSON body of a worklog webhook: v2-shaped, `{timestamp, webhookEvent, worklog}` with no
 * top-level `issue` and a plain-string comment (jira-connect-protocol.md §2, real capture).
 * `deletedBody: 'ids'` sends only `{id, issueId}` for deletions (which one Jira sends is unverified).
 */
export function renderWorklogWebhookBody(site: JiraSite, event: WorklogEvent, deletedBody: 'full' | 'ids'): string {
  const worklog =
    event.event === 'worklog_deleted' && deletedBody === 'ids'
      ? { id: String(event.worklog.id), issueId: String(event.worklog.issueId) }
      : renderWorklog(site, event.worklog, '2');
  return JSON.stringify({ timestamp: event.timestamp, webhookEvent: event.event, worklog });
}
