import { afterEach, describe, expect, it } from 'vitest';
import { createSiteFleet } from '../support/site-fleet.js';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => cleanup?.());

const WORKLOGS = 2000;
const SITES = 8;
const INTERVAL_SECONDS = 5;
/** The endpoints that return worklog bodies: the feed's `/worklog/list` and the issue-by-issue read. */
const BODY_ENDPOINTS = ['POST /rest/api/3/worklog/list', 'GET /rest/api/3/issue/{issueIdOrKey}/worklog'];

/**
 * The 1,000-site run's finding, in small: sites installing at once queue `full` syncs at backfill
 * priority; the interval's `auto` syncs (higher priority) run first and do each fresh tenant's
 * whole full sync; the `full` still waiting must not read the site again.
 */
describe('full sync of many tenants installing at once', () => {
  it('reads every site’s worklogs exactly once, whatever the interval queues behind the install', { timeout: 120_000 }, async () => {
    const fleet = await createSiteFleet({ sites: SITES, worklogsPerSite: WORKLOGS, intervalSeconds: INTERVAL_SECONDS, seedPrefix: 'site' });
    cleanup = fleet.close;
    const { sims, tally, tenantOf, advance } = fleet;
    // Every site installs at once; the scheduler's first pass declares the interval.
    for (const sim of sims) tally.events.emit('installed', { tenantId: tenantOf.get(sim)!, created: true, reinstalled: false });
    await tally.scheduler.runDue();
    // The interval comes round while most installs' full syncs still wait in the queue, and again
    // until every tenant is synchronised.
    for (let round = 0; round < 20; round++) {
      advance(INTERVAL_SECONDS * 1000);
      expect(await tally.scheduler.runDue()).toContain('sync-incremental');
      await tally.queue.idle();
      const phases = await Promise.all(sims.map(async (sim) => (await (await tally.stores.open(tenantOf.get(sim)!)).getSyncState()).phase));
      if (phases.every((phase) => phase === 'incremental')) break;
    }
    const reads = [];
    for (const sim of sims) {
      const tenantId = tenantOf.get(sim)!;
      const stored = await (await tally.stores.open(tenantId)).countWorklogs();
      expect(stored).toBeGreaterThan(WORKLOGS * 0.9);
      // Each costs one point per call plus one per worklog returned: the worklogs read.
      const counters = sim.limits.counters();
      const worklogsRead = BODY_ENDPOINTS.reduce((sum, endpoint) => sum + (counters[endpoint] ? counters[endpoint].points - counters[endpoint].calls : 0), 0);
      expect(worklogsRead).toBeGreaterThan(0);
      reads.push({ site: sim.site.baseUrl, stored, worklogsRead });
    }
    // Once: about the site's worklogs (a few more: the incremental syncs' overlap). Before the fix
    // the tenants whose `auto` ran first read theirs twice (~3,800 here).
    expect(reads.map(({ site, stored, worklogsRead }) => ({ site, fullReads: Math.round(worklogsRead / stored) }))).toEqual(sims.map((sim) => ({ site: sim.site.baseUrl, fullReads: 1 })));
  });
});
