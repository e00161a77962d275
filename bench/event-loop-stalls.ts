/** Event-loop stalls of the benchmark process, per phase of a run. */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram } from 'node:perf_hooks';

/** The longest event-loop stalls seen since the last {@link EventLoopStalls.takePhase}, in ms. */
export interface StallPhase {
  /** `monitorEventLoopDelay`'s maximum: how late a timer ran, for whatever reason. */
  longestStallMs: number;
  /**
   * The longest late tick counted only as far as the main thread ran on a CPU meanwhile: a stall
   * of our own making (a long synchronous stretch, a GC pause on the main thread), without the
   * time the machine's other processes kept this one waiting for a core. Linux measures the main
   * thread alone (`/proc/thread-self/schedstat`); elsewhere the whole process's CPU time counts.
   */
  longestCpuStallMs: number;
  /**
   * The phase's longest late ticks (at most {@link KEPT_STALLS}, over {@link NOTED_STALL_MS}), each
   * with the monotonic time it ended in µs — the clock of a V8 CPU profile's `startTime` and sample
   * times on Linux — so a profile taken with `--cpu-prof` can be read at exactly that moment.
   */
  stalls: NotedStall[];
}

/**
 * One late tick: when it ended (monotonic µs), how late it was, and where that time went. What is
 * left of `lateMs` after `cpuMs` and `runQueueMs` the main thread slept: a synchronous system call
 * that waits (fsync, a file lock, a page read), or a GC pause waiting for its helper threads.
 */
export interface NotedStall {
  endedAtMonotonicUs: number;
  lateMs: number;
  /** The main thread on a CPU. */
  cpuMs: number;
  /** The main thread ready to run but waiting for a core (the machine's load); 0 where not measurable. */
  runQueueMs: number;
  /** Garbage-collection pauses (`gc` performance entries, wall time) within the late tick. */
  gcMs: number;
}

const NOTED_STALL_MS = 50;
const KEPT_STALLS = 10;

/** Watches the event loop of this process. */
export interface EventLoopStalls {
  /** The phase's figures; starts the next phase. */
  takePhase(): StallPhase;
  stop(): void;
}

const TICK_MS = 5;
const round1 = (ms: number) => Math.round(ms * 10) / 10;

/** The calling thread's schedstat in ms: time on a CPU and time runnable on a run queue; undefined off Linux. */
function threadSchedMs(): { cpuMs: number; runQueueMs: number } | undefined {
  try {
    const [onCpuNs, waitingNs] = readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ');
    return { cpuMs: Number(onCpuNs) / 1e6, runQueueMs: Number(waitingNs) / 1e6 };
  } catch {
    return undefined;
  }
}

/** CPU and run-queue time in ms of this thread where measurable, else the whole process's CPU (and no queue time). */
function schedClockMs(): () => { cpuMs: number; runQueueMs: number } {
  if (threadSchedMs() !== undefined) return () => threadSchedMs() as { cpuMs: number; runQueueMs: number };
  return () => {
    const { user, system } = process.cpuUsage();
    return { cpuMs: (user + system) / 1000, runQueueMs: 0 };
  };
}

/** A GC pause in `performance.now()` ms. */
interface Pause {
  startMs: number;
  endMs: number;
}

const overlapMs = (pause: Pause, fromMs: number, toMs: number) => Math.max(0, Math.min(toMs, pause.endMs) - Math.max(fromMs, pause.startMs));

/** A noted stall with the window its GC pauses are charged from. */
interface OpenStall extends NotedStall {
  fromMs: number;
  toMs: number;
}

/**
 * Charges garbage-collection pauses (`gc` performance entries) to late ticks. Entries arrive in a
 * later callback than the pause, sometimes after the tick that noted the stall, sometimes before:
 * a pause already received is charged when the stall is noted, a later one when it arrives.
 */
function watchGcPauses(stallsNow: () => OpenStall[]): { charge(stall: OpenStall): void; stop(): void } {
  let recent: Pause[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const pause = { startMs: entry.startTime, endMs: entry.startTime + entry.duration };
      recent.push(pause);
      for (const stall of stallsNow()) stall.gcMs += overlapMs(pause, stall.fromMs, stall.toMs);
    }
    const horizonMs = performance.now() - 10_000;
    if (recent.length > 200) recent = recent.filter((pause) => pause.endMs > horizonMs);
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    charge(stall) {
      for (const pause of recent) stall.gcMs += overlapMs(pause, stall.fromMs, stall.toMs);
    },
    stop: () => observer.disconnect(),
  };
}

/**
 * Starts watching: Node's own event-loop delay histogram (the figure the targets name), and a
 * 5 ms ticker that also reads the main thread's CPU and run-queue time and the GC pauses, so a
 * loaded machine (two cores shared with the simulators and other work) can be told apart from a
 * blocking call, and a call that computes from one that sleeps in the kernel.
 */
export function watchEventLoopStalls(): EventLoopStalls {
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: TICK_MS });
  histogram.enable();
  let longestCpuStallMs = 0;
  let stalls: OpenStall[] = [];
  const schedNowMs = schedClockMs();
  const gc = watchGcPauses(() => stalls);
  let lastWallNs = process.hrtime.bigint();
  let lastNowMs = performance.now();
  let last = schedNowMs();
  const ticker = setInterval(() => {
    const wallNs = process.hrtime.bigint();
    const nowMs = performance.now();
    const sched = schedNowMs();
    const lateMs = Number(wallNs - lastWallNs) / 1e6 - TICK_MS;
    const cpuMs = Math.min(lateMs, sched.cpuMs - last.cpuMs);
    longestCpuStallMs = Math.max(longestCpuStallMs, cpuMs);
    if (lateMs > NOTED_STALL_MS) {
      const stall: OpenStall = {
        endedAtMonotonicUs: Number(wallNs / 1000n),
        lateMs: round1(lateMs),
        cpuMs: round1(cpuMs),
        runQueueMs: round1(Math.min(lateMs, sched.runQueueMs - last.runQueueMs)),
        gcMs: 0,
        fromMs: lastNowMs,
        toMs: nowMs,
      };
      gc.charge(stall);
      stalls.push(stall);
      if (stalls.length > KEPT_STALLS) stalls = stalls.sort((a, b) => b.lateMs - a.lateMs).slice(0, KEPT_STALLS);
    }
    lastWallNs = wallNs;
    lastNowMs = nowMs;
    last = sched;
  }, TICK_MS);
  ticker.unref();
  return {
    takePhase() {
      const max = histogram.max / 1e6;
      const phase = {
        longestStallMs: round1(Number.isFinite(max) ? max : 0),
        longestCpuStallMs: round1(Math.max(0, longestCpuStallMs)),
        stalls: [...stalls]
          .sort((a, b) => b.lateMs - a.lateMs)
          .map(({ endedAtMonotonicUs, lateMs, cpuMs, runQueueMs, gcMs }) => ({ endedAtMonotonicUs, lateMs, cpuMs, runQueueMs, gcMs: round1(gcMs) })),
      };
      histogram.reset();
      longestCpuStallMs = 0;
      stalls = [];
      return phase;
    },
    stop() {
      clearInterval(ticker);
      gc.stop();
      histogram.disable();
    },
  };
}
