import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { appAuthorization, registerTestApp } from '../../test/support/sim-callers.js';
import { checkSimulatorResponse } from '../../test/support/simulator-response-check.js';
import type { SimulatorOptions } from '../create-simulator.js';
import { createSelfHostedTestbed } from '../testing/self-hosted-testbed.js';

/**
 * Atlassian's OpenAPI excerpts do not describe `/rest/webhooks/1.0/webhook`, so the global
 * response check would call every success there "no schema"; everything else is still checked.
 */
const inspectResponse: SimulatorOptions['inspectResponse'] = async (request, response) => {
  if (new URL(request.url).pathname.startsWith('/rest/webhooks/1.0/')) return;
  await checkSimulatorResponse(request, response);
};

interface Received {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** A receiving app answering `statuses` in turn, then 204. */
function receiver(statuses: number[] = []) {
  const calls: Received[] = [];
  const fetch = async (input: Request | string | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    calls.push({ url: request.url, headers: Object.fromEntries(request.headers), body: await request.text() });
    return new Response(null, { status: statuses.shift() ?? 204 });
  };
  return { calls, fetch };
}

function testbed(options: Partial<SimulatorOptions> = {}, statuses: number[] = []) {
  const app = receiver(statuses);
  const bed = createSelfHostedTestbed({ appFetch: app.fetch, inspectResponse, ...options });
  return { ...bed, received: app.calls };
}

const hmac = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
const json = (body: unknown): RequestInit => ({ method: 'POST', body: JSON.stringify(body) });
const HOOK = { name: 'Tally', url: 'https://tally.test/hooks/jira', events: ['worklog_created', 'worklog_updated', 'worklog_deleted'] };

describe('/rest/webhooks/1.0/webhook', () => {
  it('creates, lists, reads and deletes for a Jira administrator, never returning the secret', async () => {
    const bed = testbed();
    const auth = bed.basic(bed.admin, bed.sim.site.createApiToken({ accountId: bed.admin.accountId, kind: 'classic' }));

    const created = await bed.site('/rest/webhooks/1.0/webhook', auth, json({ ...HOOK, filters: { 'issue-related-events-section': 'project = TAL' }, excludeBody: false, secret: 's3cret' }));
    expect(created.status).toBe(201);
    const body = (await created.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ name: 'Tally', url: HOOK.url, events: HOOK.events, excludeBody: false, enabled: true });
    expect(String(body.self)).toBe(`${bed.sim.site.baseUrl}/rest/webhooks/1.0/webhook/1`);
    expect(JSON.stringify(body)).not.toContain('s3cret');

    const listed = await (await bed.site('/rest/webhooks/1.0/webhook', auth)).text();
    expect(JSON.parse(listed)).toHaveLength(1);
    expect(listed).not.toContain('s3cret');
    expect((await bed.site('/rest/webhooks/1.0/webhook/1', auth)).status).toBe(200);
    expect((await bed.site('/rest/webhooks/1.0/webhook/1', auth, { method: 'DELETE' })).status).toBe(204);
    expect((await bed.site('/rest/webhooks/1.0/webhook/1', auth)).status).toBe(404);
    expect(bed.sim.adminWebhooks.list()).toEqual([]);
  });

  it('answers 403 to a user who is not an administrator, and to apps', async () => {
    const bed = testbed();
    const user = bed.basic(bed.bob, bed.sim.site.createApiToken({ accountId: bed.bob.accountId, kind: 'classic' }));
    expect((await bed.site('/rest/webhooks/1.0/webhook', user, json(HOOK))).status).toBe(403);
    expect((await bed.site('/rest/webhooks/1.0/webhook', user)).status).toBe(403);
    const app = registerTestApp(bed.sim);
    expect((await bed.site('/rest/webhooks/1.0/webhook', appAuthorization(bed.sim, app, 'GET', '/rest/webhooks/1.0/webhook'))).status).toBe(403);
  });

  it('needs manage:jira-webhook from a scoped token, unless the switch asks for no scope', async () => {
    const bed = testbed();
    const withScope = bed.sim.site.createApiToken({ accountId: bed.admin.accountId, kind: 'scoped', scopes: ['manage:jira-webhook'] });
    const without = bed.sim.site.createApiToken({ accountId: bed.admin.accountId, kind: 'scoped', scopes: ['read:jira-work'] });
    expect((await bed.gateway('/rest/webhooks/1.0/webhook', bed.basic(bed.admin, withScope), json(HOOK))).status).toBe(201);
    expect((await bed.gateway('/rest/webhooks/1.0/webhook', bed.basic(bed.admin, without), json(HOOK))).status).toBe(401);

    const lenient = testbed({ apiTokens: { adminWebhookScopes: [] } });
    const token = lenient.sim.site.createApiToken({ accountId: lenient.admin.accountId, kind: 'scoped', scopes: ['read:jira-work'] });
    expect((await lenient.gateway('/rest/webhooks/1.0/webhook', lenient.basic(lenient.admin, token), json(HOOK))).status).toBe(201);
  });

  it('refuses a body without events, with a bad URL or bad JQL, with 400', async () => {
    const bed = testbed({ adminWebhooks: { requireHttps: true } });
    const auth = bed.basic(bed.admin, bed.sim.site.createApiToken({ accountId: bed.admin.accountId, kind: 'classic' }));
    expect((await bed.site('/rest/webhooks/1.0/webhook', auth, json({ ...HOOK, events: [] }))).status).toBe(400);
    expect((await bed.site('/rest/webhooks/1.0/webhook', auth, json({ ...HOOK, url: 'http://tally.test/hooks' }))).status).toBe(400);
    expect((await bed.site('/rest/webhooks/1.0/webhook', auth, json({ ...HOOK, filters: { 'issue-related-events-section': 'project = NOPE' } }))).status).toBe(400);
  });
});

