import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../platform/clock.js';
import { createHeldUserTokens } from './held-user-tokens.js';

describe('held user tokens', () => {
  it('shares one exchange between waiting requests, holds the token until its usable time, then exchanges again', async () => {
    const clock = createManualClock(0);
    const tokens = createHeldUserTokens({ clock });
    let exchanges = 0;
    const exchange = async () => ({ token: `t${++exchanges}`, usableUntilMs: clock.nowMs() + 1000 });
    expect(await Promise.all([tokens.tokenFor('a', exchange), tokens.tokenFor('a', exchange)])).toEqual(['t1', 't1']);
    expect(await tokens.tokenFor('a', exchange)).toBe('t1');
    clock.advanceMs(1000);
    expect(await tokens.tokenFor('a', exchange)).toBe('t2');
    tokens.drop('a');
    expect(await tokens.tokenFor('a', exchange)).toBe('t3');
  });

  it('holds at most maxEntries tokens, forgetting the oldest, and never holds one already past its usable time', async () => {
    const clock = createManualClock(0);
    const tokens = createHeldUserTokens({ clock, maxEntries: 2 });
    let exchanges = 0;
    const exchange = async () => ({ token: `t${++exchanges}`, usableUntilMs: clock.nowMs() + 1000 });
    await tokens.tokenFor('a', exchange);
    await tokens.tokenFor('b', exchange);
    await tokens.tokenFor('c', exchange);
    expect(await tokens.tokenFor('b', exchange)).toBe('t2');
    expect(await tokens.tokenFor('a', exchange)).toBe('t4');
    const stale = async () => ({ token: `s${++exchanges}`, usableUntilMs: clock.nowMs() });
    expect(await tokens.tokenFor('d', stale)).toBe('s5');
    expect(await tokens.tokenFor('d', stale)).toBe('s6');
  });
});
