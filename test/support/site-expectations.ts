import { formatJiraDate } from '../../simulator/jira/jira-date.js';
import type { Simulator } from '../../simulator/create-simulator.js';
import type { TenantStore } from '../../src/store/tenant-store.js';
import type { WorklogRow } from '../../src/store/worklog-row.js';

/** The statement's eight fields of a stored row, as an export shows them. */
export type StatementFields = Pick<WorklogRow, 'clientWorklogId' | 'accountId' | 'clientIssueId' | 'comment' | 'created' | 'updated' | 'started' | 'timeSpentSeconds'>;

/** What Tally must hold for the site: every worklog the app user can see, field by field. */
export function visibleSetOf(sim: Simulator, appKey: string): StatementFields[] {
  const app = sim.site.findApp(appKey);
  if (!app) throw new Error(`app ${appKey} is not installed on the simulated site`);
  const viewer = sim.site.users.get(app.appUserAccountId)!;
  const tz = sim.site.timeZone;
  return [...sim.site.worklogs.values()]
    .filter((w) => sim.site.canSeeWorklog(w, viewer))
    .sort((a, b) => a.id - b.id)
    .map((w) => ({
      clientWorklogId: w.id,
      accountId: w.authorId,
      clientIssueId: w.issueId,
      comment: w.comment === undefined ? null : JSON.stringify(w.comment),
      created: formatJiraDate(w.createdMs, tz),
      updated: formatJiraDate(w.updatedMs, tz),
      started: formatJiraDate(w.startedMs, tz),
      timeSpentSeconds: w.timeSpentSeconds,
    }));
}

/** Every stored row reduced to the statement's fields, by id. */
export async function storedSetOf(store: TenantStore): Promise<StatementFields[]> {
  const rows: StatementFields[] = [];
  for await (const page of store.streamWorklogs(1000)) {
    for (const r of page) {
      rows.push({
        clientWorklogId: r.clientWorklogId,
        accountId: r.accountId,
        clientIssueId: r.clientIssueId,
        comment: r.comment,
        created: r.created,
        updated: r.updated,
        started: r.started,
        timeSpentSeconds: r.timeSpentSeconds,
      });
    }
  }
  return rows;
}

/** A short description of how two sets differ, for a readable failure. */
export function describeDifference(expected: StatementFields[], actual: StatementFields[]): string {
  const byId = new Map(actual.map((r) => [r.clientWorklogId, r]));
  const expectedIds = new Set(expected.map((r) => r.clientWorklogId));
  const missing = expected.filter((r) => !byId.has(r.clientWorklogId)).map((r) => r.clientWorklogId);
  const extra = actual.filter((r) => !expectedIds.has(r.clientWorklogId)).map((r) => r.clientWorklogId);
  const different = expected.filter((r) => byId.has(r.clientWorklogId) && JSON.stringify(byId.get(r.clientWorklogId)) !== JSON.stringify(r)).map((r) => r.clientWorklogId);
  return `missing ${missing.length} ${JSON.stringify(missing.slice(0, 5))}, extra ${extra.length} ${JSON.stringify(extra.slice(0, 5))}, different ${different.length} ${JSON.stringify(different.slice(0, 5))}`;
}
