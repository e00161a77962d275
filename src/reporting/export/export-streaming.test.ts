import { describe, expect, it } from 'vitest';
import type { DetailExportRow } from './detail-columns.js';
import { exportDetails } from './export-details.js';

const TOTAL_ROWS = 500_000;
const BATCH_ROWS = 1000;
const TOTAL_BATCHES = TOTAL_ROWS / BATCH_ROWS;

/** A 500,000-row source that records how far it has been pulled and whether it was closed. */
function countingSource(): { rows: AsyncIterable<DetailExportRow[]>; pulledBatches: () => number; finished: () => boolean } {
  let pulled = 0;
  let finished = false;
  async function* generate(): AsyncGenerator<DetailExportRow[]> {
    try {
      for (let batch = 0; batch < TOTAL_BATCHES; batch += 1) {
        const rows: DetailExportRow[] = [];
        for (let index = 0; index < BATCH_ROWS; index += 1) {
          const id = batch * BATCH_ROWS + index;
          const minute = String(id % 60).padStart(2, '0');
          rows.push({
            worklogId: id,
            issueKey: `PROJ-${id % 5000}`,
            issueSummary: `Issue number ${id % 5000}`,
            projectKey: 'PROJ',
            accountId: `account-${id % 50}`,
            displayName: `User ${id % 50}`,
            started: `2026-03-${String((id % 28) + 1).padStart(2, '0')}T09:${minute}:00.000+0000`,
            workDate: `2026-03-${String((id % 28) + 1).padStart(2, '0')}`,
            timeSpentSeconds: 60 * ((id % 480) + 1),
            comment: `Worklog ${id}`,
          });
        }
        pulled += 1;
        yield rows;
      }
    } finally {
      finished = true;
    }
  }
  return { rows: generate(), pulledBatches: () => pulled, finished: () => finished };
}

/**
 * Lets the event loop and libuv's thread pool (zlib) run until `probe` stops changing. This is
 * not a timing assertion: a bounded exporter stops pulling however long we wait, and an
 * unbounded one keeps the probe moving until it has pulled everything, which the caller's
 * bound then rejects.
 */
async function untilSettled(probe: () => number): Promise<void> {
  let last = -1;
  for (let stableRounds = 0; stableRounds < 10; ) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const now = probe();
    stableRounds = now === last ? stableRounds + 1 : 0;
    last = now;
  }
}

function countCrlf(chunk: Uint8Array): number {
  let count = 0;
  for (let index = 1; index < chunk.length; index += 1) if (chunk[index] === 0x0a && chunk[index - 1] === 0x0d) count += 1;
  return count;
}

describe('streamed details export of 500,000 rows', () => {
  it('CSV: the source is never more than two batches ahead of what the reader has received', async () => {
    const source = countingSource();
    const reader = exportDetails(source.rows, { format: 'csv', timeZone: 'UTC' }).body.getReader();
    let receivedLines = 0;
    let maxAheadRows = 0;
    let pulledAtFirstBytes: number | undefined;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      pulledAtFirstBytes ??= source.pulledBatches();
      receivedLines += countCrlf(value);
      // The header is one of the received lines; every other line is one worklog.
      maxAheadRows = Math.max(maxAheadRows, source.pulledBatches() * BATCH_ROWS - (receivedLines - 1));
    }
    expect(pulledAtFirstBytes).toBeLessThan(TOTAL_BATCHES);
    expect(maxAheadRows).toBeLessThanOrEqual(2 * BATCH_ROWS);
    expect(receivedLines - 1).toBe(TOTAL_ROWS);
    expect(source.finished()).toBe(true);
  });

  it('XLSX: a reader that stops reading stops the source within a few batches, and the rest follows on demand', async () => {
    const source = countingSource();
    const reader = exportDetails(source.rows, { format: 'xlsx', timeZone: 'Europe/Berlin' }).body.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);

    await untilSettled(source.pulledBatches);
    const pulledWhileStalled = source.pulledBatches();
    // About three batches fill the pipeline's buffers here; unbounded, it would be all 500.
    expect(pulledWhileStalled).toBeLessThanOrEqual(6);

    let tail: number[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      tail = [...tail, ...value.subarray(Math.max(0, value.length - 22))].slice(-22);
    }
    expect(source.pulledBatches()).toBe(TOTAL_BATCHES);
    expect(source.finished()).toBe(true);
    // A complete zip ends with its end-of-central-directory record (PK\x05\x06 … 22 bytes).
    expect(tail.slice(0, 4)).toEqual([0x50, 0x4b, 0x05, 0x06]);
  }, 120_000);

  it.each(['csv', 'xlsx'] as const)('%s: cancelling the body closes the source', async (format) => {
    const source = countingSource();
    const body = exportDetails(source.rows, { format, timeZone: 'UTC' }).body;
    const reader = body.getReader();
    await reader.read();
    await untilSettled(source.pulledBatches);
    await reader.cancel();
    await untilSettled(() => Number(source.finished()));

    expect(source.finished()).toBe(true);
    expect(source.pulledBatches()).toBeLessThanOrEqual(6);
  });
});
