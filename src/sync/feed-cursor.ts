import type { ChangedWorklogsPage } from '../jira/jira-client.js';

/**
 * Where to continue a change feed after `page` was read from `sinceMs`.
 *
 * Jira's `nextPage` says `since=<until>`, but whether `since` is inclusive is undocumented
 * (jira-connect-protocol.md §1.1). Continuing from `until - 1` is right either way: items at
 * `until` that did not fit on the page come again (duplicates are free: upserts are idempotent)
 * and none can be skipped. The cursor always moves forward, so paging terminates.
 */
export function nextFeedCursor(sinceMs: number, page: ChangedWorklogsPage): number {
  if (page.values.length === 0) return Math.max(sinceMs, page.lastPage ? sinceMs : page.untilMs);
  const newest = page.values.reduce((max, v) => Math.max(max, v.updatedTimeMs), -Infinity);
  const until = Math.max(page.untilMs, newest);
  if (page.lastPage) return Math.max(sinceMs, until);
  return until - 1 > sinceMs ? until - 1 : until;
}

/**
 * True when a page cannot move the feed forward: it is not the last, and every item sits at the
 * very instant it was asked from — more than a page of changes at one millisecond (a bulk
 * import). That can only happen when `since` is inclusive, so after sweeping that instant by
 * other means the feed may safely continue from `sinceMs + 1` (reference §1.1).
 */
export function isStalledPage(sinceMs: number, page: ChangedWorklogsPage): boolean {
  if (page.lastPage || page.values.length === 0) return false;
  return page.untilMs <= sinceMs && page.values.every((v) => v.updatedTimeMs <= sinceMs);
}
