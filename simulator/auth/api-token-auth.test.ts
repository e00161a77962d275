import { describe, expect, it } from 'vitest';
import { createSelfHostedTestbed } from '../testing/self-hosted-testbed.js';

const DAY_MS = 86_400_000;

interface FeedPage {
  values: { worklogId: number }[];
  self: string;
  nextPage?: string;
}

describe('classic API tokens', () => {
  it('act as their user on the site URL, with that user\'s worklog visibility', async () => {
    const bed = createSelfHostedTestbed();
    const open = bed.logWork(bed.alice);
    const restricted = bed.logWork(bed.alice, 'payroll');
    bed.sim.clock.advance(120_000);
    const aliceToken = bed.sim.site.createApiToken({ accountId: bed.alice.accountId, kind: 'classic' });
    const bobToken = bed.sim.site.createApiToken({ accountId: bed.bob.accountId, kind: 'classic' });

    const me = await bed.site('/rest/api/3/myself', bed.basic(bed.bob, bobToken));
    expect(await me.json()).toMatchObject({ accountId: bed.bob.accountId });
    const ids = async (token: string, who = bed.alice) =>
      ((await (await bed.site('/rest/api/3/worklog/updated?since=0', bed.basic(who, token))).json()) as FeedPage).values.map((v) => v.worklogId);
    expect(await ids(aliceToken)).toEqual([open, restricted]);
    expect(await ids(bobToken, bed.bob)).toEqual([open]);
  });

  it('are refused at the gateway by default, and accepted there when the switch says so', async () => {
    const refusing = createSelfHostedTestbed();
    const token = refusing.sim.site.createApiToken({ accountId: refusing.bob.accountId, kind: 'classic' });
    expect((await refusing.gateway('/rest/api/3/myself', refusing.basic(refusing.bob, token))).status).toBe(401);

    const accepting = createSelfHostedTestbed({ apiTokens: { classicTokenOnGateway: 'accept' } });
    const accepted = accepting.sim.site.createApiToken({ accountId: accepting.bob.accountId, kind: 'classic' });
    expect((await accepting.gateway('/rest/api/3/myself', accepting.basic(accepting.bob, accepted))).status).toBe(200);
  });

  it('are refused with another user\'s email or a wrong token', async () => {
    const bed = createSelfHostedTestbed();
    const token = bed.sim.site.createApiToken({ accountId: bed.bob.accountId, kind: 'classic' });
    expect((await bed.site('/rest/api/3/myself', bed.basic(bed.alice, token))).status).toBe(401);
    expect((await bed.site('/rest/api/3/myself', bed.basic(bed.bob, `${token}x`))).status).toBe(401);
  });
});

