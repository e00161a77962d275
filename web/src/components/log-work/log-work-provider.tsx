import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { Session } from '../../api/api-types.js';
import type { TallyApi } from '../../api/tally-api.js';
import { useAnnouncer } from '../admin/use-announcer.js';
import { availabilityOf, LogWorkContext, OutletContext, type DialogRequest, type LogWorkActions, type LogWorkOutletState } from './log-work-context.js';
import { returnFocus, type FocusReturn } from './return-focus.js';

/**
 * A write is applied to Tally's store by the sync re-reading it from Jira as the app, moments
 * after Jira answered (the `worklogWebhook` event): the page asks again at once and once more
 * after this delay, so the report shows it whichever comes first.
 */
export const SECOND_REFRESH_MS = 1500;

/** The page's Log work button: where the focus goes when nothing closer is left. */
export const LOG_WORK_OPEN_SELECTOR = '[data-testid="log-work-open"]';

/**
 * Holds the page's log-work state: which dialog is open, where the focus returns, the polite
 * announcements, and who to tell after a write. Renders nothing itself: `LogWorkOutlet` shows
 * the dialog and the live region where the page puts it (inside its `main` landmark).
 */
export function LogWorkProvider({ api, session, children }: { api: TallyApi; session: Session; children: ReactNode }) {
  const [request, setRequest] = useState<DialogRequest | undefined>();
  const [announcement, announce] = useAnnouncer();
  const returnTo = useRef<FocusReturn>({ element: null, selectors: [] });
  const listeners = useRef(new Set<() => void>());
  const timers = useRef<number[]>([]);
  const stopGuard = useRef<() => void>(() => undefined);
  useEffect(
    () => () => {
      timers.current.forEach((t) => window.clearTimeout(t));
      stopGuard.current();
    },
    [],
  );

  const written = useCallback(() => {
    const notify = () => listeners.current.forEach((listener) => listener());
    notify();
    timers.current.push(window.setTimeout(notify, SECOND_REFRESH_MS));
  }, []);

  const actions = useMemo<LogWorkActions>(
    () => ({
      api,
      availability: availabilityOf(session),
      accountId: session.accountId,
      timeZone: session.timeZone,
      open(next, opener, returnSelectors = []) {
        returnTo.current = { element: opener, selectors: [...returnSelectors, LOG_WORK_OPEN_SELECTOR] };
        setRequest(next);
      },
      announce,
      written,
      subscribe(listener) {
        listeners.current.add(listener);
        return () => listeners.current.delete(listener);
      },
    }),
    [api, session, announce, written],
  );

  const close = useCallback(
    (wrote: boolean) => {
      setRequest(undefined);
      // After the dialog is gone from the page (next frame), so the focus is not trapped in it.
      window.requestAnimationFrame(() => {
        stopGuard.current();
        stopGuard.current = returnFocus(document, returnTo.current);
      });
      if (wrote) written();
    },
    [written],
  );

  const outlet = useMemo<LogWorkOutletState>(() => ({ request, announcement, close }), [request, announcement, close]);
  return (
    <LogWorkContext.Provider value={actions}>
      <OutletContext.Provider value={outlet}>{children}</OutletContext.Provider>
    </LogWorkContext.Provider>
  );
}
