import { useCallback, useEffect, useState } from 'react';
import type { RunningTimer } from '../../api/api-types.js';
import type { TallyApi } from '../../api/tally-api.js';
import { useApiResource, type Resource } from '../../report/use-api-resource.js';
import { msUntilNextMinute } from './timer-texts.js';

/**
 * The viewer's timer as Jira holds it (`GET /api/timer`: a user property, so a reload or another
 * device sees the same timer), and the clock it is shown against: `nowMs` moves once a minute,
 * at the minute the display changes, not every second.
 */
export function useRunningTimer(api: TallyApi): { timer: Resource<RunningTimer | null>; reload(): void; set(timer: RunningTimer | null): void; nowMs: number } {
  const [loaded, reload] = useApiResource('timer', (signal) => api.timer(signal));
  // What a start or stop answered, until the next load (the answer is the truth just written).
  const [written, setWritten] = useState<{ timer: RunningTimer | null } | undefined>();
  const [nowMs, setNowMs] = useState(() => Date.now());
  useEffect(() => setWritten(undefined), [loaded]);
  const timer: Resource<RunningTimer | null> = written ? { status: 'ready', data: written.timer } : loaded;
  const running = timer.status === 'ready' ? timer.data : null;

  useEffect(() => {
    if (!running) return;
    setNowMs(Date.now());
    let handle: number;
    const schedule = () => {
      handle = window.setTimeout(() => {
        setNowMs(Date.now());
        schedule();
      }, msUntilNextMinute(running.startedAt, Date.now()));
    };
    schedule();
    return () => window.clearTimeout(handle);
  }, [running]);

  const set = useCallback((next: RunningTimer | null) => setWritten({ timer: next }), []);
  return { timer, reload, set, nowMs };
}
