import type { Clock } from '../../platform/clock.js';

/** A token acting as one person, and until when it may still be sent (its expiry less a margin). */
export interface HeldToken {
  token: string;
  usableUntilMs: number;
}

/**
 * Tokens that act as people (Connect's user impersonation, Forge's offline user tokens), held in
 * memory only, per key, until `usableUntilMs`; requests waiting for the same key share one
 * exchange. At most `maxEntries` are held (the oldest go first), so a site with many people never
 * grows the map without bound. A token whose usable time has already passed when it arrives is
 * used for the request that asked, and not held.
 */
export function createHeldUserTokens(deps: { clock: Clock; maxEntries?: number }) {
  const maxEntries = deps.maxEntries ?? 10_000;
  const held = new Map<string, HeldToken>();
  const pending = new Map<string, Promise<string>>();
  return {
    /** The held token for `key`, or the one `exchange` gives (shared by every request waiting for it). */
    tokenFor(key: string, exchange: () => Promise<HeldToken>): Promise<string> {
      const cached = held.get(key);
      if (cached && cached.usableUntilMs > deps.clock.nowMs()) return Promise.resolve(cached.token);
      const inFlight = pending.get(key);
      if (inFlight) return inFlight;
      const started = exchange()
        .then((fresh) => {
          held.delete(key);
          if (fresh.usableUntilMs > deps.clock.nowMs()) {
            // A Map iterates in insertion order: the first key is the oldest token.
            if (held.size >= maxEntries) held.delete(held.keys().next().value!);
            held.set(key, fresh);
          }
          return fresh.token;
        })
        .finally(() => pending.delete(key));
      pending.set(key, started);
      return started;
    },
    /** Forgets the token for `key` (Jira refused it). */
    drop: (key: string) => held.delete(key),
    /** Forgets every held token. */
    clear: () => held.clear(),
  };
}
