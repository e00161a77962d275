import type { Clock } from '../../platform/clock.js';

/** Wrong access links accepted per window before `/site/access` answers 429 for the rest of it. */
export const MAX_FAILED_SIGN_INS_PER_WINDOW = 20;
/** The window of {@link MAX_FAILED_SIGN_INS_PER_WINDOW}. */
export const FAILED_SIGN_IN_WINDOW_MS = 60_000;

/** A per-process count of failed sign-ins in fixed windows. */
export interface SignInAttempts {
  /** Whether the current window still accepts attempts. */
  isOpen(): boolean;
  /** Counts one failed attempt in the current window. */
  recordFailure(): void;
}

/**
 * A light brake on guessing access links. A key has 256 random bits, so guessing cannot succeed
 * anyway; the brake keeps a flood of wrong links from costing a database lookup each and filling
 * the log. It is per process and global rather than per client address (behind a proxy every
 * client has the proxy's address), so a flood also delays a real sign-in by at most one window.
 * Bounded: two numbers of state.
 */
export function createSignInAttempts(clock: Clock): SignInAttempts {
  let windowStartMs = Number.NEGATIVE_INFINITY;
  let failures = 0;
  const roll = () => {
    const nowMs = clock.nowMs();
    if (nowMs - windowStartMs >= FAILED_SIGN_IN_WINDOW_MS || nowMs < windowStartMs) {
      windowStartMs = nowMs;
      failures = 0;
    }
  };
  return {
    isOpen() {
      roll();
      return failures < MAX_FAILED_SIGN_INS_PER_WINDOW;
    },
    recordFailure() {
      roll();
      failures += 1;
    },
  };
}
