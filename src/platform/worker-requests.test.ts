import { afterEach, describe, expect, it } from 'vitest';
import { createWorkerRequests, type WorkerRequests, type WorkerRequestsOptions } from './worker-requests.js';

/** A worker that echoes `x`, fails when `fail` is set, and exits when `exit` is set. */
const ECHO_WORKER = new URL(
  `data:text/javascript,${encodeURIComponent(`
import { parentPort } from 'node:worker_threads';
parentPort.on('message', ({ id, x, fail, exit }) => {
  if (exit) process.exit(3);
  parentPort.postMessage(fail ? { id, ok: false, message: 'no ' + x, code: 'E_TEST' } : { id, ok: true, echo: x });
});`)}`,
);

class TestWorkerError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

type Request = { x: number; fail?: boolean; exit?: boolean };
const made: WorkerRequests<Request, { echo: number }>[] = [];
function echoWorker(options: Partial<WorkerRequestsOptions> = {}) {
  const worker = createWorkerRequests<Request, { echo: number }>({
    entry: ECHO_WORKER,
    name: 'The echo worker',
    toError: (message, code) => new TestWorkerError(message, code),
    afterClose: 'refuse',
    ...options,
  });
  made.push(worker);
  return worker;
}

afterEach(async () => {
  for (const worker of made.splice(0)) await worker.close();
});

describe('worker requests', () => {
  it('answers requests sent at once each with its own result, and a failure with its message and code', async () => {
    const worker = echoWorker();
    const answers = await Promise.all([1, 2, 3].map((x) => worker.request({ x })));
    expect(answers).toEqual([{ echo: 1 }, { echo: 2 }, { echo: 3 }]);
    await expect(worker.request({ x: 4, fail: true })).rejects.toMatchObject({ message: 'no 4', code: 'E_TEST' });
    expect(await worker.request({ x: 5 })).toEqual({ echo: 5 });
  });

  it('rejects the requests of a thread that died, and starts a new thread for the next', async () => {
    const worker = echoWorker();
    await expect(worker.request({ x: 1, exit: true })).rejects.toThrow('The echo worker stopped (exit code 3) before it answered');
    expect(await worker.request({ x: 2 })).toEqual({ echo: 2 });
  });

  it('refuses requests after close, or starts a new thread for them, as told', async () => {
    const refusing = echoWorker();
    await refusing.request({ x: 1 });
    await refusing.close();
    await expect(refusing.request({ x: 2 })).rejects.toThrow('The echo worker is closed');

    const restarting = echoWorker({ afterClose: 'restart' });
    await restarting.request({ x: 1 });
    await restarting.close();
    expect(await restarting.request({ x: 2 })).toEqual({ echo: 2 });
  });

  it('stops an idle thread after idleStopMs and serves the next request from a new one', async () => {
    const worker = echoWorker({ idleStopMs: 1 });
    await worker.request({ x: 1 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await worker.request({ x: 2 })).toEqual({ echo: 2 });
  });
});
