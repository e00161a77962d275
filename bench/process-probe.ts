/** Measurements of the benchmark process itself: descriptors, resident memory, a forced collection. */
import { readdirSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Open file descriptors of this process, as the kernel lists them (`/proc/self/fd`; Linux). */
export function countOpenFds(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Resident set size of this process in MB (whole process: heap, native, SQLite page caches). */
export function rssMb(): number {
  return Math.round(process.memoryUsage.rss() / 2 ** 20);
}

/**
 * A full garbage collection, so an "idle" RSS figure does not depend on when V8 last collected.
 * `npm run bench:*` runs without `--expose-gc`; V8 lets a running process turn the flag on and
 * hands out `gc` to contexts created afterwards (a benchmark-only device, never used in src/).
 */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}
