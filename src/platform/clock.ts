/**
 * The authoritative source of "now" for Tally. Every module that needs the time receives a
 * Clock; nothing deep inside calls `Date.now()` or `new Date()`, so tests can move time.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number;
}

/** The machine's wall clock. Wired in `src/main.ts` only. */
export const systemClock: Clock = { nowMs: () => Date.now() };

/** A clock that moves only when told to; for tests and simulations. */
export interface ManualClock extends Clock {
  /** Moves the clock forward (or backward, with a negative value) by `ms`. */
  advanceMs(ms: number): void;
  /** Sets the clock to an absolute epoch-ms value. */
  setMs(epochMs: number): void;
}

/** Creates a {@link ManualClock} starting at `startMs`. */
export function createManualClock(startMs: number): ManualClock {
  let current = startMs;
  return {
    nowMs: () => current,
    advanceMs: (ms) => {
      current += ms;
    },
    setMs: (epochMs) => {
      current = epochMs;
    },
  };
}
