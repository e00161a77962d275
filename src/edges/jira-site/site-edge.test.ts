import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createSelfHostedTestbed, type SelfHostedTestbed } from '../../../simulator/testing/self-hosted-testbed.js';
import { signHubSignature } from '../../../simulator/admin-webhooks/hub-signature.js';
import type { SimulatorOptions } from '../../../simulator/create-simulator.js';
import type { SimUser } from '../../../simulator/jira/jira-site.js';
import { composeTally, type Runtime, type Tally } from '../../compose.js';
import { loadConfig } from '../../config/load-config.js';
import { isAppError } from '../../platform/app-error.js';
import { createLogger } from '../../platform/logger.js';
import type { TenantEventMap } from '../../tenants/tenant-events.js';
import { SITE_WEBHOOK_PATH } from './site-webhook-routes.js';
import { TOKEN_REJECTED_MESSAGE } from './token-watch.js';

const SECRET = 'an admin webhook secret of 32 chars';

/** Tally with only the site edge on, in-process against the self-hosted testbed's site. */
async function siteTally(bed: SelfHostedTestbed, token: string, user: SimUser, env: Record<string, string> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-site-'));
  const logLines: string[] = [];
  const config = loadConfig({
    TALLY_DATA_DIR: dataDir,
    TALLY_JIRA_SITE: bed.sim.site.baseUrl,
    TALLY_JIRA_EMAIL: user.emailAddress ?? '',
    TALLY_JIRA_API_TOKEN: token,
    TALLY_LOG_LEVEL: 'debug',
    TALLY_PARSE_THREADS: '0',
    ...env,
  });
  const runtime: Runtime = {
    clock: { nowMs: () => bed.sim.clock.now() },
    fetch: bed.sim.fetch,
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      bed.sim.clock.advance(ms);
    },
    logger: createLogger({ level: 'debug', destination: new Writable({ write: (chunk, _encoding, done) => (logLines.push(String(chunk)), done()) }) }),
  };
  const tallies: Tally[] = [];
  const compose = async (apiToken = token) => {
    const tally = await composeTally({ ...config, jiraSite: { ...config.jiraSite!, apiToken } }, runtime);
    tallies.push(tally);
    return tally;
  };
  return {
    config,
    logLines,
    compose,
    close: async () => {
      for (const tally of tallies) await tally.close().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A started Tally whose first sync has run. */
async function started(tally: Tally) {
  const webhooks: TenantEventMap['worklogWebhook'][] = [];
  tally.events.on('worklogWebhook', (hint) => webhooks.push(hint));
  await tally.startEdges();
  tally.sync.start();
  await tally.queue.idle();
  const [tenant] = await tally.registry.listInstalled();
  return { tenant: tenant!, webhooks };
}

function bedWithWork(options: Partial<SimulatorOptions> = {}) {
  const bed = createSelfHostedTestbed(options);
  const ids = [bed.logWork(bed.alice), bed.logWork(bed.bob), bed.logWork(bed.bob, 'payroll')];
  // `/worklog/updated` hides the last minute (jira-connect-protocol.md §1.1).
  bed.sim.clock.advance(120_000);
  return { bed, ids };
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('the site edge', () => {
  it('registers the site with a classic token and syncs what its account sees', async () => {
    const { bed, ids } = bedWithWork();
    const token = bed.sim.site.createApiToken({ accountId: bed.bob.accountId, kind: 'classic' });
    const site = await siteTally(bed, token, bed.bob);
    cleanup = site.close;
    const tally = await site.compose();
    const { tenant } = await started(tally);
    expect(tenant).toMatchObject({ platform: 'site', baseUrl: bed.sim.site.baseUrl, state: 'installed' });
    const store = await tally.stores.open(tenant.id);
    // Bob is not in `payroll`: the restricted worklog stays hidden from his token.
    expect((await store.getWorklogsByIds(ids)).map((row) => row.clientWorklogId).sort()).toEqual(ids.slice(0, 2).sort());
    expect(await tally.edges[0]!.tenantStatus!(tenant.id)).toEqual({ state: 'ok' });
    expect(site.logLines.join('')).not.toContain(token);
    // Admin webhooks keep no failed-delivery list for a token: the sync never asks for one.
    expect(bed.sim.limits.counters()['GET /rest/api/3/webhook/failed']).toBeUndefined();
  });

  it('finds the gateway for a scoped token and keeps the same tenant across restarts', async () => {
    const { bed } = bedWithWork();
    const token = bed.sim.site.createApiToken({ accountId: bed.alice.accountId, kind: 'scoped', scopes: ['read:jira-work', 'read:jira-user'] });
    const site = await siteTally(bed, token, bed.alice);
    cleanup = site.close;
    const first = await site.compose();
    const { tenant } = await started(first);
    expect(await (await first.stores.open(tenant.id)).countWorklogs()).toBe(3);
    const row = await first.control.db.selectFrom('jira_site_installations' as never).selectAll().executeTakeFirst();
    expect(row).toMatchObject({ tenant_id: tenant.id, cloud_id: bed.sim.cloudId, api_base_url: `https://api.atlassian.com/ex/jira/${bed.sim.cloudId}` });
    await first.close();
    const again = await started(await site.compose());
    expect(again.tenant.id).toBe(tenant.id);
  });

  it.each(['site', 'gateway'] as const)('pages through the gateway on its own base when nextPage names the %s host', async (host) => {
    const bed = createSelfHostedTestbed({ behaviour: { gatewayNextPageHost: host } });
    for (let i = 0; i < 1050; i++) bed.logWork(i % 2 === 0 ? bed.alice : bed.bob);
    bed.sim.clock.advance(120_000);
    const token = bed.sim.site.createApiToken({ accountId: bed.alice.accountId, kind: 'scoped', scopes: ['read:jira-work', 'read:jira-user'] });
    const site = await siteTally(bed, token, bed.alice);
    cleanup = site.close;
    const tally = await site.compose();
    const { tenant } = await started(tally);
    // More than one 1000-worklog page: the second came from a rebuilt (or own-base) URL, with the token.
    expect(await (await tally.stores.open(tenant.id)).countWorklogs()).toBe(1050);
  });

  it('stops start-up naming the scopes a scoped token lacks', async () => {
    const { bed } = bedWithWork();
    const token = bed.sim.site.createApiToken({ accountId: bed.alice.accountId, kind: 'scoped', scopes: ['read:jira-work'] });
    const site = await siteTally(bed, token, bed.alice);
    cleanup = site.close;
    const error = await (await site.compose()).startEdges().catch((caught: unknown) => caught);
    expect(isAppError(error, 'SITE_TOKEN_INSUFFICIENT') && error.expose).toBe(true);
    expect((error as Error).message).toContain('read:jira-user');
    expect((error as Error).message).not.toContain('read:jira-work,');
    const none = bed.sim.site.createApiToken({ accountId: bed.alice.accountId, kind: 'scoped', scopes: ['write:jira-work'] });
    const error2 = await (await site.compose(none)).startEdges().catch((caught: unknown) => caught);
    expect((error2 as Error).message).toMatch(/scopes read:jira-user, read:jira-work/);
  });

  it('stops start-up when Jira rejects the token, without echoing it', async () => {
    const { bed } = bedWithWork();
    const token = bed.sim.site.createApiToken({ accountId: bed.alice.accountId, kind: 'classic' });
    bed.sim.site.revokeApiToken(token);
    const site = await siteTally(bed, token, bed.alice);
    cleanup = site.close;
    const error = await (await site.compose()).startEdges().catch((caught: unknown) => caught);
    expect(isAppError(error, 'SITE_TOKEN_REJECTED') && error.expose).toBe(true);
    expect((error as Error).message).toMatch(/revoked or expired/);
    expect((error as Error).message).not.toContain(token);
  });

  it('stops start-up when the token\'s account may browse no project', async () => {
    const { bed } = bedWithWork();
    bed.sim.site.projects.get('10000')!.browsers = [bed.alice.accountId];
    const token = bed.sim.site.createApiToken({ accountId: bed.bob.accountId, kind: 'classic' });
    const site = await siteTally(bed, token, bed.bob);
    cleanup = site.close;
    const error = await (await site.compose()).startEdges().catch((caught: unknown) => caught);
    expect(isAppError(error, 'SITE_TOKEN_INSUFFICIENT')).toBe(true);
    expect((error as Error).message).toContain('Browse projects');
  });

  it('pauses the site when Jira rejects the token mid-run, loses nothing, and resumes after a restart with a new one', async () => {
    const { bed } = bedWithWork();
    const token = bed.sim.site.createApiToken({ accountId: bed.alice.accountId, kind: 'classic' });
    const site = await siteTally(bed, token, bed.alice);
    cleanup = site.close;
    const tally = await site.compose();
    const { tenant } = await started(tally);
    const store = await tally.stores.open(tenant.id);
    const before = await store.getSyncState();
    bed.sim.site.revokeApiToken(token);
    const missed = bed.logWork(bed.alice);
    bed.sim.clock.advance(120_000);
    tally.sync.requestSync(tenant.id, 'auto');
    await tally.queue.idle();
    await tally.edges[0]!.close!();
    expect(await tally.edges[0]!.tenantStatus!(tenant.id)).toEqual({ state: 'paused', reason: 'token_rejected', message: TOKEN_REJECTED_MESSAGE });
    expect(await tally.listPausedTenants()).toEqual([{ tenantId: tenant.id, edge: 'jira-site', reason: 'token_rejected', message: TOKEN_REJECTED_MESSAGE }]);
    expect(await tally.credentials.forTenant(tenant.id)).toBeUndefined();
    expect(await store.getSyncState()).toEqual(before);
    expect(await store.countWorklogs()).toBe(3);
    await tally.close();

    const fresh = bed.sim.site.createApiToken({ accountId: bed.alice.accountId, kind: 'classic' });
    const resumed = await site.compose(fresh);
    await started(resumed);
    expect(await resumed.edges[0]!.tenantStatus!(tenant.id)).toEqual({ state: 'ok' });
    expect(await (await resumed.stores.open(tenant.id)).getWorklogsByIds([missed])).toHaveLength(1);
    expect(site.logLines.join('')).not.toContain(fresh);
  });

  it('does not pause for a 401 that is a missing scope of one operation', async () => {
    const { bed } = bedWithWork();
    // No manage:jira-webhook: `GET /webhook/failed` (the sync's replay) answers 401 "scope does not match".
    const token = bed.sim.site.createApiToken({ accountId: bed.alice.accountId, kind: 'scoped', scopes: ['read:jira-work', 'read:jira-user'] });
    const site = await siteTally(bed, token, bed.alice);
    cleanup = site.close;
    const tally = await site.compose();
    const { tenant } = await started(tally);
    const access = await tally.credentials.forTenant(tenant.id);
    access!.onRejected!({ status: 401, endpoint: 'GET /rest/api/3/webhook/failed' });
    await tally.edges[0]!.close!();
    expect(await tally.edges[0]!.tenantStatus!(tenant.id)).toEqual({ state: 'ok' });
    expect(await tally.credentials.forTenant(tenant.id)).toBe(access);
  });

  it('never sends the token outside the base it works on', async () => {
    const { bed } = bedWithWork();
    const token = bed.sim.site.createApiToken({ accountId: bed.alice.accountId, kind: 'classic' });
    const site = await siteTally(bed, token, bed.alice);
    cleanup = site.close;
    const tally = await site.compose();
    const { tenant } = await started(tally);
    const access = (await tally.credentials.forTenant(tenant.id))!;
    await expect(access.authorize({ method: 'GET', url: `${bed.sim.site.baseUrl}/rest/api/3/myself` })).resolves.toMatch(/^Basic /);
    for (const url of ['https://evil.example/rest/api/3/myself', `https://user@${new URL(bed.sim.site.baseUrl).host}/rest/api/3/myself`, 'not a url']) {
      await expect(access.authorize({ method: 'GET', url })).rejects.toMatchObject({ code: 'JIRA_AUTH_FAILED' });
    }
  });

  describe('admin webhooks', () => {
    async function webhookTally(env: Record<string, string>) {
      const { bed, ids } = bedWithWork();
      const token = bed.sim.site.createApiToken({ accountId: bed.alice.accountId, kind: 'classic' });
      const site = await siteTally(bed, token, bed.alice, env);
      cleanup = site.close;
      const tally = await site.compose();
      const { tenant, webhooks } = await started(tally);
      const body = JSON.stringify({ timestamp: bed.sim.clock.now(), webhookEvent: 'worklog_updated', worklog: { id: String(ids[0]), issueId: bed.issue.id } });
      const post = (headers: Record<string, string>) => tally.app.request(SITE_WEBHOOK_PATH, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-atlassian-webhook-identifier': 'delivery-1', ...headers } });
      return { tenant, webhooks, body, post };
    }

    it('hands a signed delivery to the sync', async () => {
      const { tenant, webhooks, body, post } = await webhookTally({ TALLY_JIRA_WEBHOOK_SECRET: SECRET });
      const response = await post({ 'x-hub-signature': signHubSignature(SECRET, body) });
      expect(response.status).toBe(202);
      expect(webhooks).toEqual([expect.objectContaining({ tenantId: tenant.id, event: 'worklog_updated', deliveryId: 'delivery-1' })]);
    });

    it('refuses unsigned, wrongly signed and sha1-signed deliveries with 401', async () => {
      const { webhooks, body, post } = await webhookTally({ TALLY_JIRA_WEBHOOK_SECRET: SECRET });
      const unsigned = await post({});
      expect(unsigned.status).toBe(401);
      expect(await unsigned.json()).toMatchObject({ error: { code: 'AUTH_MISSING' } });
      for (const signature of [signHubSignature('another secret of 32 characters!', body), signHubSignature(SECRET, `${body} `), 'sha1=0123456789abcdef0123456789abcdef01234567']) {
        const response = await post({ 'x-hub-signature': signature });
        expect(response.status).toBe(401);
        expect(await response.json()).toMatchObject({ error: { code: 'AUTH_INVALID' } });
      }
      expect(webhooks).toEqual([]);
    });

    it('refuses every delivery when no secret is configured', async () => {
      const { webhooks, body, post } = await webhookTally({});
      const response = await post({ 'x-hub-signature': signHubSignature(SECRET, body) });
      expect(response.status).toBe(401);
      expect(webhooks).toEqual([]);
    });
  });
});