describe('admin webhook deliveries', () => {
  it('POSTs the v2 worklog body signed with X-Hub-Signature over the raw bytes when a secret is set', async () => {
    const bed = testbed();
    bed.sim.adminWebhooks.register({ url: HOOK.url, events: ['worklog_created'], secret: 'It is a secret' });
    const id = bed.logWork(bed.alice);
    await bed.sim.adminWebhooks.flush();

    expect(bed.received).toHaveLength(1);
    const [call] = bed.received as [Received];
    expect(call.url).toBe(HOOK.url);
    expect(call.headers['x-hub-signature']).toBe(hmac('It is a secret', call.body));
    expect(call.headers['x-atlassian-webhook-identifier']).toMatch(/^[0-9a-f-]{36}$/);
    expect(call.headers['x-atlassian-webhook-retry']).toBeUndefined();
    const body = JSON.parse(call.body) as { timestamp: number; webhookEvent: string; worklog: Record<string, unknown>; issue?: unknown };
    expect(body).toMatchObject({ timestamp: bed.sim.clock.now(), webhookEvent: 'worklog_created', worklog: { id: String(id), issueId: String(bed.issue.id), comment: 'work' } });
    expect(body.issue).toBeUndefined();
  });

  it('sends no signature header for a webhook without a secret, and only the events it lists', async () => {
    const bed = testbed();
    bed.sim.adminWebhooks.register({ url: HOOK.url, events: ['worklog_deleted'] });
    const id = bed.logWork(bed.alice);
    bed.sim.site.updateWorklog(id, { timeSpentSeconds: 60 }, bed.alice.accountId);
    bed.sim.site.deleteWorklog(id);
    await bed.sim.adminWebhooks.flush();

    expect(bed.received.map((r) => (JSON.parse(r.body) as { webhookEvent: string }).webhookEvent)).toEqual(['worklog_deleted']);
    expect(bed.received[0]?.headers['x-hub-signature']).toBeUndefined();
  });

  it('retries a 503 later on the site clock with the same identifier and X-Atlassian-Webhook-Retry', async () => {
    const bed = testbed({}, [503]);
    bed.sim.adminWebhooks.register({ url: HOOK.url, events: ['worklog_created'], secret: 'k' });
    bed.logWork(bed.alice);
    await bed.sim.adminWebhooks.flush();
    expect(bed.sim.adminWebhooks.pending()).toHaveLength(1);

    bed.sim.clock.advance(15 * 60_000);
    await bed.sim.adminWebhooks.flush();
    const [first, second] = bed.received as [Received, Received];
    expect(second.headers['x-atlassian-webhook-identifier']).toBe(first.headers['x-atlassian-webhook-identifier']);
    expect(second.headers['x-atlassian-webhook-retry']).toBe('1');
    expect(second.headers['x-hub-signature']).toBe(hmac('k', second.body));
    expect(bed.sim.adminWebhooks.delivered().map((d) => d.outcome)).toEqual(['retry-scheduled', 'delivered']);
  });

  it('forges deliveries on demand: a wrong secret, no signature, a sha1 signature', async () => {
    const bed = testbed();
    bed.sim.adminWebhooks.register({ url: HOOK.url, events: ['worklog_created'], secret: 'k' });
    for (const tamper of ['wrong-secret', 'unsigned', 'sha1'] as const) {
      bed.sim.adminWebhooks.configure({ tamper });
      bed.logWork(bed.alice);
      await bed.sim.adminWebhooks.flush();
    }
    const [wrong, unsigned, sha1] = bed.received as [Received, Received, Received];
    expect(wrong.headers['x-hub-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(wrong.headers['x-hub-signature']).not.toBe(hmac('k', wrong.body));
    expect(unsigned.headers['x-hub-signature']).toBeUndefined();
    expect(sha1.headers['x-hub-signature']).toMatch(/^sha1=[0-9a-f]{40}$/);
  });

  it('fills ${worklog.id} and ${issue.id} in the target URL', async () => {
    const bed = testbed();
    bed.sim.adminWebhooks.register({ url: 'https://tally.test/hooks?wid=${worklog.id}&iid=${issue.id}', events: ['worklog_created'] });
    const id = bed.logWork(bed.alice);
    await bed.sim.adminWebhooks.flush();
    expect(bed.received[0]?.url).toBe(`https://tally.test/hooks?wid=${id}&iid=${bed.issue.id}`);
  });

  it('ignores the JQL filter for worklog events by default, and applies it when switched', async () => {
    for (const [applies, expected] of [[false, 1], [true, 0]] as const) {
      const bed = testbed({ adminWebhooks: { jqlFilterAppliesToWorklogEvents: applies } });
      bed.sim.site.addProject({ id: '10001', key: 'OPS', name: 'Ops' });
      bed.sim.adminWebhooks.register({ url: HOOK.url, events: ['worklog_created'], filters: { 'issue-related-events-section': 'project = OPS' } });
      bed.logWork(bed.alice);
      await bed.sim.adminWebhooks.flush();
      expect(bed.received).toHaveLength(expected);
    }
  });
});
