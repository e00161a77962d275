import { describe, expect, it } from 'vitest';
import { pagesOf } from './postgres-worklog-reads.js';

/** A page reader over ids 1…`count` that records its calls and how many ran at once. */
function idReader(count: number, options: { failAfterId?: number } = {}) {
  const calls: number[] = [];
  let running = 0;
  let mostAtOnce = 0;
  let settled = 0;
  const read = async (afterId: number, limit: number): Promise<number[]> => {
    calls.push(afterId);
    running++;
    mostAtOnce = Math.max(mostAtOnce, running);
    try {
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (options.failAfterId !== undefined && afterId >= options.failAfterId) throw new Error('connection lost');
      const first = Math.max(afterId + 1, 1);
      return Array.from({ length: Math.max(0, Math.min(limit, count - first + 1)) }, (_, i) => first + i);
    } finally {
      running--;
      settled++;
    }
  };
  return { read, calls, mostAtOnce: () => mostAtOnce, settled: () => settled };
}

const collect = async (pages: AsyncIterable<number[]>) => {
  const all: number[][] = [];
  for await (const page of pages) all.push(page);
  return all;
};

describe('pagesOf (keyset pages with one read ahead)', () => {
  it('yields every row once, in order, in pages of the batch size, and reads no page after a short one', async () => {
    const reader = idReader(10);
    const pages = await collect(pagesOf(4, (id) => id, reader.read));
    expect(pages).toEqual([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]);
    expect(reader.calls).toEqual([Number.MIN_SAFE_INTEGER, 4, 8]);
    expect(reader.mostAtOnce()).toBe(1);
  });

  it('ends with an empty read when the rows fill the last page exactly, and yields nothing for no rows', async () => {
    const reader = idReader(8);
    expect(await collect(pagesOf(4, (id) => id, reader.read))).toEqual([[1, 2, 3, 4], [5, 6, 7, 8]]);
    expect(reader.calls).toEqual([Number.MIN_SAFE_INTEGER, 4, 8]);
    expect(await collect(pagesOf(4, (id) => id, idReader(0).read))).toEqual([]);
  });

  it('waits for the read ahead when the consumer stops early, and drops its failure', async () => {
    const reader = idReader(100, { failAfterId: 4 });
    const seen: number[][] = [];
    for await (const page of pagesOf(4, (id) => id, reader.read)) {
      seen.push(page);
      break;
    }
    expect(seen).toEqual([[1, 2, 3, 4]]);
    // The read of the second page was started before the first was handed over, and had ended
    // (failed, unhandled by nobody) by the time the loop was left.
    expect(reader.calls).toEqual([Number.MIN_SAFE_INTEGER, 4]);
    expect(reader.settled()).toBe(2);
  });

  it('passes a failed read on to the consumer at the page it was for', async () => {
    const reader = idReader(100, { failAfterId: 8 });
    const seen: number[][] = [];
    await expect(
      (async () => {
        for await (const page of pagesOf(4, (id) => id, reader.read)) seen.push(page);
      })(),
    ).rejects.toThrow('connection lost');
    expect(seen).toEqual([[1, 2, 3, 4], [5, 6, 7, 8]]);
  });

  it('refuses a batch size that is not a positive integer', async () => {
    await expect(collect(pagesOf(0, (id: number) => id, idReader(1).read))).rejects.toThrow(RangeError);
  });
});
