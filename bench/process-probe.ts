/** Measurements of the benchmark process itself: descriptors, resident memory, a forced collection. */
import { readdirSync, readlinkSync } from 'node:fs';
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

/** V8's used heap in MB: the objects a full collection has to mark (and what it has not freed yet). */
export function heapUsedMb(): number {
  return Math.round(process.memoryUsage().heapUsed / 2 ** 20);
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

/** This process's descriptors by kind: tenant database files, sockets (HTTP keep-alive), the rest. */
export function classifyOpenFds(tenantsDir: string): { tenantFiles: number; sockets: number; other: number } {
  const counts = { tenantFiles: 0, sockets: 0, other: 0 };
  for (const fd of readdirSync('/proc/self/fd')) {
    let target = '';
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // closed between the listing and the read
    }
    if (target.startsWith(tenantsDir)) counts.tenantFiles++;
    else if (target.startsWith('socket:')) counts.sockets++;
    else counts.other++;
  }
  return counts;
}
