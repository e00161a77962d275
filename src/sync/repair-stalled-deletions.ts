import { isAppError } from '../platform/app-error.js';
import type { SyncContext } from './sync-context.js';

/**
 * More than a page of deletions at one instant — almost always an issue deleted with over 1000
 * worklogs — cannot be paged past in `/worklog/deleted` (reference §1.1). Called with the issues
 * whose worklogs the listed deletions removed, it asks Jira about the worklogs still stored for
 * those issues and tombstones the ones Jira no longer returns when the issue itself is gone (404). Worklogs missing from an issue that still exists are left for the
 * reconciliation, which tells deletion from lost visibility.
 */
export async function repairStalledDeletions(context: SyncContext, issueIds: readonly number[], instantMs: number): Promise<number> {
  const options = { priority: 'incremental' as const, ...(context.signal ? { signal: context.signal } : {}) };
  const affectedIssues = new Set(issueIds);
  const rowsByIssue = new Map<number, number[]>();
  for await (const rows of context.store.streamWorklogs(5000)) {
    for (const row of rows) {
      if (!affectedIssues.has(row.clientIssueId)) continue;
      const ids = rowsByIssue.get(row.clientIssueId) ?? [];
      ids.push(row.clientWorklogId);
      rowsByIssue.set(row.clientIssueId, ids);
    }
  }
  let removed = 0;
  for (const issueId of affectedIssues) {
    const remaining = rowsByIssue.get(issueId) ?? [];
    if (remaining.length === 0) continue;
    let issueGone = false;
    try {
      await context.jira.getIssueWorklogs(issueId, 0, options);
    } catch (error) {
      if (!isAppError(error, 'JIRA_NOT_FOUND')) throw error;
      issueGone = true;
    }
    if (!issueGone) continue;
    const stillThere = new Set<number>();
    for (let i = 0; i < remaining.length; i += 1000) {
      for (const worklog of await context.jira.getWorklogs(remaining.slice(i, i + 1000), options)) stillThere.add(worklog.id);
    }
    const gone = remaining.filter((id) => !stillThere.has(id));
    if (gone.length > 0) {
      const result = await context.store.applyBatch({ upserts: [], deletions: gone.map((clientWorklogId) => ({ clientWorklogId, deletedAtMs: instantMs })) });
      removed += result.deleted;
    }
  }
  context.logger.warn({ tenantId: context.tenantId, instantMs, removed }, 'over a page of deletions shared one instant; repaired through their issues');
  return removed;
}
