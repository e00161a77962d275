import { setTimeout as delay } from 'node:timers/promises';

/**
 * Waits `ms` milliseconds, or rejects with `signal.reason` as soon as `signal` aborts. Injected
 * wherever Tally waits on Jira (backoff, rate-limit pauses) so tests can run on virtual time —
 * e.g. a sleep that advances the simulator's manual clock and resolves at once.
 */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** The real {@link Sleep} on Node timers; wired in `src/main.ts`. Rejects with `signal.reason` on abort. */
export const timerSleep: Sleep = async (ms, signal) => {
  try {
    await delay(Math.max(0, ms), undefined, signal ? { signal } : {});
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw error;
  }
};
