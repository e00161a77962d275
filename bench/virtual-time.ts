import { performance } from 'node:perf_hooks';
import type { Clock } from '../src/platform/clock.js';
import type { Fetch } from '../src/platform/fetch.js';
import type { Sleep } from '../src/jira/sleep.js';

/** Options of {@link createVirtualTime}. */
export interface VirtualTimeOptions {
  /** Where virtual time starts (epoch ms): the simulated sites' clocks stand there too. */
  startMs: number;
  /**
   * Moves the simulated Jira's clock to `nowMs` before any sleeper wakes (the simulator runs in
   * another process; its clock is manual and only this moves it).
   */
  moveRemoteClock: (nowMs: number) => Promise<void>;
  /** Real milliseconds with no tracked activity and an idle event loop before the process counts as waiting. Default 100. */
  quietMs?: number;
}

/** A clock and a sleep on virtual time, and the instrumentation that tells when all work waits. */
export interface VirtualTime {
  /** Tally's clock: the simulated Jira's time (the same number in both processes). */
  readonly clock: Clock;
  /** Tally's sleep: registers a wake-up in virtual time; virtual time jumps once all work waits. */
  readonly sleep: Sleep;
  /** Wraps `fetch` so that a request in flight counts as work (virtual time never jumps under it). */
  track(fetch: Fetch): Fetch;
  /** Marks other work (a store write, a finished job): the quiet period starts again. */
  touch(): void;
  /** Virtual hours that passed in jumps, and how many jumps. */
  stats(): { jumps: number; sleeps: number; startMs: number; nowMs: number };
  /** Stops the watcher; pending sleepers are left pending. */
  stop(): void;
}

interface Sleeper {
  wakeAtMs: number;
  resolve: () => void;
}

/**
 * Discrete-event time for a benchmark in which Jira's points quota is what takes hours: requests
 * and store writes take no virtual time, and virtual time moves only when every piece of work is
 * waiting in `sleep` (a rate-limit pause until the top of the hour, a backoff). "Every piece of
 * work is waiting" is observed, not declared: no tracked request is in flight and nothing was
 * tracked (request started or answered, sleep registered, `touch`) and the event loop sat idle
 * (`performance.eventLoopUtilization` below a quarter: a job that yields between steps, or that
 * the machine's load descheduled mid-step, keeps it busy) for `quietMs` of real time over four
 * checks. Then the clock jumps to the earliest wake-up, the simulated Jira's clock is
 * moved there first, and every sleeper due by then wakes. A job that waits for longer than
 * `quietMs` on something untracked (neither a request nor a sleep; none in Tally's sync) would see
 * the jump early. (With a 30 ms window and no loop check, two runs of the same sync on a loaded
 * machine ended an hour apart.)
 */
export function createVirtualTime(options: VirtualTimeOptions): VirtualTime {
  const quietMs = options.quietMs ?? 100;
  const checkEveryMs = Math.max(1, Math.round(quietMs / 4));
  let loop = performance.eventLoopUtilization();
  let nowMs = options.startMs;
  let inFlight = 0;
  let activity = 0;
  let jumps = 0;
  let sleepCount = 0;
  let stopped = false;
  const sleepers = new Set<Sleeper>();
  let timer: NodeJS.Timeout | undefined;
  let quietChecks = 0;
  let lastActivity = -1;
  let jumping = false;

  const touch = () => {
    activity++;
  };

  async function jump(): Promise<void> {
    jumping = true;
    try {
      const target = Math.min(...[...sleepers].map((s) => s.wakeAtMs));
      if (target > nowMs) {
        await options.moveRemoteClock(target);
        nowMs = target;
        jumps++;
      }
      const due = [...sleepers].filter((s) => s.wakeAtMs <= nowMs).sort((a, b) => a.wakeAtMs - b.wakeAtMs);
      for (const sleeper of due) {
        sleepers.delete(sleeper);
        sleeper.resolve();
      }
      touch();
    } finally {
      jumping = false;
    }
  }

  function check(): void {
    timer = undefined;
    if (stopped || sleepers.size === 0) return;
    const sinceLast = performance.eventLoopUtilization(loop);
    loop = performance.eventLoopUtilization();
    if (!jumping && inFlight === 0 && activity === lastActivity && sinceLast.utilization < 0.25) quietChecks++;
    else quietChecks = 0;
    lastActivity = activity;
    if (quietChecks >= 4) {
      quietChecks = 0;
      void jump().catch((error: unknown) => {
        process.stderr.write(`virtual time: moving the simulator's clock failed: ${String(error)}\n`);
      });
    }
    arm();
  }

  function arm(): void {
    if (timer === undefined && !stopped && sleepers.size > 0) timer = setTimeout(check, checkEveryMs);
  }

  const sleep: Sleep = (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      touch();
      if (!(ms > 0)) {
        resolve();
        return;
      }
      sleepCount++;
      const sleeper: Sleeper = { wakeAtMs: nowMs + ms, resolve };
      signal?.addEventListener(
        'abort',
        () => {
          if (sleepers.delete(sleeper)) reject(signal.reason);
        },
        { once: true },
      );
      sleepers.add(sleeper);
      arm();
    });

  return {
    clock: { nowMs: () => nowMs },
    sleep,
    track: (fetch) => async (input, init) => {
      inFlight++;
      touch();
      try {
        return await fetch(input, init);
      } finally {
        inFlight--;
        touch();
      }
    },
    touch,
    stats: () => ({ jumps, sleeps: sleepCount, startMs: options.startMs, nowMs }),
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
