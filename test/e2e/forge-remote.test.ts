import { sql, type Kysely } from 'kysely';
import type { ForgeTenant } from '../../src/edges/jira-forge/forge-installation-store.js';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { textToAdf } from '../../simulator/jira/adf.js';
import { ariOfApp, ariOfSite } from '../../simulator/forge/forge-ids.js';
import type { SyncOutcome } from '../../src/sync/sync-tenant.js';
import { groupTree, type SummaryWire } from '../../src/reporting/summary-wire.js';
import type { Tenant, TenantId } from '../../src/tenants/tenant.js';
import { createTestPostgresDatabase, postgresAvailable, type TestPostgresDatabase } from '../support/postgres.js';
import { dropPlacedTenantDatabases } from '../support/postgres-tenant-databases.js';
import { createTallyTestbed, type TallyTestbed, type TallyTestbedOptions } from '../support/tally-testbed.js';
import { filesHolding, filesUnder } from '../support/canary-scan.js';

/*
 * Tally as a Forge Remote, end to end against the simulator's Forge side (issue 7, "Done when"):
 * every request Tally receives is what the simulated platform sends (FIT, system token, bodies,
 * retries), and every Jira call goes through `api.atlassian.com/ex/jira/{cloudId}` with a bearer
 * token the simulator checks.
 */

const beds: TallyTestbed[] = [];
const databases: TestPostgresDatabase[] = [];
afterEach(async () => {
  await Promise.all(beds.splice(0).map((bed) => bed.close()));
  // Tenant databases a test left (one that failed before its uninstall) go before the control database.
  for (const database of databases.splice(0)) {
    await dropPlacedTenantDatabases(database.url);
    await database.drop();
  }
});

async function forgeBed(options: TallyTestbedOptions = {}): Promise<TallyTestbed> {
  const bed = await createTallyTestbed({ simulator: { generate: { worklogs: 300, seed: 7 }, ...options.simulator }, ...options });
  beds.push(bed);
  bed.tally.sync.start();
  return bed;
}

/** Installs the Forge app on the simulated site and waits for Tally's work; returns the tenant. */
async function install(bed: TallyTestbed): Promise<ForgeTenant> {
  const result = await bed.sim.forge.install();
  expect(result).toMatchObject({ ok: true, status: 204 });
  await bed.tally.queue.idle();
  const tenant = await bed.forge.findByInstallationId(bed.sim.forge.installationId!);
  if (!tenant) throw new Error('the install registered no tenant');
  return tenant;
}

/** Moves the site clock and delivers one scheduled tick; waits for the sync it queued. */
async function tickAfter(bed: TallyTestbed, ms: number): Promise<void> {
  bed.sim.clock.advance(ms);
  expect(await bed.sim.forge.tick()).toMatchObject({ ok: true, status: 204 });
  await bed.tally.queue.idle();
}

/** The worklogs the Forge app user may see: what a complete sync holds. */
function visibleToApp(bed: TallyTestbed) {
  const { site } = bed.sim;
  const appUser = site.users.get(bed.sim.forge.appUserAccountId)!;
  return [...site.worklogs.values()].filter((worklog) => site.canSeeWorklog(worklog, appUser));
}

async function storedCount(bed: TallyTestbed, tenantId: TenantId): Promise<number> {
  return (await bed.tally.stores.open(tenantId)).countWorklogs();
}

function newWorklog(bed: TallyTestbed, comment = 'forge e2e') {
  const issue = [...bed.sim.site.issues.values()][0]!;
  return bed.sim.site.createWorklog({ issueId: issue.id, authorId: bed.sim.generated!.users[0]!.accountId, comment: textToAdf(comment), startedMs: Date.UTC(2026, 9, 1, 9), timeSpentSeconds: 1800 });
}


