import { Worker } from 'node:worker_threads';
import { AppError } from '../../platform/app-error.js';
import type { JiraWorklog } from '../jira-client.js';
import type { WorklogListDecoder } from '../worklog-list-decoder.js';
import type { ParseReply, ParseRequest } from './parse-messages.js';

const WORKER_ENTRY = new URL('./worklog-parse-worker.mjs', import.meta.url);

interface Pending {
  resolve(worklogs: JiraWorklog[]): void;
  reject(error: unknown): void;
}

interface PoolWorker {
  worker: Worker;
  pending: Map<number, Pending>;
}

/**
 * A fixed pool of parse worker threads behind {@link WorklogListDecoder}. Each answer goes to the
 * worker with the fewest in flight; its bytes are transferred, not copied. An idle pool keeps no
 * process alive (workers are unref'd while nothing is pending). A worker that dies fails its
 * pending decodes as retryable `JIRA_RESPONSE_INVALID` (the request is simply made again) and is
 * replaced on the next decode. `options.entry` swaps the worker script (tests).
 */
export function createWorklogParsePool(threads: number, options: { entry?: URL } = {}): WorklogListDecoder {
  const entryUrl = options.entry ?? WORKER_ENTRY;
  if (!Number.isSafeInteger(threads) || threads < 1) throw new RangeError(`createWorklogParsePool: threads must be a positive integer, got ${threads}`);
  const workers: (PoolWorker | undefined)[] = new Array(threads).fill(undefined);
  let nextId = 1;
  let closed = false;

  function start(slot: number): PoolWorker {
    const worker = new Worker(entryUrl);
    const entry: PoolWorker = { worker, pending: new Map() };
    worker.unref();
    const fail = (error: AppError) => {
      if (workers[slot] === entry) workers[slot] = undefined;
      for (const pending of entry.pending.values()) pending.reject(error);
      entry.pending.clear();
    };
    worker.on('message', (reply: ParseReply) => {
      const pending = entry.pending.get(reply.id);
      if (!pending) return;
      entry.pending.delete(reply.id);
      if (entry.pending.size === 0) worker.unref();
      if (reply.ok) pending.resolve(reply.worklogs);
      else pending.reject(new AppError('JIRA_RESPONSE_INVALID', reply.message, { details: reply.details }));
    });
    worker.on('error', (cause) => fail(new AppError('JIRA_RESPONSE_INVALID', 'A parse worker failed while decoding a worklog list', { cause })));
    worker.on('exit', () => fail(new AppError('JIRA_RESPONSE_INVALID', 'A parse worker stopped while decoding a worklog list')));
    workers[slot] = entry;
    return entry;
  }

  function leastBusy(): PoolWorker {
    let best: PoolWorker | undefined;
    for (let slot = 0; slot < workers.length; slot++) {
      const entry = workers[slot] ?? start(slot);
      if (!best || entry.pending.size < best.pending.size) best = entry;
    }
    return best as PoolWorker;
  }

  return {
    decode(bytes) {
      if (closed) return Promise.reject(new AppError('INTERNAL', 'The worklog parse pool is closed'));
      const entry = leastBusy();
      const id = nextId++;
      // A view into a larger buffer is copied out, so only these bytes cross the thread boundary.
      const owned = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
      return new Promise<JiraWorklog[]>((resolve, reject) => {
        entry.pending.set(id, { resolve, reject });
        entry.worker.ref();
        const request: ParseRequest = { id, bytes: owned };
        entry.worker.postMessage(request, [owned.buffer as ArrayBuffer]);
      });
    },
    async close() {
      closed = true;
      const running = workers.filter((entry): entry is PoolWorker => entry !== undefined);
      workers.fill(undefined);
      await Promise.all(running.map((entry) => entry.worker.terminate()));
    },
  };
}