describe('scoped API tokens', () => {
  it('work only through api.atlassian.com/ex/jira/{cloudId}: the site URL answers 401', async () => {
    const bed = createSelfHostedTestbed();
    const token = bed.sim.site.createApiToken({ accountId: bed.bob.accountId, kind: 'scoped', scopes: ['read:jira-user'] });
    const auth = bed.basic(bed.bob, token);

    expect((await bed.site('/rest/api/3/myself', auth)).status).toBe(401);
    const me = await bed.gateway('/rest/api/3/myself', auth);
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ accountId: bed.bob.accountId });
  });

  it('answer 401 "scope does not match" for an operation their scopes do not cover', async () => {
    const bed = createSelfHostedTestbed();
    const token = bed.sim.site.createApiToken({ accountId: bed.bob.accountId, kind: 'scoped', scopes: ['read:jira-work'] });
    const auth = bed.basic(bed.bob, token);

    const me = await bed.gateway('/rest/api/3/myself', auth);
    expect(me.status).toBe(401);
    expect(await me.json()).toEqual({ errorMessages: ['Unauthorized; scope does not match'], errors: {} });
    expect((await bed.gateway('/rest/api/3/worklog/updated?since=0', auth)).status).toBe(200);
    expect((await bed.gateway('/rest/api/2/worklog/deleted?since=0', auth)).status).toBe(200);
    const write = await bed.gateway(`/rest/api/3/issue/${bed.issue.key}/worklog`, auth, {
      method: 'POST',
      body: JSON.stringify({ started: '2026-11-23T08:00:00.000+0000', timeSpentSeconds: 60 }),
    });
    expect(write.status).toBe(401);
    expect((await bed.gateway('/rest/api/3/serverInfo', auth)).status).toBe(200);
  });

  it('accept the granular equivalents of a classic scope', async () => {
    const bed = createSelfHostedTestbed();
    const granular = ['read:issue-worklog:jira', 'read:issue-worklog.property:jira'];
    const token = bed.sim.site.createApiToken({ accountId: bed.bob.accountId, kind: 'scoped', scopes: granular });
    const auth = bed.basic(bed.bob, token);

    expect((await bed.gateway('/rest/api/3/worklog/updated?since=0', auth)).status).toBe(200);
    expect((await bed.gateway('/rest/api/3/worklog/list', auth, { method: 'POST', body: '{"ids":[1]}' })).status).toBe(401);
  });

  it('answer the configured status for a scope mismatch', async () => {
    const bed = createSelfHostedTestbed({ apiTokens: { scopeMismatchStatus: 403 } });
    const token = bed.sim.site.createApiToken({ accountId: bed.bob.accountId, kind: 'scoped', scopes: ['read:jira-work'] });
    expect((await bed.gateway('/rest/api/3/myself', bed.basic(bed.bob, token))).status).toBe(403);
  });
});

describe('token lifetime', () => {
  it('answers 401 everywhere once a token is revoked', async () => {
    const bed = createSelfHostedTestbed();
    const classic = bed.sim.site.createApiToken({ accountId: bed.bob.accountId, kind: 'classic' });
    const scoped = bed.sim.site.createApiToken({ accountId: bed.bob.accountId, kind: 'scoped', scopes: ['read:jira-user'] });
    expect((await bed.site('/rest/api/3/myself', bed.basic(bed.bob, classic))).status).toBe(200);

    expect(bed.sim.site.revokeApiToken(classic)).toBe(true);
    expect(bed.sim.site.revokeApiToken(scoped)).toBe(true);
    expect((await bed.site('/rest/api/3/myself', bed.basic(bed.bob, classic))).status).toBe(401);
    expect((await bed.gateway('/rest/api/3/myself', bed.basic(bed.bob, scoped))).status).toBe(401);
    expect(bed.sim.site.revokeApiToken('never-issued')).toBe(false);
  });

  it('answers 401 from the expiry on the site clock, one year by default', async () => {
    const bed = createSelfHostedTestbed();
    const short = bed.sim.site.createApiToken({ accountId: bed.bob.accountId, kind: 'classic', expiresAtMs: bed.sim.clock.now() + DAY_MS });
    const yearly = bed.sim.site.createApiToken({ accountId: bed.bob.accountId, kind: 'classic' });
    bed.sim.clock.advance(DAY_MS);
    expect((await bed.site('/rest/api/3/myself', bed.basic(bed.bob, short))).status).toBe(401);
    expect((await bed.site('/rest/api/3/myself', bed.basic(bed.bob, yearly))).status).toBe(200);
    bed.sim.clock.advance(364 * DAY_MS);
    expect((await bed.site('/rest/api/3/myself', bed.basic(bed.bob, yearly))).status).toBe(401);
  });

  it('answers 401 for a deactivated user\'s tokens', async () => {
    const bed = createSelfHostedTestbed();
    const token = bed.sim.site.createApiToken({ accountId: bed.bob.accountId, kind: 'classic' });
    bed.bob.active = false;
    expect((await bed.site('/rest/api/3/myself', bed.basic(bed.bob, token))).status).toBe(401);
  });

  it('refuses to create a token Atlassian would not issue', () => {
    const bed = createSelfHostedTestbed();
    const create = (input: Partial<Parameters<typeof bed.sim.site.createApiToken>[0]>) => () =>
      bed.sim.site.createApiToken({ accountId: bed.bob.accountId, kind: 'classic', ...input });
    expect(create({ scopes: ['read:jira-work'] })).toThrow(RangeError);
    expect(create({ kind: 'scoped' })).toThrow(RangeError);
    expect(create({ kind: 'scoped', scopes: ['everything'] })).toThrow(RangeError);
    expect(create({ expiresAtMs: bed.sim.clock.now() + 366 * DAY_MS })).toThrow(RangeError);
    expect(create({ accountId: 'nobody' })).toThrow(RangeError);
  });

  it('hands out tokens of varying length with no marker of their kind', () => {
    const bed = createSelfHostedTestbed();
    const tokens = Array.from({ length: 20 }, (_, i) =>
      bed.sim.site.createApiToken({ accountId: bed.bob.accountId, ...(i % 2 ? { kind: 'scoped', scopes: ['read:jira-work'] } : { kind: 'classic' }) }),
    );
    expect(new Set(tokens.map((t) => t.length)).size).toBeGreaterThan(1);
    expect(new Set(tokens.map((t) => t.slice(0, 7))).size).toBe(1);
  });
});

