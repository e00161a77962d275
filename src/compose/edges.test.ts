import { describe, expect, it } from 'vitest';
import type { PlatformEdge } from '../edges/edge.js';
import type { TenantJiraAccess } from '../jira/jira-credentials.js';
import { AppError } from '../platform/app-error.js';
import type { Tenant, TenantId } from '../tenants/tenant.js';
import { actAsUserByEdge } from './edges.js';

/*
 * How log work from Bitbucket finds a way to act as the person: the linked tenant's own Jira edge
 * (`PlatformEdge.actAsUser`), found by the composition root, never by another edge. The edges are
 * faked by their contract; the real Connect edge's impersonation is exercised end to end in
 * test/e2e/bitbucket-log-work.test.ts.
 */

const TENANT = 't_000000000000000000000001' as TenantId;
const tenantOf = (platform: string): Tenant => ({ id: TENANT, platform, product: 'jira', baseUrl: 'https://acme.atlassian.net', state: 'installed', enabled: true, installedAtMs: 0, uninstalledAtMs: undefined, updatedAtMs: 0 });
const access: TenantJiraAccess = { baseUrl: 'https://acme.atlassian.net', authorize: async () => 'Bearer as-ana' };

const connectLike = (actAsUser: PlatformEdge['actAsUser']): PlatformEdge => ({ id: 'jira-connect', summary: '', owns: (tenant) => tenant.platform === 'connect', ...(actAsUser ? { actAsUser } : {}) });
/** An edge that cannot act as people (no `actAsUser`), e.g. one without user impersonation. */
const forgeLike: PlatformEdge = { id: 'jira-forge', summary: '', owns: (tenant) => tenant.platform === 'forge' };

const refusalOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as AppError);

describe('acting as a person through the tenant\'s own Jira edge', () => {
  it('asks the edge that owns the tenant, with the account the caller verified', async () => {
    const asked: string[] = [];
    const edges = [forgeLike, connectLike(async (tenantId, accountId) => (asked.push(`${tenantId}:${accountId}`), access))];
    const actAsUser = actAsUserByEdge({ findTenant: async () => tenantOf('connect') }, () => edges);
    expect(await actAsUser(TENANT, 'acc-ana')).toBe(access);
    expect(asked).toEqual([`${TENANT}:acc-ana`]);
  });

  it('answers LOG_WORK_UNAVAILABLE naming the edge when it cannot act as people', async () => {
    const refused = await refusalOf(actAsUserByEdge({ findTenant: async () => tenantOf('forge') }, () => [forgeLike, connectLike(async () => access)])(TENANT, 'acc-ana'));
    expect(refused).toMatchObject({ code: 'LOG_WORK_UNAVAILABLE', httpStatus: 409, expose: true });
    expect(refused?.message).toContain('jira-forge');
  });

  it("passes on the edge's own reason, and answers plainly for an edge that is off or a tenant it no longer has", async () => {
    const withoutClientId = connectLike(async () => {
      throw new AppError('LOG_WORK_UNAVAILABLE', 'This installation has no OAuth client id for user impersonation');
    });
    const find = { findTenant: async () => tenantOf('connect') };
    expect((await refusalOf(actAsUserByEdge(find, () => [withoutClientId])(TENANT, 'acc-ana')))?.message).toMatch(/no OAuth client id/);
    expect(await refusalOf(actAsUserByEdge(find, () => [forgeLike])(TENANT, 'acc-ana'))).toMatchObject({ code: 'LOG_WORK_UNAVAILABLE', message: expect.stringMatching(/cannot reach the linked Jira site/) });
    expect(await refusalOf(actAsUserByEdge(find, () => [connectLike(async () => undefined)])(TENANT, 'acc-ana'))).toMatchObject({ code: 'LOG_WORK_UNAVAILABLE', message: expect.stringMatching(/not installed/) });
  });

  it('reads the edges on every call: they are built after the Bitbucket side that holds this', async () => {
    let edges: PlatformEdge[] = [];
    const actAsUser = actAsUserByEdge({ findTenant: async () => tenantOf('connect') }, () => edges);
    edges = [connectLike(async () => access)];
    expect(await actAsUser(TENANT, 'acc-ana')).toBe(access);
  });
});
