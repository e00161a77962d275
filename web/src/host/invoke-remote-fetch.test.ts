import { describe, expect, it } from 'vitest';
import { ApiError, isAbort } from '../api/api-error.js';
import { createTallyApi } from '../api/tally-api.js';
import { ENCODED_BODY_KEY, createInvokeRemoteFetch, type InvokeRemote, type InvokeRemoteInput } from './invoke-remote-fetch.js';

/** A stand-in for Forge's `invokeRemote`: records each request and answers from a script. */
function fakeInvokeRemote(answer: (input: InvokeRemoteInput) => unknown) {
  const requests: InvokeRemoteInput[] = [];
  const invokeRemote: InvokeRemote = async (input) => {
    requests.push(input);
    return answer(input);
  };
  return { requests, api: createTallyApi({ fetch: createInvokeRemoteFetch(async () => invokeRemote) }) };
}

const question = { from: '2026-03-01', to: '2026-03-31', groupBy: ['user' as const] };

describe('Tally API through invokeRemote (Forge Custom UI)', () => {
  it('sends each call as invokeRemote with a path, a method and a JSON object body, and no token of its own', async () => {
    const { requests, api } = fakeInvokeRemote((input) =>
      input.path === '/api/session'
        ? { status: 200, headers: { 'content-type': 'application/json' }, body: { tenantId: 't_1', siteUrl: 'https://a.atlassian.net', accountId: 'acc', timeZone: 'UTC' } }
        : { status: 200, headers: {}, body: { rows: [], nextCursor: null, total: { seconds: 0, worklogs: 0 } } },
    );
    expect((await api.session()).tenantId).toBe('t_1');
    await api.details(question, { limit: 50, cursor: 'c1' });
    expect(requests).toEqual([
      { path: '/api/session', method: 'GET', headers: { accept: 'application/json' } },
      { path: '/api/reports/details', method: 'POST', headers: { accept: 'application/json' }, body: { ...question, limit: 50, cursor: 'c1' } },
    ]);
  });

  it('reads an answer without a status as a success, as the documented contract has none', async () => {
    const { api } = fakeInvokeRemote(() => ({ headers: {}, body: { phase: 'incremental', fraction: 1, worklogsWritten: 7 } }));
    expect(await api.syncStatus()).toEqual({ phase: 'incremental', fraction: 1, worklogsWritten: 7 });
  });

  it('downloads an export the Forge edge sent as a base64 envelope with its bytes and file name', async () => {
    const bytes = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x00, 0xff, 0x80, 0x0a]);
    const { requests, api } = fakeInvokeRemote(() => ({
      status: 200,
      headers: { 'content-type': ['application/json'] },
      body: {
        [ENCODED_BODY_KEY]: {
          encoding: 'base64',
          contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
          contentDisposition: 'attachment; filename="tally-details-2026-03-01_2026-03-31.xlsx"',
          data: btoa(String.fromCharCode(...bytes)),
        },
      },
    }));
    const file = await api.exportFile(question, 'details', 'xlsx');
    expect(requests[0]).toMatchObject({ path: '/api/reports/export', method: 'POST', body: { ...question, kind: 'details', format: 'xlsx' } });
    expect(file.filename).toBe('tally-details-2026-03-01_2026-03-31.xlsx');
    expect(file.blob.type).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(new Uint8Array(await file.blob.arrayBuffer())).toEqual(bytes);
  });

  it("turns a non-2xx answer into Tally's error, whether the bridge resolves or rejects with it", async () => {
    const body = { error: { code: 'AUTH_FORBIDDEN', message: 'Only site admins may see this' } };
    for (const mode of ['resolve', 'reject'] as const) {
      const { api } = fakeInvokeRemote(() => {
        const answer = { status: 403, headers: {}, body };
        if (mode === 'reject') throw Object.assign(new Error('Remote returned 403'), answer);
        return answer;
      });
      const error = await api.syncStatus().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({ code: 'AUTH_FORBIDDEN', status: 403, message: 'Only site admins may see this' });
    }
  });

  it('reports a bridge failure without an answer as Tally being unreachable', async () => {
    const { api } = fakeInvokeRemote(() => {
      throw new Error('Invocation timed out after 25 s');
    });
    const error = await api.session().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', status: 0 });
  });

  it('rejects at once with an AbortError when the question is replaced, dropping the late answer', async () => {
    let release: (value: unknown) => void = () => {};
    const { api } = fakeInvokeRemote(() => new Promise((resolve) => (release = resolve)));
    const controller = new AbortController();
    const pending = api.summary(question, controller.signal).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 0));
    controller.abort();
    expect(isAbort(await pending)).toBe(true);
    release({ status: 200, headers: {}, body: {} });
  });

  it('loads the bridge once, on the first call', async () => {
    let loads = 0;
    const fetchViaForge = createInvokeRemoteFetch(async () => {
      loads += 1;
      return async () => ({ status: 204, headers: {} });
    });
    await fetchViaForge('/api/a');
    await fetchViaForge('/api/b', { method: 'POST', body: '{"x":1}' });
    expect(loads).toBe(1);
  });

  it('refuses what invokeRemote cannot carry: another origin, or a body that is not a JSON object', async () => {
    const fetchViaForge = createInvokeRemoteFetch(async () => async () => ({ status: 200, body: {} }));
    await expect(fetchViaForge('https://elsewhere.example/api/session')).rejects.toThrow(/only reaches Tally's remote/);
    await expect(fetchViaForge('/api/x', { method: 'POST', body: '[1,2]' })).rejects.toThrow(/JSON object/);
  });
});
