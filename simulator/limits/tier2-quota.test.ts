import { describe, expect, it } from 'vitest';
import { createSimulator, type SimulatorOptions } from '../create-simulator.js';
import { callAs, registerTestApp } from '../../test/support/sim-callers.js';
import { resolveRateLimitOptions, tier2PointsPerHour } from './rate-limit-options.js';

const START_MS = Date.parse('2026-03-10T10:15:00.000Z');

function simulator(rateLimits: SimulatorOptions['rateLimits']) {
  return createSimulator({ clock: 'manual', startMs: START_MS, generate: { worklogs: 200 }, rateLimits });
}

describe('Tier 2 quota per site (rate-limits-2026.md)', () => {
  it('follows the published formulas per edition and stops at 500,000', () => {
    // The reference's own worked figures: Standard 100,000 + 10 × users, Premium 130,000 + 20 ×,
    // Enterprise 150,000 + 30 ×, capped at 500,000.
    expect(tier2PointsPerHour('standard', 1_000)).toBe(110_000);
    expect(tier2PointsPerHour('premium', 1_000)).toBe(150_000);
    expect(tier2PointsPerHour('enterprise', 10_000)).toBe(450_000);
    expect(tier2PointsPerHour('enterprise', 20_000)).toBe(500_000);
    expect(tier2PointsPerHour('standard', 0)).toBe(100_000);
  });

  it('gives the site its own pool of that size, named as the tenant quota', async () => {
    const sim = simulator({ quota: { pool: 'tenant', tier2: { edition: 'premium', users: 2_500 } } });
    const app = registerTestApp(sim);
    const response = await callAs(sim, app, 'GET', '/rest/api/3/worklog/updated?since=0');
    const page = (await response.json()) as { values: unknown[] };
    expect(response.headers.get('ratelimit-policy')).toBe('"tenant-app-quota";q=180000;w=3600');
    expect(sim.limits.remainingPoints(app.key)).toBe(180_000 - 1 - page.values.length);
  });

  it('refuses settings that cannot be Tier 2, naming the option', () => {
    expect(() => resolveRateLimitOptions({ quota: { tier2: { edition: 'standard', users: 10 } } })).toThrow(/tier2 needs pool "tenant"/);
    expect(() => resolveRateLimitOptions({ quota: { pool: 'tenant', pointsPerHour: 70_000, tier2: { edition: 'standard', users: 10 } } })).toThrow(/tier2 or pointsPerHour/);
    expect(() => resolveRateLimitOptions({ quota: { pool: 'tenant', tier2: { edition: 'free' as never, users: 10 } } })).toThrow(/edition must be one of standard, premium, enterprise/);
    expect(() => resolveRateLimitOptions({ quota: { pool: 'tenant', tier2: { edition: 'standard', users: -1 } } })).toThrow(/users must be a whole number/);
  });
});

describe('flat-cost endpoints (unverified: whether /worklog/updated ids count as objects)', () => {
  it('charges a listed endpoint one point whatever it returns, and the others as before', async () => {
    const sim = simulator({ quota: { flatCostTemplates: ['/worklog/updated'] } });
    const app = registerTestApp(sim);
    const updated = await callAs(sim, app, 'GET', '/rest/api/3/worklog/updated?since=0');
    expect(((await updated.json()) as { values: unknown[] }).values.length).toBeGreaterThan(100);
    expect(sim.limits.remainingPoints(app.key)).toBe(65_000 - 1);
    const ids = [...sim.site.worklogs.keys()].slice(0, 30);
    const list = await callAs(sim, app, 'POST', '/rest/api/3/worklog/list', { ids });
    // Some of a site's worklogs are on issues the app may not see: what it returned is charged.
    const returned = ((await list.json()) as unknown[]).length;
    expect(returned).toBeGreaterThan(20);
    expect(sim.limits.remainingPoints(app.key)).toBe(65_000 - 1 - (1 + returned));
  });

  it('refuses an entry that is not a path', () => {
    expect(() => resolveRateLimitOptions({ quota: { flatCostTemplates: ['worklog/updated'] } })).toThrow(/flatCostTemplates entries are paths/);
  });
});
