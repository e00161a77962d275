// The personal-data reporting (src/privacy/personal-data) tested end to end with the Connect edge's credentials
// against the simulator's API; it lives here because src/privacy/personal-data stays platform-neutral.
import { describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../../simulator/create-simulator.js';
import { GDPR_TEST_ACCOUNTS } from '../../../simulator/gdpr/report-accounts.js';
import { createConnectReportCredentials } from './connect-report-credentials.js';
import { isAppError } from '../../platform/app-error.js';
import type { Fetch } from '../../platform/fetch.js';
import { newTenantId, type Tenant, type TenantId } from '../../tenants/tenant.js';
import type { ConnectCredentials } from './connect-installation-store.js';
import { createReportAccountsClient, parseRetryAfterMs, type ReportAccountsClient } from '../../privacy/personal-data/report-accounts-client.js';

const API = 'https://api.atlassian.com';
const APP_KEY = 'tally-test';
const T0 = Date.UTC(2026, 2, 2, 10, 17, 0);

/** A simulated site with Tally installed as `tenant`, and a client that reports through the simulator. */
function setup(options: { fetch?: (sim: Simulator) => Fetch; product?: Tenant['product']; state?: Tenant['state'] } = {}) {
  const sim = createSimulator({ clock: 'manual', startMs: T0, generate: false });
  const tenantId = newTenantId();
  const secret = 'shared-secret-for-gdpr-tests-0123456789';
  sim.site.registerApp({ key: APP_KEY, clientKey: 'ck-acme', sharedSecret: secret, baseUrl: 'https://tally.test', descriptor: {} });
  const tenant: Tenant = {
    id: tenantId,
    platform: 'connect',
    product: options.product ?? 'jira',
    baseUrl: sim.site.baseUrl,
    state: options.state ?? 'installed',
    enabled: true,
    installedAtMs: T0,
    uninstalledAtMs: undefined,
    updatedAtMs: T0,
  };
  const installations = { findCredentials: async (id: TenantId): Promise<ConnectCredentials | undefined> => (id === tenantId ? { tenant, clientKey: 'ck-acme', sharedSecret: secret } : undefined) };
  const clock = { nowMs: () => sim.clock.now() };
  const credentials = createConnectReportCredentials({ installations, appKey: APP_KEY, clock, apiUrl: API });
  const client: ReportAccountsClient = createReportAccountsClient({ apiUrl: API, credentials, fetch: options.fetch?.(sim) ?? sim.fetch, clock });
  return { sim, tenantId, client, credentials };
}

const account = (accountId: string, oldestUpdatedMs = T0 - 86_400_000) => ({ accountId, oldestUpdatedMs });
const rejects = (code: string, check: (error: { retryAfterMs?: number; message: string }) => boolean = () => true) => (error: unknown) => isAppError(error) && error.code === code && check(error);

describe('report-accounts client', () => {
  it('reports signed for the tenant, with RFC 3339 updatedAt, and returns the closed account and the cycle period', async () => {
    const { sim, tenantId, client } = setup();
    const answer = await client.report(tenantId, [account(GDPR_TEST_ACCOUNTS.active), account(GDPR_TEST_ACCOUNTS.closed, Date.UTC(2025, 11, 24, 8, 30, 1, 7))]);
    expect(answer).toEqual({ actions: [{ accountId: GDPR_TEST_ACCOUNTS.closed, status: 'closed' }], cyclePeriodMs: 7 * 86_400_000 });
    expect(sim.gdpr.reported).toEqual([
      expect.objectContaining({
        clientKey: 'ck-acme',
        accounts: [
          { accountId: GDPR_TEST_ACCOUNTS.active, updatedAt: new Date(T0 - 86_400_000).toISOString() },
          { accountId: GDPR_TEST_ACCOUNTS.closed, updatedAt: '2025-12-24T08:30:01.007Z' },
        ],
      }),
    ]);
  });

  it('returns no action on 204, and reads an ISO-8601 Cycle-Period', async () => {
    const { sim, tenantId, client } = setup();
    sim.gdpr.options.cyclePeriodFormat = 'iso8601';
    sim.gdpr.options.cyclePeriodSeconds = 15 * 86_400;
    expect(await client.report(tenantId, [account(GDPR_TEST_ACCOUNTS.active)])).toEqual({ actions: [], cyclePeriodMs: 15 * 86_400_000 });
  });

  it('passes updated on and ignores answers about accounts it did not report', async () => {
    const fake: Fetch = async () => Response.json({ accounts: [{ accountId: 'a', status: 'updated' }, { accountId: 'not-asked', status: 'closed' }, { accountId: 'a', status: 'weird' }] });
    const { tenantId, client } = setup({ fetch: () => fake });
    expect((await client.report(tenantId, [account('a')])).actions).toEqual([{ accountId: 'a', status: 'updated' }]);
  });

  it('turns 429 and 503 into retryable errors that carry Retry-After', async () => {
    const { sim, tenantId, client } = setup();
    sim.gdpr.failNext({ status: 429, retryAfter: '42' }, { status: 503, retryAfter: new Date(T0 + 9_000).toUTCString() }, { status: 500 });
    await expect(client.report(tenantId, [account('a')])).rejects.toSatisfy(rejects('GDPR_RATE_LIMITED', (error) => error.retryAfterMs === 42_000));
    await expect(client.report(tenantId, [account('a')])).rejects.toSatisfy(rejects('GDPR_API_UNAVAILABLE', (error) => error.retryAfterMs === 9_000));
    await expect(client.report(tenantId, [account('a')])).rejects.toSatisfy(rejects('GDPR_API_UNAVAILABLE', (error) => error.retryAfterMs === undefined && error.message.includes('INTERNAL_SERVER_ERROR')));
  });

  it('refuses, without retrying, what the API rejects, and never repeats account ids in the message', async () => {
    const echo: Fetch = async () => Response.json({ errorType: 'BAD_REQUEST', errorMessage: 'accountId secret-person-1 is invalid' }, { status: 400 });
    const { tenantId, client } = setup({ fetch: () => echo });
    await expect(client.report(tenantId, [account('secret-person-1')])).rejects.toSatisfy(
      rejects('GDPR_REPORT_REJECTED', (error) => error.message.includes('400 (BAD_REQUEST)') && !error.message.includes('secret-person-1')),
    );
  });

  it('is refused by the API when signed with another secret', async () => {
    const { sim, tenantId, client } = setup();
    sim.site.registerApp({ key: APP_KEY, clientKey: 'ck-acme', sharedSecret: 'rotated-secret-0123456789abcdef', baseUrl: 'https://tally.test', descriptor: {} });
    await expect(client.report(tenantId, [account('a')])).rejects.toSatisfy(rejects('GDPR_REPORT_REJECTED', (error) => error.message.includes('401')));
  });

  it.each([
    ['an uninstalled tenant', { state: 'uninstalled' as const }],
    ['a Bitbucket tenant', { product: 'bitbucket' as const }],
  ])('has no credentials for %s and sends nothing', async (_name, options) => {
    const { sim, tenantId, client } = setup(options);
    await expect(client.report(tenantId, [account('a')])).rejects.toSatisfy(rejects('GDPR_REPORT_REJECTED'));
    expect(sim.gdpr.reported).toEqual([]);
  });

  it('wraps a network failure and an unusable 200 body as unavailable', async () => {
    const down = setup({ fetch: () => async () => Promise.reject(new TypeError('fetch failed')) });
    await expect(down.client.report(down.tenantId, [account('a')])).rejects.toSatisfy(rejects('GDPR_API_UNAVAILABLE'));
    const garbled = setup({ fetch: () => async () => new Response('{"accounts": "closed"}', { status: 200 }) });
    await expect(garbled.client.report(garbled.tenantId, [account('a')])).rejects.toSatisfy(rejects('GDPR_API_UNAVAILABLE'));
  });

  it('refuses an empty report and one over 90 accounts without calling the API', async () => {
    const { sim, tenantId, client } = setup();
    await expect(client.report(tenantId, [])).rejects.toSatisfy(rejects('INTERNAL'));
    await expect(client.report(tenantId, Array.from({ length: 91 }, (_, i) => account(`a${i}`)))).rejects.toSatisfy(rejects('INTERNAL'));
    expect(sim.gdpr.reported).toEqual([]);
  });

  it('signs only for URLs under the reporting API', async () => {
    const { tenantId, credentials } = setup();
    await expect(credentials.authorize(tenantId, { method: 'POST', url: 'https://evil.example/app/report-accounts/' })).rejects.toSatisfy(rejects('INTERNAL'));
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfterMs('30', T0)).toBe(30_000);
    expect(parseRetryAfterMs(new Date(T0 + 5_000).toUTCString(), T0)).toBe(5_000);
    expect(parseRetryAfterMs(new Date(T0 - 5_000).toUTCString(), T0)).toBe(0);
    expect(parseRetryAfterMs('soon', T0)).toBeUndefined();
    expect(parseRetryAfterMs(null, T0)).toBeUndefined();
  });
});
