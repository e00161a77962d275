import { Writable } from 'node:stream';
import type ExcelJS from 'exceljs';
import { AppError } from '../../platform/app-error.js';
import { EXPORT_QUEUE_BYTES } from './export-file.js';

/** What a workbook filler gets besides the workbook: pacing and cancellation. */
export interface XlsxFlow {
  /**
   * Resolves once the rows committed to `sheet` so far have moved on into bounded buffers, i.e.
   * when the reader has kept up; rejects once the reader cancelled. Call it between batches.
   */
  waitForRoom(sheet: ExcelJS.Worksheet): Promise<void>;
  readonly signal: AbortSignal;
}

/** Adds sheets to a streaming workbook and commits their rows; the workbook is committed after. */
export type XlsxFill = (book: ExcelJS.stream.xlsx.WorkbookWriter, flow: XlsxFlow) => Promise<void>;

export interface XlsxStreamOptions {
  /** The workbook's "created" property; without it exceljs stamps the current time. */
  createdAtMs?: number;
}

// exceljs 4.4 internals, read through these subsets only (the streaming writer has no public
// backpressure): a worksheet's `stream` is an exceljs StreamBuf whose `pipes[0]` is the
// PassThrough that archiver's `append()` puts in front of the zip entry. StreamBuf writes into it
// whatever its `write()` returns, so the PassThrough's own drain state is the one honest signal.
// Its `write()` reports a need to drain past 16 KiB, and it drains only as deflate, the zip
// stream and finally our sink take the bytes, which the sink does only as the reader reads.
interface PipeTargetSubset {
  writableNeedDrain?: boolean;
  _writableState?: { needDrain?: boolean };
  once(event: 'drain', listener: () => void): unknown;
  removeListener(event: 'drain', listener: () => void): unknown;
}
interface ArchiverSubset {
  on(event: 'error', listener: (error: unknown) => void): unknown;
  abort(): unknown;
}

const ARCHIVE_BUFFER_BYTES = 16 * 1024;

function pipeTargetOf(sheet: ExcelJS.Worksheet): PipeTargetSubset {
  const pipes = (sheet as unknown as { stream?: { pipes?: unknown } }).stream?.pipes;
  const target = Array.isArray(pipes) ? (pipes[0] as Partial<PipeTargetSubset> | undefined) : undefined;
  if (typeof target?.once !== 'function' || (target.writableNeedDrain === undefined && target._writableState === undefined)) {
    throw new AppError('INTERNAL', 'exceljs streaming internals changed: worksheet stream has no pipe target');
  }
  return target as PipeTargetSubset;
}

function waitForDrain(target: PipeTargetSubset, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  if (!(target.writableNeedDrain ?? target._writableState?.needDrain ?? false)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      target.removeListener('drain', onDrain);
      reject(signal.reason);
    };
    const onDrain = (): void => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    };
    target.once('drain', onDrain);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Streams an XLSX file written by exceljs's streaming `WorkbookWriter` (no shared strings, so
 * memory does not grow with distinct texts). The workbook is started by the body's first pull.
 *
 * Bounded: the zip output reaches the body only as the reader takes it (the sink holds each write
 * until the body's queue is below {@link EXPORT_QUEUE_BYTES}), and `flow.waitForRoom` holds the
 * filler until the sheet's pipeline has drained. Cancelling the body aborts `flow.signal` and the
 * archive. A failing filler or archive errors the body.
 */
export function createXlsxStream(fill: XlsxFill, options: XlsxStreamOptions = {}): ReadableStream<Uint8Array> {
  const abort = new AbortController();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let heldWrite: (() => void) | undefined;
  let archive: ArchiverSubset | undefined;
  let started = false;

  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (abort.signal.aborted) return callback();
      controller.enqueue(new Uint8Array(chunk));
      if ((controller.desiredSize ?? 1) > 0) callback();
      else heldWrite = () => callback();
    },
  });

  const fail = (error: unknown): void => {
    if (abort.signal.aborted) return;
    abort.abort(error);
    archive?.abort();
    controller.error(error);
  };

  const run = async (): Promise<void> => {
    // Loaded on first use: exceljs costs about 450 ms to import, which every CLI command and
    // server start would otherwise pay (the sync-killed test kills `tally sync` within 1.6 s).
    const { default: excel } = await import('exceljs');
    const book = new excel.stream.xlsx.WorkbookWriter({
      stream: sink,
      useStyles: true,
      useSharedStrings: false,
      // archiver's documented `highWaterMark` (default 1 MiB) sizes its own and its zip
      // stream's buffers; at 1 MiB they hold megabytes of compressed rows for a stalled reader.
      zip: { highWaterMark: ARCHIVE_BUFFER_BYTES } as Partial<ExcelJS.stream.xlsx.ArchiverZipOptions>,
    });
    book.creator = 'Tally';
    book.lastModifiedBy = 'Tally';
    if (options.createdAtMs !== undefined) book.created = book.modified = new Date(options.createdAtMs);
    archive = (book as unknown as { zip: ArchiverSubset }).zip;
    archive.on('error', (error) => fail(new AppError('INTERNAL', 'The XLSX archive failed', { cause: error })));
    const flow: XlsxFlow = { waitForRoom: (sheet) => waitForDrain(pipeTargetOf(sheet), abort.signal), signal: abort.signal };
    // Errors of `fill` (the caller's rows) pass through as they are; exceljs's own are wrapped.
    await fill(book, flow);
    await book.commit().catch((error: unknown) => {
      throw new AppError('INTERNAL', 'Writing the XLSX workbook failed', { cause: error });
    });
    if (!abort.signal.aborted) controller.close();
  };

  return new ReadableStream<Uint8Array>(
    {
      start(streamController) {
        controller = streamController;
      },
      pull() {
        if (!started) {
          started = true;
          run().catch(fail);
        }
        const release = heldWrite;
        heldWrite = undefined;
        release?.();
      },
      cancel(reason) {
        if (abort.signal.aborted) return;
        abort.abort(reason);
        archive?.abort();
        heldWrite?.();
        heldWrite = undefined;
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: EXPORT_QUEUE_BYTES }),
  );
}
