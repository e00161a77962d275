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
}

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
  const cpuNowMs = cpuClockMs();
  let lastWallNs = process.hrtime.bigint();
  let lastCpuMs = cpuNowMs();
  const ticker = setInterval(() => {
    const wallNs = process.hrtime.bigint();
    const cpuMs = cpuNowMs();
    const lateMs = Number(wallNs - lastWallNs) / 1e6 - TICK_MS;
    longestCpuStallMs = Math.max(longestCpuStallMs, Math.min(lateMs, cpuMs - lastCpuMs));
    lastWallNs = wallNs;
    lastCpuMs = cpuMs;
  }, TICK_MS);
  ticker.unref();
  return {
    takePhase() {
      const max = histogram.max / 1e6;
      const phase = { longestStallMs: round1(Number.isFinite(max) ? max : 0), longestCpuStallMs: round1(Math.max(0, longestCpuStallMs)) };
      histogram.reset();
      longestCpuStallMs = 0;
      return phase;
    },
    stop() {
      clearInterval(ticker);
      histogram.disable();
    },
  };
}
