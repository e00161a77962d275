import { describe, expect, it } from 'vitest';
import { ApiError } from './api-error.js';
import { createTallyApi, filenameFromDisposition } from './tally-api.js';
import { createTokenSource, readMetaAuthScheme } from './token-source.js';

function recordingFetch(responses: Response[]) {
  const calls: { url: string; init: RequestInit | undefined }[] = [];
  const fetchFn = (async (input: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(input), init });
    const next = responses.shift();
    if (!next) throw new Error('no more responses');
    return next;
  }) as typeof fetch;
  return { calls, fetchFn };
}

describe('Tally API client', () => {
  it('sends the newest session token Tally answered with', async () => {
    const { calls, fetchFn } = recordingFetch([
      new Response('{"tenantId":"t_1"}', { headers: { 'x-tally-token': 'second' } }),
      new Response('{"tenantId":"t_1"}'),
    ]);
    const api = createTallyApi({ fetch: fetchFn, tokens: createTokenSource({ initialToken: 'first', findAp: () => undefined }) });
    await api.session();
    await api.session();
    expect(calls.map((c) => (c.init?.headers as Record<string, string>).authorization)).toEqual(['JWT first', 'JWT second']);
  });

  it('sends the token under the scheme the page names, JWT when it names none or a malformed one', async () => {
    const metaDoc = (content: string | null) => ({
      querySelector: (selector: string) => (content !== null && selector === 'meta[name="tally-auth-scheme"]' ? { getAttribute: () => content } : null),
    });
    expect(readMetaAuthScheme(metaDoc('TallySite'))).toBe('TallySite');
    expect(readMetaAuthScheme(metaDoc(null))).toBe('JWT');
    expect(readMetaAuthScheme(metaDoc('Tally Site x'))).toBe('JWT');
    const { calls, fetchFn } = recordingFetch([new Response('{}')]);
    const api = createTallyApi({ fetch: fetchFn, tokens: createTokenSource({ initialToken: 'csrf', findAp: () => undefined }), authScheme: readMetaAuthScheme(metaDoc('TallySite')) });
    await api.syncStatus();
    expect((calls[0]?.init?.headers as Record<string, string>).authorization).toBe('TallySite csrf');
  });

  it('asks AP for a context token inside Jira', async () => {
    const { calls, fetchFn } = recordingFetch([new Response('{}')]);
    const ap = { context: { getToken: (callback?: (token: string) => void) => callback?.('from-ap') } };
    const api = createTallyApi({ fetch: fetchFn, tokens: createTokenSource({ initialToken: 'meta', findAp: () => ap }) });
    await api.syncStatus();
    expect((calls[0]?.init?.headers as Record<string, string>).authorization).toBe('JWT from-ap');
  });

  it("turns Tally's error body into an error with its message and details", async () => {
    const body = { error: { code: 'REPORT_QUERY_INVALID', message: 'The report question is invalid', details: ['to: before from'] } };
    const { fetchFn } = recordingFetch([new Response(JSON.stringify(body), { status: 400 })]);
    const api = createTallyApi({ fetch: fetchFn, tokens: createTokenSource({ initialToken: 't', findAp: () => undefined }) });
    const error = await api.summary({ from: '2026-03-02', to: '2026-03-01', groupBy: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'REPORT_QUERY_INVALID', status: 400, message: 'The report question is invalid', details: ['to: before from'] });
  });

  it('reads export file names from Content-Disposition', () => {
    expect(filenameFromDisposition('attachment; filename="tally-details-2026-03.csv"')).toBe('tally-details-2026-03.csv');
    expect(filenameFromDisposition("attachment; filename=\"x.xlsx\"; filename*=UTF-8''Zeit%C3%BCbersicht.xlsx")).toBe('Zeitübersicht.xlsx');
    expect(filenameFromDisposition(null)).toBeUndefined();
  });

  it('creates pairing codes, lists linked workspaces and unlinks one by its id as a single path segment', async () => {
    const workspace = { id: 'bb_0123', edge: 'bitbucket-forge', installer: { username: 'ana', avatarUrl: null }, linkedAt: '2026-03-05T14:17:00.000Z' };
    const { calls, fetchFn } = recordingFetch([
      new Response(JSON.stringify({ code: 'ABCD-EFGH-JKMN-PQRS', expiresAt: '2026-03-05T14:32:00.000Z' }), { status: 201 }),
      new Response(JSON.stringify({ workspaces: [workspace] })),
      new Response(null, { status: 204 }),
    ]);
    const api = createTallyApi({ fetch: fetchFn, tokens: createTokenSource({ initialToken: 't', findAp: () => undefined }) });
    expect((await api.createPairingCode()).code).toBe('ABCD-EFGH-JKMN-PQRS');
    expect(await api.listLinkedWorkspaces()).toEqual([workspace]);
    await api.unlinkWorkspace('bb_0123/../x');
    expect(calls.map((c) => `${c.init?.method} ${c.url}`)).toEqual([
      'POST /api/bitbucket/pairing-codes',
      'GET /api/bitbucket/workspaces',
      'DELETE /api/bitbucket/workspaces/bb_0123%2F..%2Fx',
    ]);
  });

  it('rejects an unlink Tally refuses with its error code', async () => {
    const { fetchFn } = recordingFetch([new Response(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'Not linked to this site' } }), { status: 404 })]);
    const api = createTallyApi({ fetch: fetchFn, tokens: createTokenSource({ initialToken: 't', findAp: () => undefined }) });
    await expect(api.unlinkWorkspace('bb_9')).rejects.toMatchObject({ code: 'NOT_FOUND', status: 404 });
  });
});
