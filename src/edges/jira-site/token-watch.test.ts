import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../platform/clock.js';
import { createLogger } from '../../platform/logger.js';
import { createTokenWatch } from './token-watch.js';

const refusal = { status: 401, endpoint: 'GET /rest/api/3/worklog/updated' } as const;

function watchWith(answers: boolean[]) {
  const clock = createManualClock(Date.UTC(2026, 10, 23));
  const checks: number[] = [];
  const paused: number[] = [];
  const watch = createTokenWatch({
    clock,
    logger: createLogger({ level: 'silent' }),
    isTokenAccepted: async () => {
      checks.push(clock.nowMs());
      return answers.shift() ?? true;
    },
    onPaused: async (atMs) => void paused.push(atMs),
  });
  return { clock, checks, paused, watch };
}

describe('createTokenWatch', () => {
  it('pauses only when a check of the token itself is refused', async () => {
    const { watch, checks, paused, clock } = watchWith([false]);
    watch.noteRejected(refusal);
    await watch.settled();
    expect(watch.isPaused()).toBe(true);
    expect(paused).toEqual([clock.nowMs()]);
    watch.noteRejected(refusal);
    await watch.settled();
    expect(checks).toHaveLength(1);
  });

  it('ignores 403s, runs one check at a time, and re-checks only a minute after the token was confirmed', async () => {
    const { watch, checks, clock } = watchWith([true, true]);
    watch.noteRejected({ status: 403, endpoint: 'GET /rest/api/3/webhook/failed' });
    expect(checks).toHaveLength(0);
    watch.noteRejected(refusal);
    watch.noteRejected(refusal);
    await watch.settled();
    expect(checks).toHaveLength(1);
    clock.advanceMs(59_000);
    watch.noteRejected(refusal);
    await watch.settled();
    expect(checks).toHaveLength(1);
    clock.advanceMs(2_000);
    watch.noteRejected(refusal);
    await watch.settled();
    expect(checks).toHaveLength(2);
    expect(watch.isPaused()).toBe(false);
  });

  it('stays unpaused when Jira cannot say, and checks again on the next refusal', async () => {
    let calls = 0;
    const failing = createTokenWatch({
      clock: createManualClock(0),
      logger: createLogger({ level: 'silent' }),
      isTokenAccepted: async () => {
        calls++;
        throw new Error('network down');
      },
      onPaused: async () => undefined,
    });
    failing.noteRejected(refusal);
    await failing.settled();
    failing.noteRejected(refusal);
    await failing.settled();
    expect(calls).toBe(2);
    expect(failing.isPaused()).toBe(false);
  });
});
