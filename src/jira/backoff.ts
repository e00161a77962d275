/**
 * Atlassian's recommended backoff (jira-connect-protocol.md §3, "build an app that respects rate
 * limits"): exponential from about 2 s, doubling, capped at 30 s, each delay multiplied by a
 * jitter in ×0.7–1.3 so that many clients do not retry in step.
 */
export const BACKOFF_FIRST_MS = 2_000;
/** The cap of one backoff delay, jitter included. */
export const BACKOFF_MAX_MS = 30_000;

/**
 * The delay before retry number `retry` (0 for the first retry): `2 s × 2^retry`, capped at
 * 30 s, times a jitter drawn from `random` (a `Math.random`-like source). Always within
 * [1.4 s, 30 s]. Pure apart from `random`.
 */
export function backoffDelayMs(retry: number, random: () => number): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.max(0, Math.min(retry, 10)));
  const jitter = 0.7 + 0.6 * Math.min(1, Math.max(0, random()));
  return Math.min(BACKOFF_MAX_MS, Math.round(base * jitter));
}

/** Clamps a server-given delay (e.g. `Retry-After`) into [minMs, maxMs]; absurd values are bounded, not trusted. */
export function clampDelayMs(delayMs: number, minMs: number, maxMs: number): number {
  return Math.min(maxMs, Math.max(minMs, delayMs));
}
