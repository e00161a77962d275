import { afterEach, describe, expect, it } from 'vitest';
import { createTallyTestbed, type TallyTestbed } from '../../../test/support/tally-testbed.js';
import type { SimUser } from '../../../simulator/jira/jira-site.js';
import type { ForgeOptions } from '../../../simulator/forge/forge-options.js';
import type { TenantJiraAccess } from '../../jira/jira-credentials.js';
import { isAppError } from '../../platform/app-error.js';
import type { TenantId } from '../../tenants/tenant.js';
import { buildForgeManifest, EXAMPLE_FORGE_MANIFEST_OPTIONS } from './manifest/forge-manifest.js';

/*
 * The Forge edge's `actAsUser` (offline user impersonation) against the simulator's Forge
 * platform: the installation Tally holds is made by a real install, the exchange is the
 * simulator's `POST /graphql`, and every write lands on the simulated site, whose worklog records
 * say who wrote it.
 */

/** The scopes Tally's generated manifest declares with `allowImpersonation`: what the simulated platform is told the app may do. */
const manifestScopes = buildForgeManifest(EXAMPLE_FORGE_MANIFEST_OPTIONS).permissions as { scopes: Record<string, { allowImpersonation?: boolean }> };
const IMPERSONATION_SCOPES = Object.entries(manifestScopes.scopes).filter(([, declared]) => declared.allowImpersonation === true).map(([scope]) => scope);

const beds: TallyTestbed[] = [];
afterEach(async () => {
  await Promise.all(beds.splice(0).map((bed) => bed.close()));
});

interface Setup {
  bed: TallyTestbed;
  tenantId: TenantId;
  user: SimUser;
  actAsUser(tenantId: TenantId, accountId: string): Promise<TenantJiraAccess | undefined>;
  /** Tally's calls to Atlassian's GraphQL gateway. */
  graphqlCalls: string[];
}

async function setup(forge: Partial<ForgeOptions> = {}): Promise<Setup> {
  const graphqlCalls: string[] = [];
  const bed = await createTallyTestbed({
    simulator: { generate: { worklogs: 0, users: 3, issues: 3, projects: 1, seed: 5 }, forge: { impersonationScopes: IMPERSONATION_SCOPES, ...forge } },
    wrapFetch: (fetch) => async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.pathname === '/graphql') graphqlCalls.push(url.href);
      return fetch(input, init);
    },
  });
  beds.push(bed);
  expect(await bed.sim.forge.install()).toMatchObject({ ok: true });
  await bed.tally.queue.idle();
  const tenant = await bed.forge.findByInstallationId(bed.sim.forge.installationId!);
  if (!tenant) throw new Error('the install registered no tenant');
  const user = bed.sim.site.addUser({ accountId: '712020:5e1f0000-aaaa-4bbb-8ccc-dddddddddddd', displayName: 'Petra Panel', active: true, timeZone: 'Europe/Vienna', accountType: 'atlassian', groups: ['jira-software-users'] });
  const edge = bed.tally.edges.find((candidate) => candidate.id === 'jira-forge');
  if (!edge?.actAsUser) throw new Error('the Forge edge cannot act as a user');
  return { bed, tenantId: tenant.id, user, actAsUser: edge.actAsUser.bind(edge), graphqlCalls };
}

/** POSTs a worklog with `access`, as the worklog-writes module would. */
async function writeWorklog(bed: TallyTestbed, access: TenantJiraAccess, timeSpentSeconds = 1800): Promise<Response> {
  const issue = [...bed.sim.site.issues.values()].find((candidate) => candidate.timeTrackingEnabled)!;
  const url = `${access.baseUrl}/rest/api/3/issue/${issue.key}/worklog`;
  return bed.sim.fetch(url, {
    method: 'POST',
    headers: { authorization: await access.authorize({ method: 'POST', url }), 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ started: '2026-09-01T09:00:00.000+0200', timeSpentSeconds }),
  });
}

async function refusalOf(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    if (isAppError(error, 'LOG_WORK_UNAVAILABLE')) return error.message;
    throw error;
  }
  throw new Error('expected LOG_WORK_UNAVAILABLE');
}

