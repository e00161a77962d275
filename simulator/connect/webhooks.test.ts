import { describe, expect, it } from 'vitest';
import { createConnectTestbed, type ConnectTestbed } from '../../test/support/connect-testbed.js';

const MINUTES_15 = 15 * 60_000;

async function installedBed(webhooks: Parameters<ConnectTestbed['sim']['connect']['webhooks']['configure']>[0] = {}) {
  const bed = createConnectTestbed();
  await bed.install();
  bed.sim.connect.webhooks.configure(webhooks);
  const issue = [...bed.sim.site.issues.values()].find((i) => i.timeTrackingEnabled);
  if (!issue) throw new Error('generated site has no issue with time tracking');
  const base = `/rest/api/3/issue/${issue.id}/worklog`;
  const createWorklog = async (text = 'Pairing on the sync') => {
    const response = await bed.restAsApp('POST', base, {
      body: {
        started: '2024-05-02T09:00:00.000+0000',
        timeSpentSeconds: 3600,
        comment: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] },
      },
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { id: string }).id;
  };
  return { bed, issue, base, createWorklog, webhooks: bed.sim.connect.webhooks };
}

const worklogIdOf = (call: { body: Record<string, unknown> | undefined }) => (call.body?.worklog as { id?: string } | undefined)?.id;

describe('worklog webhooks', () => {
  it('delivers created, updated and deleted as signed v2 bodies once flushed', async () => {
    const { bed, issue, base, createWorklog, webhooks } = await installedBed();
    const id = await createWorklog();
    expect((await bed.restAsApp('PUT', `${base}/${id}`, { body: { timeSpentSeconds: 7200 } })).status).toBe(200);
    expect((await bed.restAsApp('DELETE', `${base}/${id}`)).status).toBe(204);
    expect(bed.receiver.webhooks()).toHaveLength(0);

    const result = await webhooks.flush();
    expect(result).toMatchObject({ attempts: 3, delivered: 3 });
    const calls = bed.receiver.webhooks();
    expect(calls.map((c) => c.body?.webhookEvent)).toEqual(['worklog_created', 'worklog_updated', 'worklog_deleted']);
    const created = calls[0];
    expect(created?.body).toEqual({
      timestamp: bed.sim.clock.now(),
      webhookEvent: 'worklog_created',
      worklog: expect.objectContaining({
        id,
        issueId: String(issue.id),
        comment: 'Pairing on the sync',
        timeSpentSeconds: 3600,
        self: `${bed.sim.site.baseUrl}/rest/api/2/issue/${issue.id}/worklog/${id}`,
      }),
    });
    expect(calls[1]?.body?.worklog).toMatchObject({ id, timeSpentSeconds: 7200 });
    expect(calls[2]?.body?.worklog).toMatchObject({ id, issueId: String(issue.id), timeSpentSeconds: 7200 });
    for (const call of calls) {
      expect(call.headers['x-atlassian-webhook-identifier']).toMatch(/\S/);
      expect(call.headers['x-atlassian-webhook-flow']).toBe('Primary');
      expect(call.headers).not.toHaveProperty('x-atlassian-webhook-retry');
      expect(call.headers['content-type']).toBe('application/json');
      expect(call.claims?.iss).toBe(bed.sim.connect.clientKey);
    }
    expect(new Set(calls.map((c) => c.headers['x-atlassian-webhook-identifier'])).size).toBe(3);
  });

  it('can send only the ids of a deleted worklog', async () => {
    const { bed, base, createWorklog, webhooks } = await installedBed({ deletedBody: 'ids' });
    const id = await createWorklog();
    await bed.restAsApp('DELETE', `${base}/${id}`);
    await webhooks.flush();
    const deleted = bed.receiver.webhooks().find((c) => c.body?.webhookEvent === 'worklog_deleted');
    expect(deleted?.body?.worklog).toEqual({ id, issueId: expect.any(String) });
  });

  it('marks deliveries as Secondary when configured', async () => {
    const { bed, createWorklog, webhooks } = await installedBed({ flow: 'Secondary' });
    await createWorklog();
    await webhooks.flush();
    expect(bed.receiver.webhooks()[0]?.headers['x-atlassian-webhook-flow']).toBe('Secondary');
  });

  it('sends nothing to a disabled app', async () => {
    const { bed, createWorklog, webhooks } = await installedBed();
    await bed.sim.connect.disable();
    bed.sim.site.createWorklog({ issueId: [...bed.sim.site.issues.keys()][0] as number, authorId: [...bed.sim.site.users.keys()][0] as string, comment: undefined, startedMs: bed.sim.clock.now(), timeSpentSeconds: 60 });
    expect(await webhooks.flush()).toMatchObject({ attempts: 0 });
    await bed.sim.connect.enable();
    await createWorklog();
    expect(await webhooks.flush()).toMatchObject({ delivered: 1 });
  });
});

