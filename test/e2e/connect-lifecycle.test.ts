import { afterEach, describe, expect, it } from 'vitest';
import { createTallyTestbed, type TallyTestbed } from '../support/tally-testbed.js';
import { contextToken } from '../support/tally-tokens.js';

let bed: TallyTestbed;
afterEach(async () => bed?.close());

async function installed(testbed: TallyTestbed) {
  const result = await testbed.sim.connect.install(testbed.descriptorUrl);
  if (!result.ok) throw new Error(`install failed: ${result.status} ${result.reason}`);
  return result;
}

describe('Connect lifecycle', () => {
  it('records a tenant on install, emits one event the sync can hang on, and answers 204', async () => {
    bed = await createTallyTestbed();
    const result = await installed(bed);
    expect(result.status).toBe(204);
    const credentials = await bed.connect.findCredentialsByClientKey(result.clientKey);
    expect(credentials).toMatchObject({ sharedSecret: result.sharedSecret, tenant: { state: 'installed', enabled: true, baseUrl: bed.sim.site.baseUrl, product: 'jira' } });
    expect(credentials!.tenant.id).not.toBe(result.clientKey);
    expect(bed.events).toEqual([{ type: 'installed', payload: { tenantId: credentials!.tenant.id, created: true, reinstalled: false } }]);
  });

  it('treats a repeated install as the same tenant', async () => {
    bed = await createTallyTestbed();
    const first = await installed(bed);
    const second = await installed(bed);
    expect(await bed.registry.listInstalled()).toHaveLength(1);
    expect((await bed.connect.findCredentialsByClientKey(first.clientKey))!.sharedSecret).toBe(second.sharedSecret);
    expect(bed.events.map((e) => e.type === 'installed' && e.payload.created)).toEqual([true, false]);
  });

  it('disables and enables with HS256 lifecycle calls', async () => {
    bed = await createTallyTestbed();
    const { clientKey } = await installed(bed);
    expect((await bed.sim.connect.disable()).status).toBe(204);
    expect((await bed.connect.findCredentialsByClientKey(clientKey))!.tenant.enabled).toBe(false);
    expect((await bed.sim.connect.enable()).status).toBe(204);
    expect((await bed.connect.findCredentialsByClientKey(clientKey))!.tenant.enabled).toBe(true);
    expect(bed.events.filter((e) => e.type === 'enabledChanged').map((e) => e.type === 'enabledChanged' && e.payload.enabled)).toEqual([false, true]);
  });

  it.each([
    ['disabled, then uninstalled', ['disable', 'uninstall'] as const],
    ['uninstalled, then disabled', ['uninstall', 'disable'] as const],
  ])('ends uninstalled when the site sends %s', async (_name, order) => {
    bed = await createTallyTestbed();
    const { clientKey, sharedSecret } = await installed(bed);
    // The simulator forgets the app on uninstall; keep a handle to send the late `disabled`.
    const app = bed.sim.site.findApp(bed.config.appKey)!;
    for (const step of order) {
      if (step === 'uninstall') await bed.sim.connect.uninstall();
      else {
        if (!bed.sim.site.findApp(app.key)) bed.sim.site.apps.set(app.key, app);
        await bed.sim.connect.disable({ appKey: app.key });
      }
    }
    const tenantId = (await bed.connect.findTenantIdByClientKey(clientKey))!;
    const stored = await bed.control.db.selectFrom('tenants').select(['state', 'enabled']).where('id', '=', tenantId).executeTakeFirstOrThrow();
    expect(stored.state).toBe('uninstalled');
    expect(await bed.registry.listInstalled()).toEqual([]);
    expect(bed.events.filter((e) => e.type === 'uninstalled')).toHaveLength(1);
    const token = contextToken({ clientKey, sharedSecret, nowMs: bed.sim.clock.now() });
    expect((await bed.app.request('/api/session', { headers: { authorization: `JWT ${token}` } })).status).toBe(401);
  });

  it('writes every lifecycle step to the audit log, without secrets', async () => {
    bed = await createTallyTestbed();
    const first = await installed(bed);
    await bed.sim.connect.disable();
    await bed.sim.connect.enable();
    const second = await installed(bed);
    await bed.sim.connect.uninstall();
    await bed.sim.connect.install(bed.descriptorUrl, { payload: { clientKey: 'imported-site', baseUrl: 'https://169.254.169.254' } });
    await bed.tally.queue.idle();
    const entries = await bed.audit.listAudit();
    expect(entries.map((e) => e.event)).toEqual([
      'tenant.installed',
      'tenant.disabled',
      'tenant.enabled',
      'tenant.reinstalled',
      'tenant.uninstalled',
      // The uninstall purge, step by step (test/e2e/uninstall-purge.test.ts).
      'tenant.purge_started',
      ...Array.from({ length: 5 }, () => 'tenant.purge_step'),
      'tenant.purged',
    ]);
    const text = JSON.stringify(entries);
    expect(text).not.toContain(first.sharedSecret);
    expect(text).not.toContain(second.sharedSecret);
  });

  it('audits a refused install of a hostile base URL', async () => {
    bed = await createTallyTestbed();
    const refused = await bed.sim.connect.install(bed.descriptorUrl, { payload: { baseUrl: 'https://169.254.169.254' } });
    expect(refused.status).toBe(403);
    expect((await bed.audit.listAudit()).map((e) => [e.event, e.detail?.reason])).toEqual([['tenant.install_rejected', 'base_url_not_allowed']]);
  });

  it('re-installs an uninstalled site under the same tenant id', async () => {
    bed = await createTallyTestbed();
    const { clientKey } = await installed(bed);
    const tenantId = (await bed.connect.findCredentialsByClientKey(clientKey))!.tenant.id;
    await bed.sim.connect.uninstall();
    await installed(bed);
    const events = bed.events.filter((e) => e.type === 'installed').map((e) => e.payload);
    expect(events.at(-1)).toEqual({ tenantId, created: false, reinstalled: true });
  });

  it('answers a failing install-keys service with a retryable error, records nothing, and succeeds on the next attempt', async () => {
    bed = await createTallyTestbed();
    bed.sim.faults.add({ kind: 'status', status: 500, match: { path: '/connect-install-keys' } });
    const failed = await bed.sim.connect.install(bed.descriptorUrl);
    expect(failed.ok).toBe(false);
    expect(failed.status).toBe(503);
    expect(await bed.registry.listInstalled()).toEqual([]);
    expect(bed.events).toEqual([]);
    expect((await installed(bed)).status).toBe(204);
  });

  it('hands worklog webhooks to the sync as hints, signed deliveries only', async () => {
    bed = await createTallyTestbed();
    const { clientKey } = await installed(bed);
    const issue = [...bed.sim.site.issues.values()][0]!;
    const worklog = bed.sim.site.createWorklog({ issueId: issue.id, authorId: bed.sim.generated!.users[0]!.accountId, comment: undefined, startedMs: bed.sim.clock.now(), timeSpentSeconds: 60 });
    bed.sim.site.deleteWorklog(worklog.id);
    await bed.sim.connect.webhooks.flush();
    const hints = bed.events.filter((e) => e.type === 'worklogWebhook').map((e) => e.payload);
    const tenantId = (await bed.connect.findCredentialsByClientKey(clientKey))!.tenant.id;
    expect(hints).toEqual([
      expect.objectContaining({ tenantId, event: 'worklog_created', worklogId: String(worklog.id), issueId: String(issue.id), deliveryId: expect.any(String) }),
      expect.objectContaining({ tenantId, event: 'worklog_deleted', worklogId: String(worklog.id) }),
    ]);
    expect(bed.sim.connect.webhooks.delivered().every((attempt) => attempt.status === 202)).toBe(true);
  });

  it('sets the security headers on every answer, refusals included', async () => {
    bed = await createTallyTestbed();
    for (const path of ['/atlassian-connect.json', '/api/session', '/pages/reports', '/nope']) {
      const response = await bed.app.request(path);
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(response.headers.get('cache-control'), path).toContain('no-store');
      expect(response.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(response.headers.get('content-security-policy'), path).toContain('frame-ancestors');
      expect(response.headers.get('strict-transport-security'), path).toContain('max-age=31536000');
    }
  });
});
