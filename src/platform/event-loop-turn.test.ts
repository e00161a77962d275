import { describe, expect, it } from 'vitest';
import { takeEventLoopTurn } from './event-loop-turn.js';

/** Marks every event-loop iteration: one immediate per iteration, each queuing the next. */
function markIterations(log: string[]): () => void {
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    log.push('iteration');
    setImmediate(tick);
  };
  setImmediate(tick);
  return () => {
    stopped = true;
  };
}

describe('takeEventLoopTurn', () => {
  it('gives each of many turns asked for at once an event-loop iteration of its own, in call order', async () => {
    const log: string[] = [];
    const stop = markIterations(log);
    await Promise.all([1, 2, 3, 4].map(async (n) => {
      await takeEventLoopTurn();
      log.push(`turn ${n}`);
    }));
    stop();
    const turns = log.filter((entry) => entry.startsWith('turn'));
    expect(turns).toEqual(['turn 1', 'turn 2', 'turn 3', 'turn 4']);
    // Between two turns, the loop went round at least once more.
    for (let i = 1; i < turns.length; i++) {
      const between = log.slice(log.indexOf(turns[i - 1] as string) + 1, log.indexOf(turns[i] as string));
      expect(between).toContain('iteration');
    }
  });

  it('lets a timer that fell due run between two turns', async () => {
    const log: string[] = [];
    const first = takeEventLoopTurn().then(() => {
      setTimeout(() => log.push('timer'), 0);
      // A long synchronous step: the timer is due before the next turn's iteration begins.
      const until = performance.now() + 5;
      while (performance.now() < until);
      log.push('turn 1');
    });
    const second = takeEventLoopTurn().then(() => log.push('turn 2'));
    await Promise.all([first, second]);
    expect(log).toEqual(['turn 1', 'timer', 'turn 2']);
  });
});
