import { AppError } from '../platform/app-error.js';

/**
 * A counting semaphore over physical PostgreSQL connections: the global cap
 * (`TALLY_PG_MAX_CONNECTIONS`) that every tenant pool and every administrative connection of the
 * PostgreSQL store provider draws from. pg's Pool caps one pool; nothing in pg or pg-pool caps a
 * set of pools, so this small piece is Tally's own.
 */
export interface ConnectionBudget {
  readonly cap: number;
  /** Permits held (connections open or being opened). */
  readonly inUse: number;
  /** Connection requests waiting for a permit. */
  readonly waiting: number;
  /**
   * A permit for one connection, waiting (FIFO) while the cap is reached; the returned function
   * gives it back and is idempotent. Rejects with `STORE_UNAVAILABLE` (retryable) after
   * `waitTimeoutMs`.
   */
  acquire(): Promise<() => void>;
  /** Asks for idle connections to be reclaimed if anyone waits (called when a connection went idle). */
  nudge(): void;
}

/** Options of {@link createConnectionBudget}. */
export interface ConnectionBudgetOptions {
  cap: number;
  /**
   * Starts closing idle connections somewhere (the least recently used idle tenant pool) and
   * returns how many will close; 0 when none is idle. Their permits come back as they close.
   */
  reclaimIdle: () => number;
  waitTimeoutMs?: number;
}

const DEFAULT_WAIT_TIMEOUT_MS = 30_000;

/** Builds a {@link ConnectionBudget}. Bounded: never more than `cap` permits out at once. */
export function createConnectionBudget({ cap, reclaimIdle, waitTimeoutMs = DEFAULT_WAIT_TIMEOUT_MS }: ConnectionBudgetOptions): ConnectionBudget {
  if (!Number.isSafeInteger(cap) || cap < 1) throw new RangeError(`The connection cap must be a positive integer, got ${cap}`);
  let inUse = 0;
  // Connections already asked to close whose permits have not come back: no need to close more for them.
  let reclaiming = 0;
  const waiters: ((release: () => void) => void)[] = [];

  const permit = (): (() => void) => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (reclaiming > 0) reclaiming--;
      const next = waiters.shift();
      // The permit passes straight to the next waiter: `inUse` never dips, so no newcomer jumps the queue.
      if (next !== undefined) next(permit());
      else inUse--;
    };
  };

  const reclaimForWaiters = () => {
    while (reclaiming < waiters.length) {
      const closing = reclaimIdle();
      if (closing === 0) return;
      reclaiming += closing;
    }
  };

  return {
    cap,
    get inUse() {
      return inUse;
    },
    get waiting() {
      return waiters.length;
    },
    acquire() {
      if (inUse < cap) {
        inUse++;
        return Promise.resolve(permit());
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const at = waiters.indexOf(grant);
          if (at >= 0) waiters.splice(at, 1);
          reject(new AppError('STORE_UNAVAILABLE', `No PostgreSQL connection became free within ${waitTimeoutMs} ms (TALLY_PG_MAX_CONNECTIONS = ${cap})`));
        }, waitTimeoutMs);
        timer.unref();
        const grant = (release: () => void) => {
          clearTimeout(timer);
          resolve(release);
        };
        waiters.push(grant);
        reclaimForWaiters();
      });
    },
    nudge() {
      if (waiters.length > 0) reclaimForWaiters();
    },
  };
}
