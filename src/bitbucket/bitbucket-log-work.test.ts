import { describe, expect, it } from 'vitest';
import type { TenantJiraAccess } from '../jira/jira-credentials.js';
import { AppError } from '../platform/app-error.js';
import { createManualClock } from '../platform/clock.js';
import type { Tenant, TenantId } from '../tenants/tenant.js';
import type { OwnWorklog } from '../worklog-writes/own-worklog.js';
import type { BitbucketInstallation, BitbucketInstallationId } from './bitbucket-installations.js';
import { createBitbucketLogWork, type ActAsUser } from './bitbucket-log-work.js';

/*
 * The core's log work from Bitbucket with its ports faked: the order of its checks (nothing is
 * asked of a Jira edge for input Tally refuses, or for a workspace that is not linked) and who
 * the write is made as. How the composition root finds the edge: src/compose/edges.test.ts.
 */

const TENANT = 't_000000000000000000000001' as TenantId;
const tenant: Tenant = { id: TENANT, platform: 'p1', product: 'jira', baseUrl: 'https://acme.atlassian.net', state: 'installed', enabled: true, installedAtMs: 0, uninstalledAtMs: undefined, updatedAtMs: 0 };
const installation = (jiraTenantId: TenantId | null): BitbucketInstallation => ({
  id: 'bb_000000000000000000000001' as BitbucketInstallationId,
  edge: 'bitbucket-a',
  state: 'active',
  installer: { uuid: '{1}', username: null, avatarUrl: null },
  jiraTenantId,
  linkedAtMs: jiraTenantId ? 0 : null,
  createdAtMs: 0,
});
const input = { issue: 'ABC-1', date: '2026-11-17', startTime: '09:15', duration: '1h 30m' };
const access: TenantJiraAccess = { baseUrl: tenant.baseUrl, authorize: async () => 'Bearer as-ana' };
const worklog: OwnWorklog = { id: 1, issueId: 10001, issueKey: 'ABC-1', started: '2026-11-17T09:15:00.000+0000', timeSpentSeconds: 5_400, timeSpent: '1h 30m', comment: null, authorAccountId: 'acc-ana' };

function serviceWith(actAsUser: ActAsUser) {
  const asked: string[] = [];
  const writes: { accountId: string; access: TenantJiraAccess }[] = [];
  const service = createBitbucketLogWork({
    registry: { findTenant: async (id) => (id === TENANT ? tenant : undefined) },
    actAsUser: async (tenantId, accountId) => {
      asked.push(`${tenantId}:${accountId}`);
      return actAsUser(tenantId, accountId);
    },
    worklogs: {
      logWork: async (writer) => {
        writes.push({ accountId: writer.accountId, access: writer.access });
        return worklog;
      },
    },
    clock: createManualClock(0),
    sleep: async () => {},
  });
  return { service, asked, writes };
}

const codeOf = (promise: Promise<unknown>) => promise.then(() => 'written', (error: unknown) => (error instanceof AppError ? error.code : String(error)));

describe('log work from Bitbucket', () => {
  it("writes as the verified account with the access the tenant's Jira edge made for it", async () => {
    const { service, asked, writes } = serviceWith(async () => access);
    const logged = await service.logWork({ installation: installation(TENANT), accountId: 'acc-ana', input });
    expect(logged).toEqual({ worklog, shown: false });
    expect(asked).toEqual([`${TENANT}:acc-ana`]);
    expect(writes).toEqual([{ accountId: 'acc-ana', access }]);
  });

  it('refuses bad input, an anonymous viewer and an unlinked workspace before any Jira edge is asked', async () => {
    const { service, asked, writes } = serviceWith(async () => access);
    expect(await codeOf(service.logWork({ installation: installation(TENANT), accountId: 'acc-ana', input: { ...input, duration: 'soon' } }))).toBe('WORKLOG_INPUT_INVALID');
    expect(await codeOf(service.logWork({ installation: installation(TENANT), accountId: undefined, input }))).toBe('LOG_WORK_UNAVAILABLE');
    expect(await codeOf(service.logWork({ installation: installation(null), accountId: 'acc-ana', input }))).toBe('BITBUCKET_NOT_LINKED');
    expect(asked).toEqual([]);
    expect(writes).toEqual([]);
  });
});
