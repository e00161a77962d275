import { describe, expect, it } from 'vitest';
import { validateResponse } from './openapi-validator.js';
import { createValidatingFetch, OpenApiMismatchError } from './validating-fetch.js';
import { createSimulator } from '../../simulator/create-simulator.js';

const changed = (worklogId: unknown) => ({
  values: [{ worklogId, updatedTime: 1_700_000_000_000, properties: [] }],
  since: 0,
  until: 1_700_000_000_000,
  self: 'https://x.atlassian.net/rest/api/3/worklog/updated?since=0',
  lastPage: true,
});

const worklog = (comment: unknown) => ({
  self: 'https://x.atlassian.net/rest/api/2/issue/10001/worklog/5',
  comment,
  created: '2024-03-01T10:00:00.000+0100',
  updated: '2024-03-01T10:00:00.000+0100',
  started: '2024-03-01T09:00:00.000+0100',
  timeSpent: '1h',
  timeSpentSeconds: 3600,
  id: '5',
  issueId: '10001',
});

describe('validateResponse', () => {
  it('accepts a ChangedWorklogs page with numeric worklog ids', () => {
    expect(validateResponse({ method: 'GET', path: '/rest/api/3/worklog/updated?since=0', status: 200, body: changed(5) })).toEqual({
      ok: true,
      operation: 'GET /rest/api/3/worklog/updated',
    });
  });

  it('rejects a worklog id rendered as a string', () => {
    const result = validateResponse({ method: 'GET', path: '/rest/api/3/worklog/updated', status: 200, body: changed('5') });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors).toContain('/values/0/worklogId must be integer');
  });

  it('maps v2 worklog paths to the v3 schema with plain-string comments', () => {
    const v2 = { method: 'GET', path: '/rest/api/2/issue/PROJ-1/worklog/5', status: 200 };
    expect(validateResponse({ ...v2, body: worklog('did things') }).ok).toBe(true);
    const adf = { type: 'doc', version: 1, content: [] };
    expect(validateResponse({ ...v2, body: worklog(adf) }).ok).toBe(false);
    const v3 = { ...v2, path: '/rest/api/3/issue/PROJ-1/worklog/5' };
    expect(validateResponse({ ...v3, body: worklog(adf) }).ok).toBe(true);
    expect(validateResponse({ ...v3, body: worklog('did things') }).ok).toBe(false);
  });

  it('fails a path the excerpts do not describe', () => {
    const result = validateResponse({ method: 'GET', path: '/rest/api/3/dashboard', status: 200, body: {} });
    expect(result).toMatchObject({ ok: false, errors: expect.stringContaining('no schema') });
  });

  it('checks schema-less error statuses against ErrorCollection', () => {
    const notFound = { method: 'GET', path: '/rest/api/3/issue/X-1/worklog', status: 404 };
    expect(validateResponse({ ...notFound, body: { errorMessages: ['nope'], errors: {} } }).ok).toBe(true);
    expect(validateResponse({ ...notFound, body: { message: 'nope' } }).ok).toBe(false);
    expect(validateResponse({ ...notFound, body: undefined }).ok).toBe(true);
  });

  it('fails an undocumented success status and a body where the spec declares none', () => {
    expect(validateResponse({ method: 'GET', path: '/rest/api/3/myself', status: 204, body: undefined }).ok).toBe(false);
    expect(validateResponse({ method: 'DELETE', path: '/rest/api/3/issue/1/worklog/2', status: 204, body: { x: 1 } }).ok).toBe(false);
    expect(validateResponse({ method: 'DELETE', path: '/rest/api/3/issue/1/worklog/2', status: 204, body: undefined }).ok).toBe(true);
  });
});

describe('createValidatingFetch', () => {
  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

  it('throws on a mismatching body and records it', async () => {
    const fetch = createValidatingFetch(async () => json(changed('7')));
    await expect(fetch('https://x.atlassian.net/rest/api/3/worklog/deleted')).rejects.toBeInstanceOf(OpenApiMismatchError);
    expect(fetch.mismatches).toHaveLength(1);
  });

  it('returns the original, unread response when the body matches', async () => {
    const fetch = createValidatingFetch(async () => json(changed(7)));
    const response = await fetch('https://x.atlassian.net/rest/api/3/worklog/deleted?since=0');
    expect(response.bodyUsed).toBe(false);
    expect(((await response.json()) as { values: unknown[] }).values).toHaveLength(1);
    expect([...fetch.operations()]).toEqual(['GET /rest/api/3/worklog/deleted']);
    expect(fetch.calls[0]).toMatchObject({ path: '/rest/api/3/worklog/deleted?since=0', status: 200 });
  });

  it('passes non-REST paths through unchecked', async () => {
    const fetch = createValidatingFetch(async () => new Response('<html>'));
    expect((await fetch('https://x.atlassian.net/plugins/servlet/foo')).status).toBe(200);
    expect(fetch.calls).toHaveLength(0);
  });

  it('accepts the simulator worklog feed and worklog pages in v2 and v3', async () => {
    const sim = createSimulator({ clock: 'manual', generate: { worklogs: 50, issues: 10, users: 5 } });
    const { email, apiToken } = sim.generated?.adminCredentials ?? { email: '', apiToken: '' };
    const fetch = createValidatingFetch(sim.fetch);
    const headers = { authorization: `Basic ${Buffer.from(`${email}:${apiToken}`).toString('base64')}` };
    const issue = [...sim.site.worklogsByIssue].find(([, ids]) => ids.size > 0)?.[0];
    for (const version of ['2', '3']) {
      expect((await fetch(`${sim.site.baseUrl}/rest/api/${version}/worklog/updated?since=0`, { headers })).status).toBe(200);
      expect((await fetch(`${sim.site.baseUrl}/rest/api/${version}/issue/${issue}/worklog`, { headers })).status).toBe(200);
    }
    expect(fetch.calls.map((c) => c.operation)).toEqual([
      'GET /rest/api/2/worklog/updated',
      'GET /rest/api/2/issue/{issueIdOrKey}/worklog',
      'GET /rest/api/3/worklog/updated',
      'GET /rest/api/3/issue/{issueIdOrKey}/worklog',
    ]);
  });
});
