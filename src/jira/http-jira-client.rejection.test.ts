import { describe, expect, it } from 'vitest';
import { createSelfHostedTestbed } from '../../simulator/testing/self-hosted-testbed.js';
import { isAppError } from '../platform/app-error.js';
import type { TenantId } from '../tenants/tenant.js';
import { createHttpJiraClient } from './http-jira-client.js';
import type { TenantJiraAccess } from './jira-credentials.js';
import { createRateLimitCoordinator } from './rate-limit-coordinator.js';

/** Tally's client on an API token of the testbed's site, with every refusal recorded. */
function tokenClient(onRejected: TenantJiraAccess['onRejected']) {
  const bed = createSelfHostedTestbed();
  const token = bed.sim.site.createApiToken({ accountId: bed.alice.accountId, kind: 'classic' });
  const clock = { nowMs: () => bed.sim.clock.now() };
  const sent: string[] = [];
  const access: TenantJiraAccess = { baseUrl: bed.sim.site.baseUrl, authorize: async () => bed.basic(bed.alice, token), ...(onRejected ? { onRejected } : {}) };
  const client = createHttpJiraClient({
    tenantId: 't_0000000000000000000000aa' as TenantId,
    access,
    fetch: (input, init) => {
      sent.push(String(input));
      return bed.sim.fetch(input, init);
    },
    clock,
    sleep: async () => undefined,
    coordinator: createRateLimitCoordinator({ clock, sleep: async () => undefined, pointsPerHour: 65_000 }),
  });
  return { bed, token, client, sent };
}

describe('HttpJiraClient and refused credentials', () => {
  it('tells the credentials about a 401 once and fails the call without retrying', async () => {
    const rejections: unknown[] = [];
    const { bed, token, client, sent } = tokenClient((rejection) => rejections.push(rejection));
    await client.getServerTimeMs();
    expect(rejections).toEqual([]);
    bed.sim.site.revokeApiToken(token);
    const error = await client.getUpdatedWorklogs({ sinceMs: 0 }).catch((caught: unknown) => caught);
    expect(isAppError(error, 'JIRA_AUTH_FAILED')).toBe(true);
    expect(rejections).toEqual([{ status: 401, endpoint: 'GET /rest/api/3/worklog/updated' }]);
    expect(sent).toHaveLength(2);
  });

  it('tells the credentials about a 403', async () => {
    const rejections: unknown[] = [];
    const { client } = tokenClient((rejection) => rejections.push(rejection));
    // "Only Connect apps can use this operation": a token's user is refused with 403.
    await expect(client.getFailedWebhooks(0)).rejects.toMatchObject({ code: 'JIRA_AUTH_FAILED' });
    expect(rejections).toEqual([{ status: 403, endpoint: 'GET /rest/api/3/webhook/failed' }]);
  });

  it('fails the call the same way when the listener throws', async () => {
    const { bed, token, client } = tokenClient(() => {
      throw new Error('listener bug');
    });
    bed.sim.site.revokeApiToken(token);
    await expect(client.getUpdatedWorklogs({ sinceMs: 0 })).rejects.toMatchObject({ code: 'JIRA_AUTH_FAILED' });
  });
});
