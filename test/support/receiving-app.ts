import { Hono, type Context } from 'hono';
import { createQueryStringHash, decodeSymmetric, fromMethodAndUrl, SymmetricAlgorithm } from 'atlassian-jwt';
import { decodeProtectedHeader, importSPKI, jwtVerify } from 'jose';
import type { SimFetch } from '../../simulator/connect/app-call.js';

/** One call the receiving app got, and whether its token passed the app's checks. */
export interface ReceivedCall {
  kind: 'installed' | 'uninstalled' | 'enabled' | 'disabled' | 'webhook';
  accepted: boolean;
  reason?: string;
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown> | undefined;
  claims?: Record<string, unknown>;
}

/** Options of {@link createReceivingApp}. */
export interface ReceivingAppOptions {
  /** The descriptor `baseUrl`; its path, if any, prefixes every route. */
  baseUrl: string;
  /** Where the install keys live (the simulator's `connect.installKeysUrl`). */
  installKeysUrl: () => string;
  /** How the app reaches the install-keys endpoint. */
  keyFetch: SimFetch;
  /** The app's clock for `exp` checks (the simulator's clock in in-process tests). */
  nowMs: () => number;
}

/**
 * TEST FIXTURE: a minimal Connect app that checks what Jira sends the way a careful app does —
 * RS256 install tokens against the install-keys endpoint (`aud`, `iss` = body clientKey, `qsh`),
 * HS256 lifecycle and webhook tokens against the stored shared secret (`iss`, `exp`, `qsh`).
 * Refused calls get 401. Webhook answers come from `webhookStatuses` (then 200).
 */
