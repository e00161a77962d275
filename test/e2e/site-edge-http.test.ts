import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSelfHostedTestbed, type SelfHostedTestbed } from '../../simulator/testing/self-hosted-testbed.js';
import { formatJiraDate } from '../../simulator/jira/jira-date.js';
import type { SimUser } from '../../simulator/jira/jira-site.js';
import { runCli } from '../../src/cli/run-cli.js';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import { ALL_EDGE_MODULES } from '../../src/edges/all-edges.js';
import { machineRuntime, startServer, type RunningServer } from '../../src/main.js';
import type { TenantId } from '../../src/tenants/tenant.js';
import { tallyOwnedData } from '../../src/compose/owned-data.js';

/**
 * The self-hosted site edge over real HTTP on loopback: the simulator is the team's Jira site and
 * Atlassian's gateway (one origin, `/ex/jira/{cloudId}` for the gateway), Tally is started as
 * `npm start` starts it, with TALLY_JIRA_SITE, TALLY_JIRA_EMAIL and TALLY_JIRA_API_TOKEN.
 */

const WEBHOOK_SECRET = 'a secret the site admin typed in Jira';

let bed: SelfHostedTestbed;
let simUrl: string;
let closeSim: () => Promise<void>;
const dirs: string[] = [];
const servers: RunningServer[] = [];

beforeAll(async () => {
  bed = createSelfHostedTestbed({ clock: 'real', startMs: Date.now() });
  // More than one `/worklog/updated` page (1000), so paging is followed on each base.
  for (let i = 0; i < 1100; i++) bed.logWork(i % 2 === 0 ? bed.alice : bed.bob, i % 10 === 0 ? 'payroll' : undefined);
  // `/worklog/updated` hides the last minute (jira-connect-protocol.md §1.1): move the site on.
  bed.sim.clock.advance(120_000);
  const server = await bed.sim.listen();
  simUrl = server.url;
  closeSim = server.close;
}, 30_000);

afterAll(async () => {
  for (const server of servers) await server.close().catch(() => undefined);
  await closeSim?.();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function siteConfig(user: SimUser, token: string, env: Record<string, string> = {}, dataDir?: string): Config {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'tally-site-http-'));
  if (!dataDir) dirs.push(dir);
  return loadConfig({
    TALLY_DATA_DIR: dir,
    TALLY_JIRA_SITE: simUrl,
    TALLY_JIRA_API_GATEWAY_URL: simUrl,
    TALLY_JIRA_EMAIL: user.emailAddress ?? '',
    TALLY_JIRA_API_TOKEN: token,
    TALLY_SYNC_INTERVAL_SECONDS: '3600',
    TALLY_LOG_LEVEL: 'silent',
    ...env,
  });
}

async function start(config: Config): Promise<RunningServer> {
  const server = await startServer(config, { port: 0, hostname: '127.0.0.1' });
  servers.push(server);
  return server;
}

/** What the token's account sees, field by field, as an export prints it. */
function visibleTo(user: SimUser): Record<string, unknown>[] {
  return [...bed.sim.site.worklogs.values()]
    .filter((worklog) => bed.sim.site.canSeeWorklog(worklog, user))
    .sort((a, b) => a.id - b.id)
    .map((worklog) => ({
      client_worklog_id: worklog.id,
      account_id: worklog.authorId,
      client_issue_id: worklog.issueId,
      comment: worklog.comment === undefined ? null : JSON.stringify(worklog.comment),
      created: formatJiraDate(worklog.createdMs, bed.sim.site.timeZone),
      updated: formatJiraDate(worklog.updatedMs, bed.sim.site.timeZone),
      started: formatJiraDate(worklog.startedMs, bed.sim.site.timeZone),
      time_spent_seconds: worklog.timeSpentSeconds,
    }));
}

