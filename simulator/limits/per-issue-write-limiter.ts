import type { PerIssueOptions } from './rate-limit-options.js';
import type { RateLimitDenial } from './rate-limit-denial.js';

/** Per-issue write limiting; see {@link createPerIssueWriteLimiter}. */
export interface PerIssueWriteLimiter {
  /** Admits (and records) one write to `issueKey`, or returns the denial (`jira-per-issue-on-write`). */
  admit(issueKey: string, nowMs: number): RateLimitDenial | undefined;
  reset(): void;
}

/**
 * Jira's per-issue write limit (jira-connect-protocol.md §3 item 3: 20 writes per 2 s and 100
 * per 30 s): sliding windows over the admitted writes of each issue. A write is admitted only
 * when every window has room; a refused write is not recorded. The denial's reset is when the
 * oldest write of the fullest window leaves it. Memory per issue is bounded by the largest limit.
 */
export function createPerIssueWriteLimiter(options: Readonly<PerIssueOptions>): PerIssueWriteLimiter {
  const writes = new Map<string, number[]>();
  const longestMs = Math.max(0, ...options.windows.map((w) => w.windowMs));
  const largestLimit = Math.max(0, ...options.windows.map((w) => w.limit));
  return {
    admit(issueKey, nowMs) {
      const times = (writes.get(issueKey) ?? []).filter((t) => nowMs - t < longestMs);
      let denial: RateLimitDenial | undefined;
      for (const window of options.windows) {
        const inWindow = times.filter((t) => nowMs - t < window.windowMs);
        if (inWindow.length < window.limit) continue;
        // The write that must leave the window before one more fits.
        const blocking = inWindow[inWindow.length - window.limit] as number;
        const resetAtMs = blocking + window.windowMs;
        if (!denial || resetAtMs > denial.resetAtMs) {
          denial = {
            reason: 'jira-per-issue-on-write',
            policy: undefined,
            limit: window.limit,
            windowSeconds: Math.ceil(window.windowMs / 1000),
            resetAtMs,
          };
        }
      }
      if (!denial) times.push(nowMs);
      writes.set(issueKey, times.slice(-largestLimit));
      return denial;
    },
    reset() {
      writes.clear();
    },
  };
}
