import type { TenantStore } from '../../src/store/tenant-store.js';
import type { JiraClientHarness } from './jira-client-harness.js';

/**
 * The simulator's truth for sync tests: every worklog the harness's app may read, started at or
 * after `fromMs`, as `id → "issue started seconds updated"` (what a sync must store of it).
 */
export function truthFrom(harness: JiraClientHarness, fromMs = 0): Map<number, string> {
  const appUser = harness.sim.site.users.get(harness.app.appUserAccountId)!;
  const truth = new Map<number, string>();
  for (const worklog of harness.sim.site.worklogs.values()) {
    const issue = harness.sim.site.issues.get(worklog.issueId);
    if (!issue || !harness.sim.site.canSeeWorklog(worklog, appUser) || !harness.sim.site.canBrowseIssue(issue, appUser)) continue;
    if (worklog.startedMs >= fromMs) truth.set(worklog.id, `${worklog.issueId} ${worklog.startedMs} ${worklog.timeSpentSeconds} ${worklog.updatedMs}`);
  }
  return truth;
}

/** What the store holds, in the same form as {@link truthFrom}. */
export async function storedFingerprints(store: TenantStore): Promise<Map<number, string>> {
  const rows = new Map<number, string>();
  for await (const batch of store.streamWorklogs(500)) {
    for (const row of batch) rows.set(row.clientWorklogId, `${row.clientIssueId} ${row.startedMs} ${row.timeSpentSeconds} ${row.updatedMs}`);
  }
  return rows;
}