/** A Forge tenant, fully synced and backed up, whose site holds a worklog commented with a canary. */
async function syncedTenantWithCanary(options: TallyTestbedOptions = {}): Promise<{ bed: TallyTestbed; tenant: Tenant; canary: string; systemToken: string }> {
  const bed = await forgeBed(options);
  const canary = `canary-${randomBytes(12).toString('hex')}`;
  newWorklog(bed, `billing note ${canary}`);
  bed.sim.clock.advance(61_000);
  const tenant = await install(bed);
  await bed.tally.backups.create(tenant.id);
  // The scan can fail: the canary is in the tenant's database and in its backup. (On the
  // PostgreSQL store the database is the server's and the dump is compressed: checked there instead.)
  if (bed.config.tenantStore === 'sqlite') expect(filesHolding(bed, canary).length).toBeGreaterThan(1);
  return { bed, tenant, canary, systemToken: bed.sim.forge.systemToken() };
}

async function expectPurged(bed: TallyTestbed, tenantId: TenantId, canary: string, systemToken: string): Promise<void> {
  expect(filesHolding(bed, canary)).toEqual([]);
  expect(existsSync(join(bed.config.backupDir, tenantId))).toBe(false);
  expect(await bed.registry.findTenant(tenantId)).toMatchObject({ state: 'uninstalled', purgeStep: 'done' });
  expect(await (bed.control.db as Kysely<any>).selectFrom('jira_forge_system_tokens').selectAll().execute()).toEqual([]);
  expect(bed.tally.queue.snapshot()).toEqual({ running: [], queued: [] });
  const events = (await bed.audit.listAudit({ tenantId, limit: 1000 })).map((entry) => entry.event);
  expect(events.filter((event) => event === 'tenant.purged')).toHaveLength(1);
  const everything = JSON.stringify(await bed.audit.listAudit({ limit: 1000 }));
  expect(everything).not.toContain(canary);
  // The system token Tally held is in no audit entry and no log line.
  expect(everything).not.toContain(systemToken);
  expect(bed.logLines.join('')).not.toContain(systemToken.split('.')[2]);
}

