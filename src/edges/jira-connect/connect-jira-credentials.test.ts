import { afterEach, describe, expect, it } from 'vitest';
import { createTallyTestbed, type TallyTestbed } from '../../../test/support/tally-testbed.js';
import { createConnectJiraCredentials } from './connect-jira-credentials.js';

let bed: TallyTestbed;
afterEach(async () => bed?.close());

async function setup() {
  bed = await createTallyTestbed();
  const result = await bed.sim.connect.install(bed.descriptorUrl);
  if (!result.ok) throw new Error('install failed');
  const tenantId = (await bed.connect.findCredentialsByClientKey(result.clientKey))!.tenant.id;
  const credentials = createConnectJiraCredentials({ installations: bed.connect, appKey: bed.config.appKey, clock: { nowMs: () => bed.sim.clock.now() } });
  return { tenantId, credentials };
}

async function call(access: { baseUrl: string; authorize(r: { method: string; url: string }): Promise<string> }, method: string, path: string, body?: unknown) {
  const url = `${access.baseUrl}${path}`;
  return bed.sim.fetch(url, {
    method,
    headers: { authorization: await access.authorize({ method, url }), ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
}

describe('Connect credentials for Tally’s calls to Jira', () => {
  it('signs requests the simulated Jira accepts as the installed app', async () => {
    const { tenantId, credentials } = await setup();
    const access = (await credentials.forTenant(tenantId))!;
    expect(access.baseUrl).toBe(bed.sim.site.baseUrl);
    const myself = await call(access, 'GET', '/rest/api/3/myself');
    expect(myself.status).toBe(200);
    expect(((await myself.json()) as { accountType: string }).accountType).toBe('app');
    expect((await call(access, 'GET', '/rest/api/3/worklog/updated?since=0&expand=properties')).status).toBe(200);
    expect((await call(access, 'POST', '/rest/api/3/worklog/list', { ids: [10000, 10001] })).status).toBe(200);
  });

  it('uses the new secret after a re-install and refuses after an uninstall', async () => {
    const { tenantId, credentials } = await setup();
    const access = (await credentials.forTenant(tenantId))!;
    await bed.sim.connect.install(bed.descriptorUrl);
    expect((await call(access, 'GET', '/rest/api/3/myself')).status).toBe(200);
    await bed.sim.connect.uninstall();
    expect(await credentials.forTenant(tenantId)).toBeUndefined();
    await expect(access.authorize({ method: 'GET', url: `${access.baseUrl}/rest/api/3/myself` })).rejects.toThrow(/no longer installed/);
  });
});
