import { AppError } from '../platform/app-error.js';
import type { Clock } from '../platform/clock.js';
import type { TenantEvents } from '../tenants/tenant-events.js';
import type { TenantId } from '../tenants/tenant.js';
import type { TenantJiraAccess } from '../jira/jira-credentials.js';
import { parseJiraDateTime } from '../jira/jira-date-time.js';
import { isKnownTimeZone } from './jira-started.js';
import { readOwnWorklog, type OwnWorklog } from './own-worklog.js';
import type { ViewerJira, ViewerJiraCalls } from './viewer-jira-calls.js';

/** The person writing: verified tenant and account (from the edge), and Jira access acting as them. */
export interface WorklogWriter {
  tenantId: TenantId;
  accountId: string;
  /** The edge's `viewerWriteAccess`: Jira calls made with it are made as this person. */
  access: TenantJiraAccess;
}

/** A worklog body as Tally sends it (v3: comment in ADF). */
export interface WorklogBody {
  started?: string;
  timeSpent?: string;
  timeSpentSeconds?: number;
  comment?: unknown;
}

/** What the worklog operations need. */
export interface WorklogOpsDeps {
  calls: ViewerJiraCalls;
  events: Pick<TenantEvents, 'emit'>;
  clock: Clock;
}

const issuePath = (issue: string | number) => `/rest/api/3/issue/${encodeURIComponent(String(issue))}`;

/** The Jira calls log work, edit, delete and the timer share, each as the writer. */
export function createWorklogOps(deps: WorklogOpsDeps) {
  /** After a write: the sync re-reads the worklog as the app at once (a deletion tombstones it), so the report shows it within a second. */
  function announce(writer: WorklogWriter, event: 'worklog_created' | 'worklog_updated' | 'worklog_deleted', worklogId: number, issueId: number, updated: unknown) {
    const timestampMs = (typeof updated === 'string' ? parseJiraDateTime(updated) : undefined) ?? deps.clock.nowMs();
    deps.events.emit('worklogWebhook', {
      tenantId: writer.tenantId,
      event,
      worklogId: String(worklogId),
      issueId: String(issueId),
      // Unique per write, so the sync's delivery dedupe never swallows it; Jira's own webhook for the same change is a second, harmless hint.
      deliveryId: `tally-write:${worklogId}:${event}:${timestampMs}`,
      timestampMs,
      source: 'tally-write',
    });
  }

  /** The issue's id and key as the writer sees it; undefined when Jira shows them no such issue. */
  async function findIssue(jira: ViewerJira, issue: string | number): Promise<{ id: number; key: string } | undefined> {
    const answer = await jira<{ issues?: { id?: unknown; key?: unknown }[] }>({
      method: 'POST',
      path: '/rest/api/3/issue/bulkfetch',
      endpoint: 'POST /rest/api/3/issue/bulkfetch',
      body: { issueIdsOrKeys: [String(issue)], fields: ['summary'] },
      target: 'issue',
    });
    const found = answer?.issues?.[0];
    const id = typeof found?.id === 'string' || typeof found?.id === 'number' ? Number(found.id) : NaN;
    return Number.isSafeInteger(id) && typeof found?.key === 'string' ? { id, key: found.key } : undefined;
  }

  return {
    jiraOf: (writer: WorklogWriter): ViewerJira => deps.calls.forViewer(writer.tenantId, writer.access),
    announce,
    findIssue,

    /**
     * The writer's own Jira time zone (`/myself`, read as them — the zone Jira's log-work dialog
     * uses), and a check that the access really acts as the verified account.
     */
    async viewerZone(jira: ViewerJira, writer: WorklogWriter): Promise<string> {
      const me = await jira<{ accountId?: unknown; timeZone?: unknown }>({ method: 'GET', path: '/rest/api/3/myself', endpoint: 'GET /rest/api/3/myself', target: 'issue' });
      if (me?.accountId !== writer.accountId) throw new AppError('AUTH_FORBIDDEN', 'Jira answered for another person than the one signed in; nothing was written');
      // Jira names a zone for every user; UTC only if it ever does not (or names one this runtime lacks).
      return typeof me.timeZone === 'string' && isKnownTimeZone(me.timeZone) ? me.timeZone : 'UTC';
    },

    /** The issue's key for an answer; the worklog is already written, so a failed look-up falls back to what is known. */
    async issueKeyOf(jira: ViewerJira, issueId: number, fallback: string): Promise<string> {
      try {
        return (await findIssue(jira, issueId))?.key ?? fallback;
      } catch {
        return fallback;
      }
    },

    async createWorklog(jira: ViewerJira, issue: string | number, body: WorklogBody): Promise<{ raw: Record<string, unknown>; worklog: OwnWorklog }> {
      const raw = await jira<Record<string, unknown>>({ method: 'POST', path: `${issuePath(issue)}/worklog`, endpoint: 'POST /rest/api/3/issue/{issueIdOrKey}/worklog', body, target: 'issue' });
      return { raw: raw ?? {}, worklog: readOwnWorklog(raw, String(issue)) };
    },

    async readWorklog(jira: ViewerJira, issueId: number, worklogId: number): Promise<Record<string, unknown>> {
      const raw = await jira<Record<string, unknown>>({ method: 'GET', path: `${issuePath(issueId)}/worklog/${worklogId}`, endpoint: 'GET /rest/api/3/issue/{issueIdOrKey}/worklog/{id}', target: 'worklog' });
      return raw ?? {};
    },

    async updateWorklog(jira: ViewerJira, issueId: number, worklogId: number, body: WorklogBody): Promise<Record<string, unknown>> {
      const raw = await jira<Record<string, unknown>>({ method: 'PUT', path: `${issuePath(issueId)}/worklog/${worklogId}`, endpoint: 'PUT /rest/api/3/issue/{issueIdOrKey}/worklog/{id}', body, target: 'worklog' });
      return raw ?? {};
    },

    async deleteWorklog(jira: ViewerJira, issueId: number, worklogId: number): Promise<void> {
      await jira({ method: 'DELETE', path: `${issuePath(issueId)}/worklog/${worklogId}`, endpoint: 'DELETE /rest/api/3/issue/{issueIdOrKey}/worklog/{id}', target: 'worklog' });
    },

    /** The writer's worklogs on an issue started exactly at `startedMs` (the timer's guard against writing twice). */
    async findWorklogsStartedAt(jira: ViewerJira, writer: WorklogWriter, issueId: number, startedMs: number): Promise<Record<string, unknown>[]> {
      // A second either side: whether Jira's bounds are inclusive is not documented; the exact instant is compared below.
      const query = `startedAfter=${startedMs - 1000}&startedBefore=${startedMs + 1000}`;
      const answer = await jira<{ worklogs?: Record<string, unknown>[] }>({ method: 'GET', path: `${issuePath(issueId)}/worklog?${query}`, endpoint: 'GET /rest/api/3/issue/{issueIdOrKey}/worklog', target: 'issue' });
      return (answer?.worklogs ?? []).filter((w) => {
        const author = w.author as { accountId?: unknown } | undefined;
        return author?.accountId === writer.accountId && typeof w.started === 'string' && parseJiraDateTime(w.started) === startedMs;
      });
    },
  };
}

/** The operations' type. */
export type WorklogOps = ReturnType<typeof createWorklogOps>;
