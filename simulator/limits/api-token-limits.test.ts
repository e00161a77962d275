import { describe, expect, it } from 'vitest';
import { registerTestApp, appAuthorization } from '../../test/support/sim-callers.js';
import { createSelfHostedTestbed, TESTBED_START_MS } from '../testing/self-hosted-testbed.js';

describe('rate limits on API-token traffic', () => {
  it('keeps API-token calls out of the app points quota', async () => {
    const bed = createSelfHostedTestbed({ rateLimits: { enabled: true } });
    const app = registerTestApp(bed.sim);
    const token = bed.sim.site.createApiToken({ accountId: bed.bob.accountId, kind: 'classic' });
    bed.sim.limits.setRemainingPoints(1000, app.key);

    const byToken = await bed.site('/rest/api/3/myself', bed.basic(bed.bob, token));
    expect(byToken.status).toBe(200);
    expect(byToken.headers.get('RateLimit-Policy')).toBeNull();
    expect(bed.sim.limits.remainingPoints(app.key)).toBe(1000);

    bed.sim.limits.exhaustQuota(app.key);
    const byApp = await bed.site('/rest/api/3/myself', appAuthorization(bed.sim, app, 'GET', '/rest/api/3/myself'));
    expect([byApp.status, byApp.headers.get('RateLimit-Reason')]).toEqual([429, 'jira-quota-global-based']);
    expect((await bed.site('/rest/api/3/myself', bed.basic(bed.bob, token))).status).toBe(200);
  });

  it('still applies burst limits to API-token calls, scoped ones through the gateway included', async () => {
    const bed = createSelfHostedTestbed({ rateLimits: { burst: { overrides: { 'GET /rest/api/3/myself': { ratePerSecond: 1, capacity: 2 } } } } });
    const token = bed.sim.site.createApiToken({ accountId: bed.bob.accountId, kind: 'scoped', scopes: ['read:jira-user'] });
    const auth = bed.basic(bed.bob, token);
    expect((await bed.gateway('/rest/api/3/myself', auth)).status).toBe(200);
    expect((await bed.gateway('/rest/api/3/myself', auth)).status).toBe(200);
    const third = await bed.gateway('/rest/api/3/myself', auth);
    expect([third.status, third.headers.get('RateLimit-Reason')]).toEqual([429, 'jira-burst-based']);
  });

  it('charges an hourly budget per account with apiTokenQuota on, refusing with jira-cost-based until the top of the hour', async () => {
    const bed = createSelfHostedTestbed({ rateLimits: { apiTokenQuota: { enabled: true, pointsPerHour: 3 } } });
    const bobToken = bed.sim.site.createApiToken({ accountId: bed.bob.accountId, kind: 'classic' });
    const aliceToken = bed.sim.site.createApiToken({ accountId: bed.alice.accountId, kind: 'classic' });
    expect((await bed.site('/rest/api/3/myself', bed.basic(bed.bob, bobToken))).status).toBe(200);

    const refused = await bed.site('/rest/api/3/serverInfo', bed.basic(bed.bob, bobToken));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('RateLimit-Reason')).toBe('jira-cost-based');
    expect(refused.headers.get('X-RateLimit-Limit')).toBe('3');
    const topOfHourMs = Date.UTC(2026, 10, 23, 10, 0, 0);
    expect(Number(refused.headers.get('Retry-After'))).toBe((topOfHourMs - TESTBED_START_MS) / 1000);
    expect((await bed.site('/rest/api/3/myself', bed.basic(bed.alice, aliceToken))).status).toBe(200);

    bed.sim.clock.set(topOfHourMs);
    expect((await bed.site('/rest/api/3/serverInfo', bed.basic(bed.bob, bobToken))).status).toBe(200);
  });
});
