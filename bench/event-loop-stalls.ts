/** Event-loop stalls of the benchmark process, per phase of a run. */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** The longest event-loop stalls seen since the last {@link EventLoopStalls.takePhase}, in ms. */
export interface StallPhase {
  /** `monitorEventLoopDelay`'s maximum: how late a timer ran, for whatever reason. */
  longestStallMs: number;
  /**
   * The longest late tick counted only as far as this process used the CPU meanwhile: a stall
   * of our own making (a long synchronous stretch), without the time the machine's other
   * processes kept this one off the CPU. Includes this process's other threads (GC helpers).
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

/**
 * Starts watching: Node's own event-loop delay histogram (the figure the targets name), and a
 * 5 ms ticker that also reads `process.cpuUsage` so a loaded machine (two cores shared with the
 * simulators and other work) can be told apart from a blocking call.
 */
export function watchEventLoopStalls(): EventLoopStalls {
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: TICK_MS });
  histogram.enable();
  let longestCpuStallMs = 0;
  let lastWallNs = process.hrtime.bigint();
  let lastCpu = process.cpuUsage();
  const ticker = setInterval(() => {
    const wallNs = process.hrtime.bigint();
    const cpu = process.cpuUsage(lastCpu);
    const lateMs = Number(wallNs - lastWallNs) / 1e6 - TICK_MS;
    const cpuMs = (cpu.user + cpu.system) / 1000;
    longestCpuStallMs = Math.max(longestCpuStallMs, Math.min(lateMs, cpuMs));
    lastWallNs = wallNs;
    lastCpu = process.cpuUsage();
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