async function cli(config: Config, args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io = { stdout: { write: (text: string) => out.push(text) }, stderr: { write: (text: string) => err.push(text) } };
  const code = await runCli(args, config, machineRuntime(config), io, { ownedData: tallyOwnedData(ALL_EDGE_MODULES), edgeCommands: ALL_EDGE_MODULES.flatMap((module) => module.cliCommands ?? []) });
  return { code, out: out.join(''), err: err.join('') };
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function siteTenant(server: RunningServer): Promise<TenantId> {
  const [tenant] = await server.registry.listInstalled();
  expect(tenant).toMatchObject({ platform: 'site' });
  return tenant!.id;
}

describe('the site edge over real HTTP', () => {
  it('syncs with a classic token, polls in new worklogs, pauses on a revoked token and resumes after a restart with a new one', async () => {
    const token = bed.sim.site.createApiToken({ accountId: bed.alice.accountId, kind: 'classic' });
    const config = siteConfig(bed.alice, token, { TALLY_SYNC_INTERVAL_SECONDS: '1' });
    const server = await start(config);
    const tenantId = await siteTenant(server);
    const store = await server.tally.stores.open(tenantId);
    const expected = visibleTo(bed.alice).length;
    expect(await waitFor(() => store.countWorklogs(), (count) => count === expected)).toBe(expected);

    // Polling (TALLY_SYNC_INTERVAL_SECONDS) brings in a worklog made after the full sync.
    const polled = bed.logWork(bed.alice);
    bed.sim.clock.advance(120_000);
    expect(await waitFor(() => store.getWorklogsByIds([polled]), (rows) => rows.length === 1)).toHaveLength(1);

    // The token is revoked while Tally runs: the sync pauses, says so, and writes nothing more.
    bed.sim.site.revokeApiToken(token);
    const missed = bed.logWork(bed.alice);
    bed.sim.clock.advance(120_000);
    const readyz = await waitFor(
      async () => (await fetch(`${server.url}/readyz`)).json() as Promise<{ status: string; detail?: { pausedTenants?: { tenantId: string; reason: string; message: string }[] } }>,
      (body) => (body.detail?.pausedTenants?.length ?? 0) > 0,
    );
    expect(readyz).toMatchObject({ status: 'ready', detail: { pausedTenants: [{ tenantId, edge: 'jira-site', reason: 'token_rejected' }] } });
    expect(readyz.detail!.pausedTenants![0]!.message).toMatch(/restart Tally with a new TALLY_JIRA_API_TOKEN/);
    const listed = await cli(config, ['tenants', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.out).toContain('installed (paused: token_rejected)');
    expect(listed.out).toMatch(/Jira rejected the API token/);
    expect(await store.getWorklogsByIds([missed])).toEqual([]);
    await server.close();

    // A restart with a good token resumes from the stored cursors and completes.
    const fresh = bed.sim.site.createApiToken({ accountId: bed.alice.accountId, kind: 'classic' });
    const restartedConfig = siteConfig(bed.alice, fresh, {}, config.dataDir);
    const restarted = await start(restartedConfig);
    expect(await siteTenant(restarted)).toBe(tenantId);
    const resumed = await restarted.tally.stores.open(tenantId);
    expect(await waitFor(() => resumed.getWorklogsByIds([missed]), (rows) => rows.length === 1)).toHaveLength(1);
    expect(await restarted.tally.listPausedTenants()).toEqual([]);
    await restarted.tally.queue.idle();
    const exported = await cli(restartedConfig, ['worklogs', 'export', '--tenant', tenantId]);
    expect(exported.code).toBe(0);
    expect(exported.out.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual(visibleTo(bed.alice));
  }, 90_000);

  it("syncs through the gateway with a scoped token and applies a signed admin webhook at once, refuses forged ones, and serves the page as the token's account", async () => {
    const token = bed.sim.site.createApiToken({ accountId: bed.bob.accountId, kind: 'scoped', scopes: ['read:jira-work', 'read:jira-user'] });
    const config = siteConfig(bed.bob, token, { TALLY_JIRA_WEBHOOK_SECRET: WEBHOOK_SECRET });
    const server = await start(config);
    const tenantId = await siteTenant(server);
    const store = await server.tally.stores.open(tenantId);
    const expected = visibleTo(bed.bob).length;
    expect(await waitFor(() => store.countWorklogs(), (count) => count === expected)).toBe(expected);
    expect(await waitFor(() => store.getSyncState(), (state) => state.phase === 'incremental')).toMatchObject({ phase: 'incremental' });

    const hook = bed.sim.adminWebhooks.register({ url: `${server.url}/site/webhooks/worklog`, events: ['worklog_created', 'worklog_updated', 'worklog_deleted'], secret: WEBHOOK_SECRET });
    // No poll comes for an hour: only the webhook can bring this worklog in.
    const pushed = bed.logWork(bed.bob);
    expect(await waitFor(() => store.getWorklogsByIds([pushed]), (rows) => rows.length === 1)).toHaveLength(1);

    for (const tamper of ['wrong-secret', 'unsigned'] as const) {
      bed.sim.adminWebhooks.configure({ tamper });
      const forged = bed.logWork(bed.bob);
      const deliveries = await waitFor(
        async () => bed.sim.adminWebhooks.delivered().filter((delivery) => delivery.body?.includes(`"id":"${forged}"`)),
        (found) => found.some((delivery) => delivery.status !== 0),
      );
      expect(deliveries.map((delivery) => delivery.status)).toContain(401);
      await server.tally.queue.idle();
      expect(await store.getWorklogsByIds([forged])).toEqual([]);
    }
    bed.sim.adminWebhooks.configure({ tamper: undefined });
    bed.sim.adminWebhooks.remove(hook.id);

    // The page: signed in with `tally access-link`, its API acts as the token's account.
    const link = await cli(config, ['access-link']);
    expect(link.code).toBe(0);
    const url = /https?:\/\/\S+\/site\/access\?key=\S+/.exec(link.out)![0].replace(/^https?:\/\/[^/]+/, server.url);
    const signIn = await fetch(url, { redirect: 'manual' });
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const page = await (await fetch(`${server.url}/`, { headers: { cookie } })).text();
    const pageToken = /<meta name="tally-token" content="([^"]+)"/.exec(page)![1]!;
    const session = await fetch(`${server.url}/api/session`, { headers: { cookie, authorization: `TallySite ${pageToken}` } });
    expect(await session.json()).toMatchObject({ tenantId, accountId: bed.bob.accountId, siteUrl: simUrl });
  }, 90_000);

  it('stops start-up naming the scope a token lacks', async () => {
    const token = bed.sim.site.createApiToken({ accountId: bed.alice.accountId, kind: 'scoped', scopes: ['read:jira-work'] });
    const failed = await startServer(siteConfig(bed.alice, token), { port: 0, hostname: '127.0.0.1' }).catch((error: unknown) => error);
    expect(failed).toMatchObject({ code: 'SITE_TOKEN_INSUFFICIENT', expose: true });
    expect((failed as Error).message).toContain('read:jira-user');
    expect((failed as Error).message).not.toContain(token);
  });
});
