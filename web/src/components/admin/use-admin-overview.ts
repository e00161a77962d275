import { useCallback, useEffect, useRef, useState } from 'react';
import type { AdminOverview } from '../../api/api-types.js';
import type { TallyApi } from '../../api/tally-api.js';
import { shownData, useApiResource, type Resource } from '../../report/use-api-resource.js';

/** How often the overview is asked again while a full sync runs (its progress moves). */
export const RUNNING_POLL_MS = 3000;
/** How often it is asked otherwise (the last incremental sync and webhook move slowly). */
export const IDLE_POLL_MS = 30_000;
/** How long after an action the overview is asked at the running pace (a queued reconciliation or backup lands within it). */
export const AFTER_ACTION_MS = 30_000;

/**
 * The admin overview, asked again every few seconds while a full sync runs and every half minute
 * otherwise; `refresh()` asks at once and keeps the quick pace for a while (after an action: its
 * outcome shows without a reload). A 403 stops the polling: the viewer is
 * not a site admin, and asking again will not change that.
 */
export function useAdminOverview(api: TallyApi): [Resource<AdminOverview>, () => void] {
  const [round, setRound] = useState(0);
  const quickUntilMs = useRef(0);
  const [overview] = useApiResource(`admin-overview:${round}`, (signal) => api.adminOverview(signal));
  const data = shownData(overview);
  const refused = overview.status === 'error' && 'status' in overview.error && (overview.error as { status: number }).status === 403;
  const running = (data !== undefined && data.sync.phase !== 'incremental') || Date.now() < quickUntilMs.current;
  useEffect(() => {
    if (refused || overview.status === 'loading') return;
    const timer = window.setTimeout(() => setRound((n) => n + 1), running ? RUNNING_POLL_MS : IDLE_POLL_MS);
    return () => window.clearTimeout(timer);
  }, [overview.status, refused, running]);
  const refresh = useCallback(() => {
    quickUntilMs.current = Date.now() + AFTER_ACTION_MS;
    setRound((n) => n + 1);
  }, []);
  return [overview, refresh];
}
