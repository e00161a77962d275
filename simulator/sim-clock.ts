/**
 * The simulator's own clock. In-process tests use `manual` and move it instead of waiting a real
 * minute; over HTTP it runs on real time (`real`), optionally shifted to test clock skew.
 */
export interface SimClock {
  /** Epoch milliseconds as the simulated Jira sees them. */
  now(): number;
  /** Moves the clock by `ms`; in `real` mode this shifts the offset from the wall clock. */
  advance(ms: number): void;
  /** Sets the clock to `epochMs`. */
  set(epochMs: number): void;
  readonly mode: 'real' | 'manual';
}

/** Creates a clock; `manual` starts at `startMs` and stands still until moved. */
export function createSimClock(mode: 'real' | 'manual', startMs = Date.now()): SimClock {
  if (mode === 'manual') {
    let current = startMs;
    return {
      mode,
      now: () => current,
      advance: (ms) => {
        current += ms;
      },
      set: (epochMs) => {
        current = epochMs;
      },
    };
  }
  let offsetMs = startMs - Date.now();
  return {
    mode,
    now: () => Date.now() + offsetMs,
    advance: (ms) => {
      offsetMs += ms;
    },
    set: (epochMs) => {
      offsetMs = epochMs - Date.now();
    },
  };
}