export function createReceivingApp(options: ReceivingAppOptions) {
  const prefix = new URL(options.baseUrl).pathname.replace(/\/+$/, '');
  const state = {
    baseUrl: options.baseUrl,
    calls: [] as ReceivedCall[],
    tenant: undefined as { clientKey: string; sharedSecret: string; siteUrl: string; installed: boolean } | undefined,
    installedStatus: 204,
    webhookStatuses: [] as number[],
    /** Resolves `waitForCall` promises as calls arrive. */
    waiters: [] as { match: (call: ReceivedCall) => boolean; resolve: (call: ReceivedCall) => void }[],
  };
  const app = new Hono().basePath(prefix);

  const tokenOf = (c: Context) => c.req.header('authorization')?.replace(/^JWT /, '') ?? '';
  const qshOf = (c: Context) => createQueryStringHash(fromMethodAndUrl(c.req.method, c.req.url), false, state.baseUrl);
  const sec = () => Math.floor(options.nowMs() / 1000);

  const verifyInstall = async (c: Context, body: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const token = tokenOf(c);
    if (!token) throw new Error('no token');
    const header = decodeProtectedHeader(token);
    if (header.alg !== 'RS256' || typeof header.kid !== 'string') throw new Error('not an RS256 token with a kid');
    const keyResponse = await options.keyFetch(`${options.installKeysUrl()}/${encodeURIComponent(header.kid)}`);
    if (keyResponse.status !== 200) throw new Error(`unknown kid (${keyResponse.status})`);
    const key = await importSPKI(await keyResponse.text(), 'RS256');
    const { payload } = await jwtVerify(token, key, { algorithms: ['RS256'], audience: state.baseUrl, currentDate: new Date(options.nowMs()) });
    if (payload.iss !== body.clientKey) throw new Error('iss is not the clientKey');
    if (payload.qsh !== qshOf(c)) throw new Error('qsh mismatch');
    return payload as Record<string, unknown>;
  };

  const verifyShared = (c: Context): Record<string, unknown> => {
    const token = tokenOf(c);
    if (!token || !state.tenant) throw new Error('no token or no tenant');
    const unverified = decodeSymmetric(token, '', SymmetricAlgorithm.HS256, true) as Record<string, unknown>;
    if (unverified.iss !== state.tenant.clientKey) throw new Error('unknown issuer');
    const claims = decodeSymmetric(token, state.tenant.sharedSecret, SymmetricAlgorithm.HS256) as Record<string, unknown>;
    if (typeof claims.exp !== 'number' || sec() >= claims.exp) throw new Error('expired');
    if (claims.qsh !== qshOf(c)) throw new Error('qsh mismatch');
    return claims;
  };

  const record = (c: Context, kind: ReceivedCall['kind'], body: Record<string, unknown> | undefined, result: { claims?: Record<string, unknown>; reason?: string }, status: number) => {
    const headers: Record<string, string> = {};
    c.req.raw.headers.forEach((value, name) => (headers[name] = value));
    const call: ReceivedCall = { kind, accepted: result.reason === undefined, status, headers, body, ...result };
    state.calls.push(call);
    state.waiters = state.waiters.filter((w) => (w.match(call) ? (w.resolve(call), false) : true));
    return c.body(null, status as 200);
  };

  const readBody = async (c: Context) => {
    const text = await c.req.text();
    return text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  };

  app.get('/atlassian-connect.json', (c) =>
    c.json({
      key: 'tally-test-app',
      name: 'Tally (test)',
      baseUrl: state.baseUrl,
      authentication: { type: 'jwt' },
      lifecycle: { installed: '/installed', uninstalled: '/uninstalled', enabled: '/enabled', disabled: '/disabled' },
      apiMigrations: { 'signed-install': true, 'context-qsh': true, gdpr: true },
      scopes: ['READ', 'WRITE', 'DELETE'],
      modules: {
        webhooks: ['worklog_created', 'worklog_updated', 'worklog_deleted'].map((event) => ({ event, url: '/webhooks/worklog?source=jira' })),
      },
    }),
  );

  for (const kind of ['installed', 'uninstalled'] as const) {
    app.post(`/${kind}`, async (c) => {
      const body = (await readBody(c)) ?? {};
      try {
        const claims = await verifyInstall(c, body);
        if (kind === 'uninstalled') {
          if (state.tenant) state.tenant.installed = false;
          return record(c, kind, body, { claims }, 204);
        }
        if (state.installedStatus === 200 || state.installedStatus === 204) {
          state.tenant = { clientKey: String(body.clientKey), sharedSecret: String(body.sharedSecret), siteUrl: String(body.baseUrl), installed: true };
        }
        return record(c, kind, body, { claims }, state.installedStatus);
      } catch (error) {
        return record(c, kind, body, { reason: error instanceof Error ? error.message : String(error) }, 401);
      }
    });
  }

  for (const kind of ['enabled', 'disabled', 'webhook'] as const) {
    app.post(kind === 'webhook' ? '/webhooks/worklog' : `/${kind}`, async (c) => {
      const body = await readBody(c);
      try {
        const claims = verifyShared(c);
        return record(c, kind, body, { claims }, kind === 'webhook' ? (state.webhookStatuses.shift() ?? 200) : 204);
      } catch (error) {
        return record(c, kind, body, { reason: error instanceof Error ? error.message : String(error) }, 401);
      }
    });
  }

  const fetch: SimFetch = (input, init) => Promise.resolve(app.request(input instanceof URL ? input.href : input, init));
  return {
    app,
    fetch,
    state,
    get descriptorUrl() {
      return `${state.baseUrl}/atlassian-connect.json`;
    },
    /** Resolves with the first call (already received or future) that matches. */
    waitForCall: (match: (call: ReceivedCall) => boolean): Promise<ReceivedCall> => {
      const seen = state.calls.find(match);
      return seen ? Promise.resolve(seen) : new Promise((resolve) => state.waiters.push({ match, resolve }));
    },
    /** Webhooks the app accepted, in arrival order. */
    webhooks: () => state.calls.filter((call) => call.kind === 'webhook' && call.accepted),
  };
}

/** The receiving app's type. */
export type ReceivingApp = ReturnType<typeof createReceivingApp>;
