import { describe, expect, it } from 'vitest';
import { createLogger } from '../platform/logger.js';
import { createInProcessJobQueue } from './in-process-job-queue.js';

const logger = createLogger({ level: 'silent' });

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('in-process job queue', () => {
  it('runs one job per key at a time and a re-enqueued key once more afterwards', async () => {
    const queue = createInProcessJobQueue({ concurrency: 4, logger });
    const log: string[] = [];
    const gate = deferred();
    let runs = 0;
    queue.register<{ n: number }>('sync', async ({ n }) => {
      runs++;
      log.push(`start ${n}`);
      if (n === 1) await gate.promise;
      log.push(`end ${n}`);
    });
    queue.enqueue({ kind: 'sync', key: 't1', priority: 1, payload: { n: 1 }, dedupe: 'sync' });
    await new Promise((r) => setTimeout(r, 5));
    queue.enqueue({ kind: 'sync', key: 't1', priority: 1, payload: { n: 2 }, dedupe: 'sync' });
    queue.enqueue({ kind: 'sync', key: 't1', priority: 1, payload: { n: 3 }, dedupe: 'sync' });
    await new Promise((r) => setTimeout(r, 5));
    expect(log).toEqual(['start 1']);
    gate.resolve();
    await queue.idle();
    expect(log).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
    expect(runs).toBe(2);
  });

  it('runs every job without a dedupe value, one at a time per key', async () => {
    const queue = createInProcessJobQueue({ concurrency: 4, logger });
    const seen: number[] = [];
    queue.register<number>('hint', async (n) => {
      seen.push(n);
    });
    for (const n of [1, 2, 3]) queue.enqueue({ kind: 'hint', key: 't1', priority: 0, payload: n });
    await queue.idle();
    expect(seen).toEqual([1, 2, 3]);
  });

  it('runs lower priority numbers first and respects the concurrency limit', async () => {
    const queue = createInProcessJobQueue({ concurrency: 1, logger });
    const order: string[] = [];
    const gate = deferred();
    queue.register<string>('work', async (name) => {
      order.push(name);
      if (name === 'first') await gate.promise;
    });
    queue.enqueue({ kind: 'work', key: 'a', priority: 5, payload: 'first' });
    await new Promise((r) => setTimeout(r, 5));
    queue.enqueue({ kind: 'work', key: 'b', priority: 9, payload: 'backfill' });
    queue.enqueue({ kind: 'work', key: 'c', priority: 1, payload: 'incremental' });
    expect(queue.snapshot().running).toEqual(['work:a']);
    gate.resolve();
    await queue.idle();
    expect(order).toEqual(['first', 'incremental', 'backfill']);
  });

  it('keeps going after a failing job and aborts a cancelled one', async () => {
    const queue = createInProcessJobQueue({ concurrency: 2, logger });
    let aborted = false;
    queue.register('fail', async () => {
      throw new Error('boom');
    });
    queue.register('long', async (_p, { signal }) => {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      aborted = signal.aborted;
    });
    queue.register('ok', async () => {});
    queue.enqueue({ kind: 'fail', key: 'x', priority: 1, payload: null });
    queue.enqueue({ kind: 'long', key: 'y', priority: 1, payload: null });
    await new Promise((r) => setTimeout(r, 5));
    queue.cancel('y');
    queue.enqueue({ kind: 'ok', key: 'x', priority: 1, payload: null });
    await queue.idle();
    expect(aborted).toBe(true);
    expect(queue.snapshot()).toEqual({ running: [], queued: [] });
  });
});
