/**
 * `npm run bench:fleet [-- --sites N] [-- --worklogs W] [-- --json]`: many sites install Tally at
 * once (the vendor's first day on the Marketplace), each a simulated Jira site of its own, all
 * synchronised by one Tally process with the embedded SQLite stores and a short sync interval —
 * the run where 784 of 1,000 sites were once read twice. Counts, from the simulators' own request
 * counters, how many worklogs were read through `/worklog/list` against how many were stored
 * (1.00 is the minimum: each site's history read once), the points the whole fleet cost, and the
 * CPU time per stored worklog (simulators and Tally share this process and its cores).
 */
import { parseArgs } from 'node:util';
import { printBench } from './bench-output.js';
import { createSiteFleet } from '../test/support/site-fleet.js';

const LIST = 'POST /rest/api/3/worklog/list';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { sites: { type: 'string', default: '100' }, worklogs: { type: 'string', default: '2000' }, interval: { type: 'string', default: '5' }, json: { type: 'boolean' } },
});
const SITES = Number(values.sites);
const WORKLOGS = Number(values.worklogs);
const INTERVAL_SECONDS = Number(values.interval);
if (![SITES, WORKLOGS, INTERVAL_SECONDS].every((n) => Number.isInteger(n) && n > 0)) {
  process.stderr.write('bench:fleet: --sites, --worklogs and --interval take whole numbers above 0\n');
  process.exit(2);
}

/**
 * One fleet: `install` is how Tally now queues a new site's full sync (the request carries its
 * time, so a full sync started after it answers it); `restart` queues it as before the fix (a
 * `full` that always restarts), the same-run baseline of what the double reads cost.
 */
async function runFleet(variant: 'install' | 'restart'): Promise<Record<string, string | number>> {
  const generateStarted = performance.now();
  const { sims, tally, tenantOf, advance, close } = await createSiteFleet({ sites: SITES, worklogsPerSite: WORKLOGS, intervalSeconds: INTERVAL_SECONDS, seedPrefix: 'fleet' });
  // Generating the sites and registering their installations; the sync has not started.
  const generateSeconds = (performance.now() - generateStarted) / 1000;
  try {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    // Every site installs at once; the interval comes round again and again while the queue drains.
    for (const sim of sims) {
      const tenantId = tenantOf.get(sim)!;
      if (variant === 'install') tally.events.emit('installed', { tenantId, created: true, reinstalled: false });
      else tally.queue.enqueue({ kind: 'sync', key: tenantId, priority: 5, payload: { tenantId, mode: 'full' }, dedupe: 'full' });
    }
    await tally.scheduler.runDue();
    let rounds = 0;
    for (; rounds < 100; rounds++) {
      // The interval comes round while the installs' full syncs still wait in the queue (queued
      // synchronously above, not started), and again until every site is synchronised.
      advance(INTERVAL_SECONDS * 1000);
      await tally.scheduler.runDue();
      await tally.queue.idle();
      const phases = await Promise.all(sims.map(async (sim) => (await (await tally.stores.open(tenantOf.get(sim)!)).getSyncState()).phase));
      if (phases.every((phase) => phase === 'incremental')) break;
    }
    await tally.queue.idle();
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);

    let stored = 0;
    let read = 0;
    let points = 0;
    let calls = 0;
    let twice = 0;
    for (const sim of sims) {
      const siteStored = await (await tally.stores.open(tenantOf.get(sim)!)).countWorklogs();
      const counters = sim.limits.counters();
      // `/worklog/list` costs one point per call plus one per worklog returned: the worklogs read.
      const list = counters[LIST];
      const siteRead = list ? list.points - list.calls : 0;
      stored += siteStored;
      read += siteRead;
      if (siteRead > siteStored * 1.5) twice++;
      for (const counter of Object.values(counters)) {
        points += counter.points;
        calls += counter.calls;
      }
    }
    return {
      variant: variant === 'install' ? 'full sync once per request' : 'baseline: full always restarts',
      sites: SITES,
      'worklogs/site': WORKLOGS,
      'interval s': INTERVAL_SECONDS,
      'worklogs stored': stored,
      'worklogs read': read,
      'read/stored': Math.round((read / stored) * 1000) / 1000,
      'sites read twice': twice,
      points,
      'points/stored worklog': Math.round((points / stored) * 100) / 100,
      'API calls': calls,
      'scheduler rounds': rounds + 1,
      'sync s': Math.round(seconds * 10) / 10,
      'CPU µs/worklog': Math.round(((cpu.user + cpu.system) / stored) * 10) / 10,
      'generate s': Math.round(generateSeconds * 10) / 10,
    };
  } finally {
    await close();
  }
}

printBench('bench:fleet — sites installing at once, one Tally process', [await runFleet('install'), await runFleet('restart')], process.argv);
