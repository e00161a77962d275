import { describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { adminBasicAuth } from '../../test/support/sim-callers.js';
import { createForgeTestbed, type ForgeTestbed } from './testing/forge-testbed.js';

function anIssue(bed: ForgeTestbed) {
  return [...bed.sim.site.issues.values()].find((issue) => issue.timeTrackingEnabled)!;
}

function createdThroughSite(bed: ForgeTestbed) {
  const { site, generated } = bed.sim;
  return site.createWorklog({ issueId: anIssue(bed).id, authorId: generated!.admin.accountId, comment: undefined, startedMs: bed.sim.clock.now() - 3_600_000, timeSpentSeconds: 900 });
}

const eventCalls = (bed: ForgeTestbed) => bed.calls.filter((call) => call.path === '/forge/events');

describe('worklog events', () => {
  it('delivers a created worklog to /forge/events after the write returned, with a FIT and the system token', async () => {
    const bed = createForgeTestbed();
    const { sim } = bed;
    await sim.forge.install();
    const worklog = createdThroughSite(bed);
    expect(eventCalls(bed)).toHaveLength(0); // the site's write does not wait for the remote

    await sim.forge.idle();
    const [call] = eventCalls(bed);
    expect(call?.method).toBe('POST');
    expect(call?.body).toEqual({
      eventType: 'avi:jira:created:worklog',
      selfGenerated: false,
      timestamp: String(sim.clock.now()),
      worklog: {
        id: String(worklog.id),
        issueId: String(worklog.issueId),
        author: { accountId: worklog.authorId },
        updateAuthor: { accountId: worklog.updateAuthorId },
        started: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{4}$/),
        timeSpentSeconds: 900,
      },
      context: `ari:cloud:jira::site/${sim.forge.cloudId}`,
    });
    expect(call?.headers['x-forge-oauth-system']).toBe(sim.forge.systemToken());
    expect(call?.headers).not.toHaveProperty('x-forge-oauth-user');
    const claims = await bed.verifyFit(bed.fitOf(call!));
    expect(claims).toMatchObject({ app: { module: { type: 'core:endpoint', key: 'events-ep' } } });
    expect(claims).not.toHaveProperty('principal');
  });

  it('sends updated and deleted events in order', async () => {
    const bed = createForgeTestbed();
    const { sim } = bed;
    await sim.forge.install();
    const worklog = createdThroughSite(bed);
    sim.site.updateWorklog(worklog.id, { timeSpentSeconds: 1200 }, worklog.authorId);
    sim.site.deleteWorklog(worklog.id);
    await sim.forge.idle();

    expect(eventCalls(bed).map((call) => (call.body as { eventType: string }).eventType)).toEqual(['avi:jira:created:worklog', 'avi:jira:updated:worklog', 'avi:jira:deleted:worklog']);
  });

  it('marks events caused by this installation\'s tokens as selfGenerated, and others not', async () => {
    const bed = createForgeTestbed();
    const { sim } = bed;
    await sim.forge.install();
    const issue = anIssue(bed);
    const body = { timeSpentSeconds: 600, started: '2026-09-01T08:00:00.000+0000' };

    expect((await bed.api(`/rest/api/3/issue/${issue.id}/worklog`, sim.forge.systemToken(), { method: 'POST', body })).status).toBe(201);
    await sim.forge.invokeRemote({ accountId: sim.generated!.admin.accountId, path: '/api/x' });
    const userToken = bed.calls.at(-1)!.headers['x-forge-oauth-user']!;
    expect((await bed.api(`/rest/api/3/issue/${issue.id}/worklog`, userToken, { method: 'POST', body })).status).toBe(201);
    const basic = await sim.fetch(`${sim.site.baseUrl}/rest/api/3/issue/${issue.id}/worklog`, { method: 'POST', headers: { authorization: adminBasicAuth(sim), 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(basic.status).toBe(201);
    createdThroughSite(bed);
    await sim.forge.idle();

    expect(eventCalls(bed).map((call) => (call.body as { selfGenerated: boolean }).selfGenerated)).toEqual([true, true, false, false]);
  });

  it('marks a write the remote makes while handling an event as selfGenerated', async () => {
    const bed = createForgeTestbed();
    const { sim } = bed;
    await sim.forge.install();
    const issue = anIssue(bed);
    let replied = false;
    bed.behaviour.onCall = async (call) => {
      // The remote answers the first event by writing a worklog with the system token.
      if (call.path !== '/forge/events' || replied) return;
      replied = true;
      await bed.api(`/rest/api/3/issue/${issue.id}/worklog`, call.headers['x-forge-oauth-system']!, { method: 'POST', body: { timeSpentSeconds: 60, started: '2026-09-01T08:00:00.000+0000' } });
    };
    createdThroughSite(bed);
    await sim.forge.idle();

    expect(eventCalls(bed).map((call) => (call.body as { selfGenerated: boolean }).selfGenerated)).toEqual([false, true]);
  });

  it('sends nothing when the app is not installed or was uninstalled', async () => {
    const bed = createForgeTestbed();
    const { sim } = bed;
    createdThroughSite(bed);
    await sim.forge.install();
    await sim.forge.uninstall({ preUninstall: false });
    createdThroughSite(bed);
    await sim.forge.idle();

    expect(eventCalls(bed)).toHaveLength(0);
  });
});

describe('retries', () => {
  it('retries a failed delivery 60 s apart on the site clock with a flat retryContext, at most 4 times', async () => {
    const bed = createForgeTestbed();
    const { sim } = bed;
    await sim.forge.install();
    bed.behaviour.status = 503;
    const result = sim.forge.tick();
    await expect(result).resolves.toEqual({ ok: false, status: 503, attempts: 1, retryAtMs: sim.clock.now() + 60_000 });
    sim.clock.advance(59_999);
    await sim.forge.idle();
    expect(sim.forge.deliveries.filter((d) => d.kind === 'tick')).toHaveLength(1);

    for (let retry = 1; retry <= 5; retry++) {
      sim.clock.advance(60_000);
      await sim.forge.idle();
    }
    const ticks = sim.forge.deliveries.filter((d) => d.kind === 'tick');
    expect(ticks.map((d) => d.attempt)).toEqual([1, 2, 3, 4, 5]);
    expect(ticks[0]?.body).not.toHaveProperty('retryContext');
    expect(ticks[2]?.body).toMatchObject({ context: { cloudId: sim.forge.cloudId }, retryContext: { retryCount: 2, retryReason: 'INVALID_REMOTE_INVOCATION_ERROR', retryData: null } });
    expect(sim.forge.pending()).toEqual([]);
  });

  it('nests the retried body in payload when configured, and stops once the remote answers 2xx', async () => {
    const bed = createForgeTestbed({ forge: { retryEnvelope: 'payload' } });
    const { sim } = bed;
    await sim.forge.install();
    bed.behaviour.nextStatuses = [500];
    const worklog = createdThroughSite(bed);
    await sim.forge.idle();
    sim.clock.advance(60_000);
    await sim.forge.idle();
    sim.clock.advance(600_000);
    await sim.forge.idle();

    const events = eventCalls(bed);
    expect(events).toHaveLength(2);
    expect(events[1]?.body).toEqual({
      payload: { ...(events[0]?.body as object), retryContext: { retryCount: 1, retryReason: 'INVALID_REMOTE_INVOCATION_ERROR', retryData: null } },
    });
    expect(events[1]?.body).toMatchObject({ payload: { worklog: { id: String(worklog.id) } } });
  });

  it('gives TIMEOUT_ERROR and INVALID_FORGE_INVOCATION_TOKEN as reasons, with a fresh FIT per attempt', async () => {
    const bed = createForgeTestbed({ forge: { deliveryTimeoutMs: 50 } });
    const { sim } = bed;
    await sim.forge.install();
    bed.behaviour.hang = true;
    await expect(sim.forge.tick()).resolves.toMatchObject({ ok: false, status: 0, attempts: 1 });
    bed.behaviour.hang = false;
    bed.behaviour.nextStatuses = [401];
    sim.clock.advance(60_000);
    await sim.forge.idle();
    sim.clock.advance(60_000);
    await sim.forge.idle();

    const ticks = bed.calls.filter((call) => call.path === '/forge/tick');
    expect(ticks.map((call) => (call.body as { retryContext?: { retryReason: string } }).retryContext?.retryReason)).toEqual([undefined, 'TIMEOUT_ERROR', 'INVALID_FORGE_INVOCATION_TOKEN']);
    expect(sim.forge.deliveries.filter((d) => d.kind === 'tick').map((d) => d.transportError)).toEqual(['timeout', undefined, undefined]);
    const [first, second, third] = ticks.map((call) => decodeJwt(bed.fitOf(call)));
    expect([second!.iat! - first!.iat!, third!.iat! - second!.iat!]).toEqual([60, 60]);
    await expect(bed.verifyFit(bed.fitOf(ticks[2]!))).resolves.toBeDefined();
  });

  it('abandons pending retries of an installation that was removed', async () => {
    const bed = createForgeTestbed();
    const { sim } = bed;
    await sim.forge.install();
    bed.behaviour.status = 500;
    createdThroughSite(bed);
    await sim.forge.idle();
    await sim.forge.uninstall({ preUninstall: false });
    sim.clock.advance(60_000);
    await sim.forge.idle();

    expect(eventCalls(bed)).toHaveLength(1);
    expect(sim.forge.pending()).toEqual([]);
  });
});