describe('webhook retries', () => {
  it('retries a 503 after the delay with the Retry header and the same identifier', async () => {
    const { bed, createWorklog, webhooks } = await installedBed();
    bed.receiver.state.webhookStatuses.push(503);
    await createWorklog();

    expect(await webhooks.flush()).toMatchObject({ attempts: 1, retryScheduled: 1 });
    expect(await webhooks.flush()).toMatchObject({ attempts: 0 });
    const due = webhooks.nextDueMs() as number;
    expect(due - bed.sim.clock.now()).toBeGreaterThanOrEqual(5 * 60_000);
    expect(due - bed.sim.clock.now()).toBeLessThanOrEqual(MINUTES_15);

    bed.sim.clock.advance(MINUTES_15);
    expect(await webhooks.flush()).toMatchObject({ attempts: 1, delivered: 1 });
    const [first, second] = bed.receiver.state.calls.filter((c) => c.kind === 'webhook');
    expect(first?.status).toBe(503);
    expect(first?.headers).not.toHaveProperty('x-atlassian-webhook-retry');
    expect(second?.status).toBe(200);
    expect(second?.headers['x-atlassian-webhook-retry']).toBe('1');
    expect(second?.headers['x-atlassian-webhook-identifier']).toBe(first?.headers['x-atlassian-webhook-identifier']);
    expect(webhooks.delivered().map((a) => a.outcome)).toEqual(['retry-scheduled', 'delivered']);
  });

  it.each([408, 409, 425, 429, 500, 502])('retries status %i', async (status) => {
    const { bed, createWorklog, webhooks } = await installedBed();
    bed.receiver.state.webhookStatuses.push(status);
    await createWorklog();
    expect(await webhooks.flush()).toMatchObject({ retryScheduled: 1 });
    expect(webhooks.pending()).toHaveLength(1);
  });

  it.each([400, 404, 401, 403])('does not retry status %i', async (status) => {
    const { bed, createWorklog, webhooks } = await installedBed();
    bed.receiver.state.webhookStatuses.push(status);
    await createWorklog();
    expect(await webhooks.flush()).toMatchObject({ attempts: 1, rejected: 1 });
    expect(webhooks.pending()).toHaveLength(0);
    bed.sim.clock.advance(MINUTES_15);
    expect(await webhooks.flush()).toMatchObject({ attempts: 0 });
  });

  it('retries when the app cannot be reached', async () => {
    const { bed, createWorklog, webhooks } = await installedBed();
    await createWorklog();
    bed.network.down = true;
    await webhooks.flush();
    expect(webhooks.delivered()[0]).toMatchObject({ outcome: 'retry-scheduled', status: 0, transportError: 'network-error' });
    bed.network.down = false;
    bed.sim.clock.advance(MINUTES_15);
    expect(await webhooks.flush()).toMatchObject({ delivered: 1 });
  });

  it('retries when the app does not answer in time', async () => {
    const { bed, createWorklog, webhooks } = await installedBed({ timeoutMs: 20 });
    await createWorklog();
    bed.network.hang = true;
    await webhooks.flush();
    expect(webhooks.delivered()[0]).toMatchObject({ outcome: 'retry-scheduled', status: 0, transportError: 'timeout' });
  });

  it('signs a retry after a re-install with the new secret', async () => {
    const { bed, createWorklog, webhooks } = await installedBed();
    bed.receiver.state.webhookStatuses.push(500);
    await createWorklog();
    await webhooks.flush();
    await bed.install();
    bed.sim.clock.advance(MINUTES_15);
    expect(await webhooks.flush()).toMatchObject({ delivered: 1 });
    expect(bed.receiver.state.calls.at(-1)).toMatchObject({ kind: 'webhook', accepted: true, status: 200, headers: { 'x-atlassian-webhook-retry': '1' } });
  });

  it('abandons a pending delivery when the app is uninstalled', async () => {
    const { bed, createWorklog, webhooks } = await installedBed();
    await createWorklog();
    await bed.sim.connect.uninstall();
    expect(await webhooks.flush()).toMatchObject({ attempts: 0, abandoned: 1 });
    expect(bed.receiver.state.calls.filter((c) => c.kind === 'webhook')).toHaveLength(0);
  });

  it('lets the app refuse a webhook signed with the wrong secret, without retrying', async () => {
    const { bed, createWorklog, webhooks } = await installedBed({ tamper: 'wrong-key' });
    await createWorklog();
    expect(await webhooks.flush()).toMatchObject({ rejected: 1 });
    expect(bed.receiver.state.calls.at(-1)).toMatchObject({ kind: 'webhook', accepted: false, status: 401 });
  });
});

describe('webhook faults', () => {
  it('delivers a duplicate with the same identifier', async () => {
    const { bed, createWorklog, webhooks } = await installedBed();
    webhooks.duplicateNext(1);
    await createWorklog('first');
    await createWorklog('second');
    await webhooks.flush();
    const ids = bed.receiver.webhooks().map((c) => c.headers['x-atlassian-webhook-identifier']);
    expect(ids).toHaveLength(3);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[0]);
  });

  it('duplicates every delivery with duplicateShare 1', async () => {
    const { bed, createWorklog, webhooks } = await installedBed({ duplicateShare: 1 });
    await createWorklog();
    await createWorklog();
    await webhooks.flush();
    expect(bed.receiver.webhooks()).toHaveLength(4);
  });

  it('delivers a flushed batch in reverse order', async () => {
    const { bed, createWorklog, webhooks } = await installedBed({ reorder: 'reverse' });
    const ids = [await createWorklog('a'), await createWorklog('b'), await createWorklog('c')];
    await webhooks.flush();
    expect(bed.receiver.webhooks().map(worklogIdOf)).toEqual([...ids].reverse());
  });

  it('shuffles a batch but still delivers every event once', async () => {
    const { bed, createWorklog, webhooks } = await installedBed({ reorder: 'shuffle', seed: 7 });
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push(await createWorklog(`w${i}`));
    await webhooks.flush();
    const received = bed.receiver.webhooks().map(worklogIdOf);
    expect(received).not.toEqual(ids);
    expect([...received].sort()).toEqual([...ids].sort());
  });

  it('drops a delivery without sending or listing it', async () => {
    const { bed, createWorklog, webhooks } = await installedBed();
    webhooks.dropNext(1);
    await createWorklog('lost');
    const kept = await createWorklog('kept');
    await webhooks.flush();
    expect(bed.receiver.webhooks().map(worklogIdOf)).toEqual([kept]);
    expect(webhooks.delivered().map((a) => a.outcome)).toEqual(['dropped', 'delivered']);
  });
});
