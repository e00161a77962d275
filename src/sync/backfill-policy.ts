/**
 * How a new site's first sync reads its worklogs (issue 15). `recent-first` reads the recent window
 * (worklogs started this month and the last, or the last `recentDays` days) before the history, so
 * this month's report is exact within minutes while the history takes the hours the points quota
 * allows; `bulk` reads everything in `/worklog/updated` order (the path before issue 15, kept for
 * comparison in bench:backfill and as a switch if the recent path misbehaves on a site).
 */
export interface BackfillPolicy {
  strategy: 'recent-first' | 'bulk';
  /** Days before now the window starts; undefined: the first day of last month (UTC). */
  recentDays?: number | undefined;
}

export const defaultBackfillPolicy: BackfillPolicy = { strategy: 'recent-first' };

/** A day: the first day of last month starts up to 14 h earlier than in UTC in the zones ahead of it. */
const ZONE_MARGIN_MS = 86_400_000;

/**
 * Where the recent window starts for a sync that starts at `jiraNowMs` (Jira's clock): the first
 * day of last month, or `recentDays` days before today, in UTC — and a day earlier, so that day is
 * whole in every time zone and a report of "last month" is exact wherever its viewer is. Reports
 * compare a range with this instant (report coverage), so the page can say exactly what is complete.
 */
export function recentWindowStartMs(policy: BackfillPolicy, jiraNowMs: number): number {
  const now = new Date(jiraNowMs);
  const dayStart = policy.recentDays !== undefined ? Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - policy.recentDays * 86_400_000 : Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1);
  return Math.max(0, dayStart - ZONE_MARGIN_MS);
}
