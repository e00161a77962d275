import type { SimClock } from '../sim-clock.js';

/** The outcome of a delivery as its sender sees it. */
export interface DeliveryResult {
  /** Whether the last attempt got a 2xx. */
  ok: boolean;
  /** Status of the last attempt; 0 when nothing answered (timeout, network error) or nothing was sent. */
  status: number;
  /** Attempts made so far. */
  attempts: number;
  /** When a retry is waiting: when it is due (site clock). */
  retryAtMs?: number;
}

/** Why Forge retries (`remote/sending-product-events`). */
export type RetryReason = 'INVALID_REMOTE_INVOCATION_ERROR' | 'TIMEOUT_ERROR' | 'INVALID_FORGE_INVOCATION_TOKEN';

/** What one attempt produced; `abandoned` when there was nobody to send it for any more. */
export type AttemptOutcome = { kind: 'sent'; status: number; retryReason: RetryReason | undefined } | { kind: 'abandoned' };

/** A delivery with its own sending logic; the queue decides when attempts happen. */
export interface DeliveryJob {
  /** Sends attempt `attempt` (1 = first); `retryReason` is the previous attempt's failure. Must not throw. */
  send(attempt: number, retryReason: RetryReason | undefined): Promise<AttemptOutcome>;
  /** Attempts after the first. */
  maxRetries: number;
}

/** Sends jobs in order, one at a time, and retries failures on the site clock. */
export interface DeliveryQueue {
  /**
   * Queues a job, sent on a later tick (never inside the caller's stack). Resolves after its first
   * attempt, with a `retryAtMs` when a retry is waiting; later attempts appear in the sender's log.
   */
  enqueue(job: DeliveryJob): Promise<DeliveryResult>;
  /** Sends everything due by the site clock now and resolves once nothing is in flight or due. */
  idle(): Promise<void>;
  /** Attempts waiting, earliest first. */
  pending(): { dueMs: number; attempt: number }[];
  /** Stops the real-clock timer. */
  close(): void;
}

interface Queued {
  job: DeliveryJob;
  attempt: number;
  retryReason: RetryReason | undefined;
  dueMs: number;
  sequence: number;
  settle: ((result: DeliveryResult) => void) | undefined;
}

/** The longest a real-clock timer sleeps, so a test that moves the clock is noticed. */
const REAL_CLOCK_POLL_MS = 60_000;

/**
 * Creates the queue. With a manual clock, retries go out when a test moves the clock and calls
 * `idle()` (or anything else is delivered); with a real clock a timer sends them when due.
 * Bounded: a job has at most `maxRetries + 1` attempts.
 */
export function createDeliveryQueue(clock: SimClock, retryDelayMs: number): DeliveryQueue {
  let queue: Queued[] = [];
  let sequence = 0;
  let running: Promise<void> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const takeDue = (): Queued | undefined => {
    const now = clock.now();
    let best: Queued | undefined;
    for (const item of queue) {
      if (item.dueMs > now) continue;
      if (!best || item.dueMs < best.dueMs || (item.dueMs === best.dueMs && item.sequence < best.sequence)) best = item;
    }
    if (best) queue = queue.filter((item) => item !== best);
    return best;
  };

  const runOne = async (item: Queued): Promise<void> => {
    let outcome: AttemptOutcome;
    try {
      outcome = await item.job.send(item.attempt, item.retryReason);
    } catch (error) {
      // A simulator bug: report it, count the attempt as unanswered, keep the queue going.
      console.error('[simulator] forge delivery failed', error);
      outcome = { kind: 'sent', status: 0, retryReason: 'INVALID_REMOTE_INVOCATION_ERROR' };
    }
    if (outcome.kind === 'abandoned') {
      item.settle?.({ ok: false, status: 0, attempts: item.attempt - 1 });
      return;
    }
    const ok = outcome.status >= 200 && outcome.status < 300;
    if (!ok && item.attempt <= item.job.maxRetries) {
      const dueMs = clock.now() + retryDelayMs;
      queue.push({ job: item.job, attempt: item.attempt + 1, retryReason: outcome.retryReason, dueMs, sequence: sequence++, settle: undefined });
      item.settle?.({ ok, status: outcome.status, attempts: item.attempt, retryAtMs: dueMs });
      return;
    }
    item.settle?.({ ok, status: outcome.status, attempts: item.attempt });
  };

  const drain = async (): Promise<void> => {
    await null; // never inside the caller's stack (a site write emitting an event)
    for (let item = takeDue(); item; item = takeDue()) await runOne(item);
  };

  function armTimer(): void {
    if (clock.mode !== 'real' || timer !== undefined || queue.length === 0) return;
    const nextDue = Math.min(...queue.map((item) => item.dueMs));
    timer = setTimeout(() => {
      timer = undefined;
      kick();
    }, Math.min(Math.max(0, nextDue - clock.now()), REAL_CLOCK_POLL_MS));
    timer.unref?.();
  }

  const hasDue = () => queue.some((item) => item.dueMs <= clock.now());

  function kick(): Promise<void> {
    running ??= drain().finally(() => {
      running = undefined;
      // A job queued between the drain's last look and now is not left waiting.
      if (hasDue()) void kick();
      else armTimer();
    });
    return running;
  }

  return {
    enqueue(job) {
      return new Promise<DeliveryResult>((settle) => {
        queue.push({ job, attempt: 1, retryReason: undefined, dueMs: clock.now(), sequence: sequence++, settle });
        void kick();
      });
    },
    async idle() {
      // A job queued while the last drain was finishing starts a new one; loop until calm.
      for (;;) {
        await kick();
        if (running === undefined && !hasDue()) return;
      }
    },
    pending: () => [...queue].sort((a, b) => a.dueMs - b.dueMs || a.sequence - b.sequence).map((item) => ({ dueMs: item.dueMs, attempt: item.attempt })),
    close() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