describe('Forge Remote: lifecycle and sync', () => {
  it('registers the site on install and runs the full sync through the API gateway', async () => {
    const bed = await forgeBed();
    const tenant = await install(bed);
    expect(tenant).toMatchObject({
      platform: 'forge',
      state: 'installed',
      baseUrl: bed.sim.site.baseUrl,
      forge: { cloudId: bed.sim.forge.cloudId, apiBaseUrl: bed.sim.forge.apiBaseUrl },
    });
    expect(await storedCount(bed, tenant.id)).toBe(visibleToApp(bed).length);
    const audit = await bed.audit.listAudit({ tenantId: tenant.id });
    expect(audit[0]).toMatchObject({ event: 'tenant.installed', detail: { product: 'jira', baseUrl: bed.sim.site.baseUrl, reason: 'forge_installed' } });
    expect(bed.events.filter((event) => event.type === 'installed')).toEqual([{ type: 'installed', payload: { tenantId: tenant.id, created: true, reinstalled: false } }]);
  });

  it('keeps the tenant in sync from ticks, with tokens rotating past the first one\'s expiry', async () => {
    const outcomes: SyncOutcome[] = [];
    const bearers = new Set<string>();
    const bed = await forgeBed({
      hooks: { onSyncOutcome: (_tenantId, outcome) => outcomes.push(outcome) },
      wrapFetch: (fetch) => async (input, init) => {
        const request = new Request(input, init);
        if (request.url.includes('/ex/jira/')) bearers.add(request.headers.get('authorization') ?? '');
        return fetch(request);
      },
    });
    const tenant = await install(bed);
    // The Forge edge keeps the token sealed in its own table; its expiry is stored beside it.
    const firstToken = { expiresAtMs: (await (bed.tally.control.db as Kysely<any>).selectFrom('jira_forge_system_tokens').select('expires_at_ms').where('tenant_id', '=', tenant.id).executeTakeFirstOrThrow()).expires_at_ms };
    // Over five hours, one tick every 30 minutes: the first 4-hour token expires on the way.
    for (let step = 0; step < 10; step++) {
      newWorklog(bed, `step ${step}`);
      const runs = outcomes.length;
      await tickAfter(bed, 30 * 60_000);
      expect(outcomes.slice(runs)).toEqual([expect.objectContaining({ status: 'synced', phase: 'incremental' })]);
      expect(await storedCount(bed, tenant.id), `after tick ${step}`).toBe(visibleToApp(bed).length);
    }
    expect(bed.sim.clock.now()).toBeGreaterThan(firstToken.expiresAtMs);
    expect(bearers.size).toBeGreaterThanOrEqual(3);
    expect(bearers).toContain(`Bearer ${bed.sim.forge.systemToken()}`);
    const logs = bed.logLines.join('');
    for (const bearer of bearers) expect(logs).not.toContain(bearer.split('.')[2]);
    expect((await bed.forge.findByTenant(tenant.id))?.forge.lastTickAtMs).toBe(bed.sim.clock.now());
  });

  it('applies worklog events at once, without waiting for a sync', async () => {
    const bed = await forgeBed();
    const tenant = await install(bed);
    const store = await bed.tally.stores.open(tenant.id);
    const created = newWorklog(bed, 'logged just now');
    await bed.sim.forge.idle();
    await bed.tally.queue.idle();
    expect((await store.getWorklogsByIds([created.id])).map((row) => row.timeSpentSeconds)).toEqual([1800]);
    const hint = bed.events.find((event) => event.type === 'worklogWebhook');
    expect(hint?.payload).toMatchObject({ tenantId: tenant.id, event: 'worklog_created', worklogId: String(created.id), deliveryId: expect.stringMatching(/^forge:ari:cloud:ecosystem::installation\//) });

    bed.sim.site.deleteWorklog(created.id);
    await bed.sim.forge.idle();
    await bed.tally.queue.idle();
    expect(await store.getWorklogsByIds([created.id])).toEqual([]);
  });

  it('registers a site whose permissions arrive late, and catches up from the next ticks', async () => {
    const bed = await forgeBed({ simulator: { forge: { permissionLagMs: 8 * 60_000 } } });
    const tenant = await install(bed);
    // serverInfo refused: the API base URL stands in for the site URL; nothing synced yet.
    expect(tenant.baseUrl).toBe(bed.sim.forge.apiBaseUrl);
    expect(tenant.state).toBe('installed');
    await tickAfter(bed, 10 * 60_000);
    await bed.tally.queue.idle();
    expect((await bed.registry.findTenant(tenant.id))?.baseUrl).toBe(bed.sim.site.baseUrl);
    expect(await storedCount(bed, tenant.id)).toBe(visibleToApp(bed).length);
  });

  it('answers a Custom UI report call authenticated by its invocation token', async () => {
    const bed = await forgeBed();
    const tenant = await install(bed);
    const admin = [...bed.sim.site.users.values()].find((user) => user.siteAdmin && user.accountType === 'atlassian')!;
    const session = await bed.sim.forge.invokeRemote({ accountId: admin.accountId, path: '/api/session', method: 'GET' });
    expect(session).toMatchObject({ status: 200, body: { tenantId: tenant.id, siteUrl: bed.sim.site.baseUrl, accountId: admin.accountId } });
    // Forge hands Tally the user's own token: the page may filter by JQL, run as them.
    expect(session).toMatchObject({ body: { jqlFilter: true } });

    const response = await bed.sim.forge.invokeRemote({ accountId: admin.accountId, path: '/api/reports/summary', method: 'POST', body: { from: '2017-01-01', to: '2026-12-31', timeZone: 'UTC', groupBy: ['user'] } });
    expect(response.status).toBe(200);
    const wire = response.body as SummaryWire;
    const visible = visibleToApp(bed);
    expect(wire.total).toEqual({ seconds: visible.reduce((sum, worklog) => sum + worklog.timeSpentSeconds, 0), worklogs: visible.length });
    const byUser = new Map<string, number>();
    for (const worklog of visible) byUser.set(worklog.authorId, (byUser.get(worklog.authorId) ?? 0) + worklog.timeSpentSeconds);
    expect(new Map(groupTree(wire.groups).map((group) => [group.key, group.seconds]))).toEqual(byUser);
    // No Connect session token for a Forge caller.
    expect(response.headers['x-tally-token']).toBeUndefined();

    // An export crosses invokeRemote as a base64 envelope of the same file (Forge passes JSON only).
    const exported = await bed.sim.forge.invokeRemote({ accountId: admin.accountId, path: '/api/reports/export', method: 'POST', body: { from: '2017-01-01', to: '2026-12-31', timeZone: 'UTC', groupBy: ['user'], kind: 'summary', format: 'csv' } });
    expect(exported.status).toBe(200);
    const envelope = (exported.body as { tallyEncodedBody: { encoding: string; contentType: string; contentDisposition: string; data: string } }).tallyEncodedBody;
    expect(envelope).toMatchObject({ encoding: 'base64', contentType: expect.stringMatching(/^text\/csv/) as unknown, contentDisposition: expect.stringContaining('tally-summary-2017-01-01_2026-12-31.csv') as unknown });
    const csv = Buffer.from(envelope.data, 'base64').toString('utf8');
    expect(csv.trim().split('\r\n').length).toBe(byUser.size + 2);
  });

  it('re-keys a reinstalled site to its new installation id and syncs it afresh', async () => {
    const bed = await forgeBed();
    const first = await install(bed);
    await bed.sim.forge.uninstall({ preUninstall: false });
    const again = await install(bed);
    expect(again).toMatchObject({ id: first.id, installationId: bed.sim.forge.installationId, state: 'installed' });
    expect(again.installationId).not.toBe(first.installationId);
    expect(await storedCount(bed, again.id)).toBe(visibleToApp(bed).length);
    expect((await bed.audit.listAudit({ tenantId: first.id })).map((entry) => entry.event)).toContain('tenant.rekeyed');
  });
});

describe('Forge Remote: uninstall', () => {
  it('purges the tenant on preUninstall: no byte of a synced comment is left', async () => {
    const { bed, tenant, canary, systemToken } = await syncedTenantWithCanary();
    const result = await bed.sim.forge.uninstall();
    expect(result).toMatchObject({ ok: true });
    await bed.tally.queue.idle();
    await expectPurged(bed, tenant.id, canary, systemToken);
    expect((await bed.audit.listAudit({ tenantId: tenant.id })).find((entry) => entry.event === 'tenant.uninstalled')?.detail).toEqual({ reason: 'forge_pre_uninstall' });
  });

  it.skipIf(!postgresAvailable())('leaves neither comment nor token in a PostgreSQL control database after preUninstall', async () => {
    const database = await createTestPostgresDatabase();
    databases.push(database);
    const { bed, tenant, canary, systemToken } = await syncedTenantWithCanary({ env: { DATABASE_URL: database.url } });
    // The site's data lives in a PostgreSQL database of its own, with its dump in the backup directory.
    const siteDatabases = () => sql<{ datname: string }>`SELECT datname FROM pg_database WHERE datname = ${`tally_${tenant.id}`}`.execute(bed.control.db);
    expect((await siteDatabases()).rows).toHaveLength(1);
    expect(filesUnder(join(bed.config.backupDir, tenant.id)).filter((file) => file.endsWith('.dump'))).toHaveLength(1);
    await bed.sim.forge.uninstall();
    await bed.tally.queue.idle();
    await expectPurged(bed, tenant.id, canary, systemToken);
    expect((await siteDatabases()).rows).toEqual([]);
    for (const table of await bed.control.db.introspection.getTables()) {
      // Schema-qualified: pg-boss's job tables (schema `pgboss`) are searched too.
      const rows = JSON.stringify(await bed.control.db.selectFrom(`${table.schema}.${table.name}` as 'tenants').selectAll().execute());
      expect(rows, table.name).not.toContain(canary);
      expect(rows, table.name).not.toContain(systemToken.split('.')[2]);
    }
  });

  it('purges a site whose ticks stopped and whose Jira refuses, after the grace period', async () => {
    const { bed, tenant, canary, systemToken } = await syncedTenantWithCanary();
    await tickAfter(bed, 5 * 60_000);
    // Uninstalled without preUninstall reaching Tally: ticks stop, the tokens answer 401.
    await bed.sim.forge.uninstall({ preUninstall: false });
    bed.sim.clock.advance(16 * 60_000);
    await bed.tally.periodic.runDue();
    const suspected = await bed.forge.findByTenant(tenant.id);
    expect(suspected).toMatchObject({ state: 'installed', forge: { suspectedSinceMs: bed.sim.clock.now() } });
    expect((await bed.audit.listAudit({ tenantId: tenant.id })).map((entry) => entry.event)).toContain('tenant.uninstall_suspected');

    // Just short of the grace period: still there.
    bed.sim.clock.advance(bed.config.forgeUninstallGraceHours * 3_600_000 - 30 * 60_000);
    await bed.tally.periodic.runDue();
    expect((await bed.registry.findTenant(tenant.id))?.state).toBe('installed');

    bed.sim.clock.advance(30 * 60_000);
    await bed.tally.periodic.runDue();
    await bed.tally.queue.idle();
    await expectPurged(bed, tenant.id, canary, systemToken);
    expect((await bed.audit.listAudit({ tenantId: tenant.id })).find((entry) => entry.event === 'tenant.uninstalled')?.detail).toEqual({ reason: 'forge_uninstall_suspected' });
  });

  it('clears a suspicion when a tick arrives, and purges nothing', async () => {
    const bed = await forgeBed();
    const tenant = await install(bed);
    // Jira refuses the app for a while (403) and no tick comes for 20 minutes.
    bed.sim.forge.configure({ permissionLagMs: 10 * 86_400_000 });
    bed.sim.clock.advance(20 * 60_000);
    await bed.tally.periodic.runDue();
    expect((await bed.forge.findByTenant(tenant.id))?.forge.suspectedSinceMs).toBe(bed.sim.clock.now());
    bed.sim.forge.configure({ permissionLagMs: 0 });
    await tickAfter(bed, 60_000);
    expect((await bed.forge.findByTenant(tenant.id))?.forge.suspectedSinceMs).toBeUndefined();
    bed.sim.clock.advance(bed.config.forgeUninstallGraceHours * 3_600_000);
    await tickAfter(bed, 0);
    await bed.tally.periodic.runDue();
    expect(await bed.registry.findTenant(tenant.id)).toMatchObject({ state: 'installed' });
    expect((await bed.audit.listAudit({ tenantId: tenant.id })).map((entry) => entry.event)).toEqual(expect.arrayContaining(['tenant.uninstall_suspected', 'tenant.uninstall_suspicion_cleared']));
  });
});

describe('Forge Remote: forged requests', () => {
  const OTHER_CLOUD = randomUUID();
  const OTHER_INSTALLATION = randomUUID();

  /** A body that names this site (or the other one) the way each route's deliveries do. */
  function bodyFor(path: string, site: { cloudId: string; installationUuid: string }): Record<string, unknown> {
    switch (path) {
      case '/forge/lifecycle':
        return { eventType: 'avi:forge:installed:app', id: site.installationUuid, context: ariOfSite(site.cloudId), app: { id: 'x' } };
      case '/forge/events':
        return { eventType: 'avi:jira:deleted:worklog', selfGenerated: false, timestamp: '1', worklog: { id: '1', issueId: '1' }, context: ariOfSite(site.cloudId) };
      default:
        return { context: { cloudId: site.cloudId, moduleKey: 'sync-tick' } };
    }
  }

  /** Everything a forged request could change: the registry, audit, tokens, queue and emitted events. */
  async function snapshot(bed: TallyTestbed): Promise<string> {
    return JSON.stringify({
      tenants: await bed.registry.listTenants(),
      audit: await bed.audit.listAudit({ limit: 1000 }),
      installations: await (bed.control.db as Kysely<any>).selectFrom('jira_forge_installations').selectAll().orderBy('tenant_id').execute(),
      tokens: await (bed.control.db as Kysely<any>).selectFrom('jira_forge_system_tokens').selectAll().orderBy('tenant_id').execute(),
      queue: bed.tally.queue.snapshot(),
      events: bed.events.length,
    });
  }

  it('answers 401 on every Forge route to every forged token, and changes nothing', async () => {
    const bed = await forgeBed();
    const tenant = await install(bed);
    // A second site Tally knows, whose ids the forged requests name.
    await bed.forge.recordInstall({ installationId: `ari:cloud:ecosystem::installation/${OTHER_INSTALLATION}`, cloudId: OTHER_CLOUD, apiBaseUrl: `https://api.atlassian.com/ex/jira/${OTHER_CLOUD}`, product: 'jira', siteUrl: 'https://other.atlassian.net' });
    const own = { cloudId: bed.sim.forge.cloudId, installationUuid: tenant.installationId.split('/')[1]! };
    const other = { cloudId: OTHER_CLOUD, installationUuid: OTHER_INSTALLATION };
    const nowSeconds = () => Math.floor(bed.sim.clock.now() / 1000);
    const forgeries: [string, () => Promise<string | undefined>, typeof own][] = [
      ['no token', async () => undefined, own],
      ['alg none', () => bed.sim.forge.signFit({}, { alg: 'none' }), own],
      ['HMAC with the public key (algorithm confusion)', () => bed.sim.forge.signFit({}, { alg: 'HS256' }), own],
      ['an unknown signing key', () => bed.sim.forge.signFit({}, { key: 'unknown' }), own],
      ['an unknown key under a known kid', async () => bed.sim.forge.signFit({}, { key: 'unknown', kid: bed.sim.forge.jwks().keys[0]!.kid }), own],
      ['a wrong issuer', () => bed.sim.forge.signFit({ iss: 'forge/not-the-invocation-token' }), own],
      ['a wrong audience', () => bed.sim.forge.signFit({ aud: ariOfApp(randomUUID()) }), own],
      ['an expired token', () => bed.sim.forge.signFit({ iat: nowSeconds() - 300, nbf: nowSeconds() - 300, exp: nowSeconds() - 30 }), own],
      ['a bad icLabel', () => bed.sim.forge.signFit({ icLabel: '../Evil Label' }), own],
      ["installation A's token with installation B's ids", () => bed.sim.forge.signFit(), other],
    ];
    const before = await snapshot(bed);
    for (const path of ['/forge/lifecycle', '/forge/events', '/forge/tick', '/forge/pre-uninstall']) {
      for (const [name, token, site] of forgeries) {
        const fit = await token();
        const headers: Record<string, string> = { 'content-type': 'application/json', 'x-forge-oauth-system': bed.sim.forge.systemToken() };
        if (fit !== undefined) headers.authorization = `Bearer ${fit}`;
        const response = await bed.app.request(path, { method: 'POST', headers, body: JSON.stringify(bodyFor(path, site)) });
        expect(response.status, `${path}: ${name}`).toBe(401);
        expect(((await response.json()) as { error: { code: string } }).error.code, `${path}: ${name}`).toMatch(/^AUTH_(MISSING|INVALID)$/);
      }
    }
    await bed.tally.queue.idle();
    expect(await snapshot(bed)).toBe(before);
  });

  it('answers 401 on the report API to forged invocation tokens', async () => {
    const bed = await forgeBed();
    await install(bed);
    const admin = [...bed.sim.site.users.values()].find((user) => user.siteAdmin)!;
    const ui = { principal: admin.accountId, context: { cloudId: bed.sim.forge.cloudId } };
    for (const fit of [await bed.sim.forge.signFit(ui, { alg: 'none' }), await bed.sim.forge.signFit(ui, { key: 'unknown' }), await bed.sim.forge.signFit({ ...ui, aud: ariOfApp(randomUUID()) })]) {
      const response = await bed.app.request('/api/reports/summary', { method: 'POST', headers: { authorization: `Bearer ${fit}`, 'content-type': 'application/json' }, body: JSON.stringify({ from: '2026-01-01', to: '2026-12-31', groupBy: ['user'] }) });
      expect(response.status).toBe(401);
    }
  });

  it("reports a Forge site's account ids with its system token and erases a closed account", async () => {
    const bed = await forgeBed();
    const tenant = await install(bed);
    const visible = visibleToApp(bed);
    const authors = [...new Set(visible.map((worklog) => worklog.authorId))];
    const [closing, staying] = authors as [string, string];
    bed.sim.gdpr.closeAccount(closing);

    expect(await bed.tally.periodic.runDue()).toContain('personal-data-report-check');

    const reported = bed.sim.gdpr.reported.flatMap((request) => request.accounts.map((account) => account.accountId));
    expect(new Set(reported)).toEqual(new Set(authors));
    const store = await bed.tally.stores.open(tenant.id);
    const held = (await store.listAccountIds()).map((account) => account.accountId);
    expect(held).not.toContain(closing);
    expect(held).toContain(staying);
    expect(await store.countWorklogs()).toBe(visible.length);
  });

  it("runs the report's JQL as the viewer with their own token: currentUser() means them", async () => {
    const bed = await forgeBed();
    await install(bed);
    const { site } = bed.sim;
    // A site admin (sees every issue) logs work on two issues; the next tick syncs it.
    const admin = [...site.users.values()].find((user) => user.siteAdmin && user.accountType === 'atlassian')!;
    for (const issue of [...site.issues.values()].slice(0, 2)) {
      site.createWorklog({ issueId: issue.id, authorId: admin.accountId, comment: undefined, startedMs: Date.UTC(2026, 5, 1, 9), timeSpentSeconds: 900 });
    }
    await tickAfter(bed, 61_000);
    const visible = visibleToApp(bed);
    const theirIssues = new Set(visible.filter((worklog) => worklog.authorId === admin.accountId).map((worklog) => worklog.issueId));
    expect(theirIssues.size).toBeLessThan(new Set(visible.map((worklog) => worklog.issueId)).size);

    const response = await bed.sim.forge.invokeRemote({ accountId: admin.accountId, path: '/api/reports/summary', method: 'POST', body: { from: '2000-01-01', to: '2030-12-31', timeZone: 'UTC', jql: 'worklogAuthor = currentUser()', groupBy: ['issue'] } });
    expect(response.status).toBe(200);
    const wire = response.body as SummaryWire;
    expect(new Set(groupTree(wire.groups).map((group) => Number(group.key)))).toEqual(theirIssues);
    expect(wire.total.seconds).toBe(visible.filter((worklog) => theirIssues.has(worklog.issueId)).reduce((sum, worklog) => sum + worklog.timeSpentSeconds, 0));
  });

  it("refuses a user's own invokeRemote call to a trigger route with 403: no user can uninstall or tick", async () => {
    const bed = await forgeBed();
    const tenant = await install(bed);
    const user = bed.sim.generated!.users[1]!;
    const before = await snapshot(bed);
    for (const path of ['/forge/pre-uninstall', '/forge/tick', '/forge/lifecycle']) {
      const response = await bed.sim.forge.invokeRemote({ accountId: user.accountId, path, method: 'POST', body: bodyFor(path, { cloudId: bed.sim.forge.cloudId, installationUuid: tenant.installationId.split('/')[1]! }) });
      expect(response.status, path).toBe(403);
    }
    expect(await snapshot(bed)).toBe(before);
  });
});