describe('the Forge edge acting as a user (offlineUserAuthToken)', () => {
  it('writes a worklog through the gateway that Jira records as written by that person', async () => {
    const { bed, tenantId, user, actAsUser } = await setup();
    const access = (await actAsUser(tenantId, user.accountId))!;

    expect(access.baseUrl).toBe(bed.sim.forge.apiBaseUrl);
    const created = await writeWorklog(bed, access);
    expect(created.status).toBe(201);
    const id = Number(((await created.json()) as { id: string }).id);
    expect(bed.sim.site.worklogs.get(id)).toMatchObject({ authorId: user.accountId, updateAuthorId: user.accountId, timeSpentSeconds: 1800 });
  });

  it("applies that person's permissions, not the app's", async () => {
    const { bed, tenantId, user, actAsUser } = await setup();
    user.withheldPermissions = ['WORK_ON_ISSUES'];
    const refused = await writeWorklog(bed, (await actAsUser(tenantId, user.accountId))!);
    expect(refused.status).toBe(400);
    expect(bed.sim.site.worklogs.size).toBe(0);
  });

  it('exchanges once per person and holds the token for its lifetime, then exchanges again', async () => {
    const { bed, tenantId, user, actAsUser, graphqlCalls } = await setup();
    const access = (await actAsUser(tenantId, user.accountId))!;
    const url = `${access.baseUrl}/rest/api/3/myself`;
    const [first, second] = await Promise.all([access.authorize({ method: 'GET', url }), access.authorize({ method: 'GET', url })]);
    expect(second).toBe(first);
    expect(await (await actAsUser(tenantId, user.accountId))!.authorize({ method: 'GET', url })).toBe(first);
    expect(graphqlCalls).toEqual([`${new URL(bed.sim.forge.apiBaseUrl).origin}/graphql`]);

    // The token's 4 h, less the minute kept in hand; a tick brings the system token to exchange with.
    bed.sim.clock.advance(4 * 3_600_000 - 30_000);
    expect(await bed.sim.forge.tick()).toMatchObject({ ok: true });
    await bed.tally.queue.idle();
    const later = await (await actAsUser(tenantId, user.accountId))!.authorize({ method: 'GET', url });
    expect(graphqlCalls).toHaveLength(2);
    expect((await bed.sim.fetch(url, { headers: { authorization: later } })).status).toBe(200);
  });

  it('answers LOG_WORK_UNAVAILABLE when Tally holds no usable system token for the site', async () => {
    const { bed, tenantId, user, actAsUser, graphqlCalls } = await setup();
    // No tick for the token's whole life: what Tally holds has expired.
    bed.sim.clock.advance(4 * 3_600_000);
    expect(await refusalOf(actAsUser(tenantId, user.accountId))).toMatch(/no current token from Forge/);
    expect(graphqlCalls).toEqual([]);
  });

  it("answers LOG_WORK_UNAVAILABLE with Atlassian's words when the app may not impersonate, and writes nothing", async () => {
    const { bed, tenantId, user, actAsUser } = await setup({ impersonationScopes: [] });
    const access = (await actAsUser(tenantId, user.accountId))!;
    expect(await refusalOf(writeWorklog(bed, access))).toMatch(/did not let Tally act as you.*allowImpersonation.*site admin/);
    expect(bed.sim.site.worklogs.size).toBe(0);
  });

  it('answers LOG_WORK_UNAVAILABLE for an inactive person, also when refusals come as top-level GraphQL errors', async () => {
    const { bed, tenantId, user, actAsUser } = await setup({ offlineTokenRefusal: 'graphql-errors' });
    user.active = false;
    expect(await refusalOf(writeWorklog(bed, (await actAsUser(tenantId, user.accountId))!))).toMatch(/cannot be impersonated/);
  });

  it('answers LOG_WORK_UNAVAILABLE when the context ARI the platform expects is another form', async () => {
    const { bed, tenantId, user, actAsUser } = await setup({ offlineTokenContextAri: 'ari:cloud:jira:{cloudId}:site/{cloudId}' });
    expect(await refusalOf(writeWorklog(bed, (await actAsUser(tenantId, user.accountId))!))).toMatch(/context ids/);
  });

  it('has no access for an uninstalled site, never sends the token elsewhere, and logs no token', async () => {
    const { bed, tenantId, user, actAsUser } = await setup({ impersonationScopes: [] });
    const access = (await actAsUser(tenantId, user.accountId))!;
    await expect(access.authorize({ method: 'GET', url: 'https://evil.example/rest/api/3/myself' })).rejects.toMatchObject({ code: 'INTERNAL' });
    await refusalOf(writeWorklog(bed, access));
    const systemToken = bed.sim.forge.systemToken();
    expect(bed.logLines.join('\n')).toContain('forge_impersonation_refused');
    expect(bed.logLines.some((line) => line.includes(systemToken))).toBe(false);

    await bed.sim.forge.uninstall();
    await bed.tally.queue.idle();
    expect(await actAsUser(tenantId, user.accountId)).toBeUndefined();
  });
});
