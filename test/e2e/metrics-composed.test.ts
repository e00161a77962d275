import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTallyTestbed, type TallyTestbed } from '../support/tally-testbed.js';

/*
 * `/metrics` as the composition root wires it (issue 14): behind TALLY_METRICS_TOKEN, fed by the
 * real sync, queue, Jira coordinator and report service of a composed Tally.
 */
const TOKEN = 'metrics-token-for-tests-0123456789';

describe('/metrics on a composed Tally', () => {
  let bed: TallyTestbed;
  beforeAll(async () => {
    bed = await createTallyTestbed({ env: { TALLY_METRICS_TOKEN: TOKEN }, simulator: { generate: { worklogs: 1500, seed: 'metrics-composed' } } });
    bed.tally.sync.start();
    const installed = await bed.sim.connect.install(bed.descriptorUrl);
    if (!installed.ok) throw new Error(`install failed: ${installed.status}`);
    await bed.tally.queue.idle();
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('refuses a scrape without the token, and counts the real sync with it', async () => {
    expect((await bed.app.request('/metrics')).status).toBe(401);
    expect((await bed.app.request('/metrics', { headers: { authorization: 'Bearer not-the-token-at-all' } })).status).toBe(401);
    const response = await bed.app.request('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(200);
    const text = await response.text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    // Pages the sync fetched equal the feed requests the simulator answered (the independent count).
    const counters = bed.sim.limits.counters();
    const served = (endpoint: string) => (counters[endpoint]?.calls ?? 0) - (counters[endpoint]?.throttled ?? 0);
    expect(value('tally_sync_pages_total')).toBeGreaterThan(0);
    expect(value('tally_sync_pages_total')).toBe(served('GET /rest/api/3/worklog/updated') + served('GET /rest/api/3/worklog/deleted'));
    expect(value('tally_tenants_installed')).toBe(1);
    expect(text).toMatch(/^tally_ready 1$/m);
    expect(text).toMatch(/^tally_jira_points_per_hour \d+$/m);
  });

  it('is not mounted without a token', async () => {
    const plain = await createTallyTestbed();
    try {
      expect((await plain.app.request('/metrics')).status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
