/** Event-loop stalls of the benchmark process, per phase of a run. */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

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

/** One late tick: when it ended (monotonic µs), how late it was, and how much of that the main thread was on a CPU. */
export interface NotedStall {
  endedAtMonotonicUs: number;
  lateMs: number;
  cpuMs: number;
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

/** CPU time of the calling thread in ms (its first schedstat field, ns on a CPU); undefined off Linux. */
function threadCpuMs(): number | undefined {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[0]) / 1e6;
  } catch {
    return undefined;
  }
}

/** CPU time in ms of this thread where measurable, else of the whole process. */
function cpuClockMs(): () => number {
  if (threadCpuMs() !== undefined) return () => threadCpuMs() as number;
  return () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };
}

/**
 * Starts watching: Node's own event-loop delay histogram (the figure the targets name), and a
 * 5 ms ticker that also reads the main thread's CPU time, so a loaded machine (two cores shared
 * with the simulators and other work) can be told apart from a blocking call.
 */
export function watchEventLoopStalls(): EventLoopStalls {
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: TICK_MS });
  histogram.enable();
  let longestCpuStallMs = 0;
  let stalls: NotedStall[] = [];
  const cpuNowMs = cpuClockMs();
  let lastWallNs = process.hrtime.bigint();
  let lastCpuMs = cpuNowMs();
  const ticker = setInterval(() => {
    const wallNs = process.hrtime.bigint();
    const cpuMs = cpuNowMs();
    const lateMs = Number(wallNs - lastWallNs) / 1e6 - TICK_MS;
    longestCpuStallMs = Math.max(longestCpuStallMs, Math.min(lateMs, cpuMs - lastCpuMs));
    if (lateMs > NOTED_STALL_MS) {
      stalls.push({ endedAtMonotonicUs: Number(wallNs / 1000n), lateMs: round1(lateMs), cpuMs: round1(Math.min(lateMs, cpuMs - lastCpuMs)) });
      if (stalls.length > KEPT_STALLS) stalls = stalls.sort((a, b) => b.lateMs - a.lateMs).slice(0, KEPT_STALLS);
    }
    lastWallNs = wallNs;
    lastCpuMs = cpuMs;
  }, TICK_MS);
  ticker.unref();
  return {
    takePhase() {
      const max = histogram.max / 1e6;
      const phase = {
        longestStallMs: round1(Number.isFinite(max) ? max : 0),
        longestCpuStallMs: round1(Math.max(0, longestCpuStallMs)),
        stalls: [...stalls].sort((a, b) => b.lateMs - a.lateMs),
      };
      histogram.reset();
      longestCpuStallMs = 0;
      stalls = [];
      return phase;
    },
    stop() {
      clearInterval(ticker);
      histogram.disable();
    },
  };
}