describe('links through the gateway', () => {
  it('names the site host in nextPage by default, and the gateway when switched', async () => {
    const siteLinks = createSelfHostedTestbed();
    const token = siteLinks.sim.site.createApiToken({ accountId: siteLinks.bob.accountId, kind: 'scoped', scopes: ['read:jira-work'] });
    const page = (await (await siteLinks.gateway('/rest/api/3/worklog/updated?since=0', siteLinks.basic(siteLinks.bob, token))).json()) as FeedPage;
    expect(page.nextPage).toBe(`${siteLinks.sim.site.baseUrl}/rest/api/3/worklog/updated?since=0`);

    const gatewayLinks = createSelfHostedTestbed({ behaviour: { gatewayNextPageHost: 'gateway' } });
    const other = gatewayLinks.sim.site.createApiToken({ accountId: gatewayLinks.bob.accountId, kind: 'scoped', scopes: ['read:jira-work'] });
    const viaGateway = (await (await gatewayLinks.gateway('/rest/api/3/worklog/updated?since=0', gatewayLinks.basic(gatewayLinks.bob, other))).json()) as FeedPage;
    const base = `https://api.atlassian.com/ex/jira/${gatewayLinks.sim.cloudId}`;
    expect(viaGateway.nextPage).toBe(`${base}/rest/api/3/worklog/updated?since=0`);
    expect(viaGateway.self).toBe(`${base}/rest/api/3/worklog/updated?since=0`);
    const onSite = (await (await gatewayLinks.site('/rest/api/3/worklog/updated?since=0', gatewayLinks.basic(gatewayLinks.admin, gatewayLinks.sim.site.createApiToken({ accountId: gatewayLinks.admin.accountId, kind: 'classic' })))).json()) as FeedPage;
    expect(onSite.nextPage).toBe(`${gatewayLinks.sim.site.baseUrl}/rest/api/3/worklog/updated?since=0`);
  });
});

describe('GET /_edge/tenant_info', () => {
  it('answers the cloud id without credentials, the one the gateway routes by', async () => {
    const bed = createSelfHostedTestbed({ forge: { cloudId: '2f1c7a52-9b1e-4a43-8d4e-2a6b1c9d0e11' } });
    const response = await bed.sim.fetch(`${bed.sim.site.baseUrl}/_edge/tenant_info`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ cloudId: '2f1c7a52-9b1e-4a43-8d4e-2a6b1c9d0e11' });
    expect(bed.sim.cloudId).toBe('2f1c7a52-9b1e-4a43-8d4e-2a6b1c9d0e11');
    expect(bed.sim.forge.cloudId).toBe(bed.sim.cloudId);
  });
});
