import { CSV_BOM, formatCsvRecord, type CsvValue } from './csv-record.js';
import { EXPORT_QUEUE_BYTES } from './export-file.js';

/**
 * Streams a CSV file (RFC 4180, UTF-8 with BOM, header first) from batches of items.
 *
 * Bounded: the next batch is pulled from `source` only when the reader has taken all but
 * {@link EXPORT_QUEUE_BYTES} of what was encoded so far, so at most one batch is in flight
 * beyond that queue. Cancelling the stream calls `return()` on the source's iterator.
 */
export function createCsvStream<T>(
  header: readonly string[],
  source: AsyncIterable<readonly T[]>,
  toRecord: (item: T) => readonly CsvValue[],
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let iterator: AsyncIterator<readonly T[]> | undefined;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controller.enqueue(encoder.encode(CSV_BOM + formatCsvRecord(header)));
      },
      async pull(controller) {
        iterator ??= source[Symbol.asyncIterator]();
        for (;;) {
          const next = await iterator.next();
          if (next.done === true) {
            controller.close();
            return;
          }
          // An empty batch enqueues nothing; pull again rather than leave the reader waiting.
          if (next.value.length === 0) continue;
          let text = '';
          for (const item of next.value) text += formatCsvRecord(toRecord(item));
          controller.enqueue(encoder.encode(text));
          return;
        }
      },
      async cancel() {
        await iterator?.return?.();
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: EXPORT_QUEUE_BYTES }),
  );
}
