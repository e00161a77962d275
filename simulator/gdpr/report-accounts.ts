import { Hono } from 'hono';
import type { JiraSite, SimInstalledApp } from '../jira/jira-site.js';
import type { SimEnv } from '../http/sim-env.js';
import type { SimClock } from '../sim-clock.js';
import { peekJwt, verifyConnectJwt } from '../auth/connect-jwt.js';
import type { BearerAuthority } from '../auth/authenticate.js';

/*
 * Atlassian's Personal Data Reporting API (jira-connect-protocol.md §6), as the simulator serves
 * it in place of https://api.atlassian.com: `POST /app/report-accounts/`.
 */

/** The API's documented test accounts (user-privacy developer guide). */
export const GDPR_TEST_ACCOUNTS = { active: '5be24ad8b1653240376955d2', closed: '5be24ba3f91c106033269289' } as const;

/** The path of the API, as documented (with its trailing slash; the route also takes it without). */
export const REPORT_ACCOUNTS_PATH = '/app/report-accounts/';

/** At most this many accounts per request (§6). */
export const MAX_REPORTED_ACCOUNTS = 90;

/**
 * How `Cycle-Period` is written. The reference marks its format unverified: `seconds` (`604800`)
 * and `iso8601` (`P7D`) are the two readings apps assume; `none` sends no header.
 */
export type CyclePeriodFormat = 'seconds' | 'iso8601' | 'none';

/** Behaviour of the simulated API; all of it may be changed while a test runs. */
export interface GdprApiOptions {
  cyclePeriodFormat: CyclePeriodFormat;
  /** The period the header announces, in seconds (default 7 days, the documented default). */
  cyclePeriodSeconds: number;
  /** Clock skew tolerated on the app's JWT. */
  jwtLeewaySeconds: number;
}

/** A fabricated answer for the next request(s), before authentication (as a gateway would). */
export type GdprFailure = { status: 429; retryAfter?: string } | { status: 503; retryAfter?: string } | { status: 500 };

/** One request that passed authentication and validation, as the API received it. */
export interface ReportedRequest {
  atMs: number;
  /** The installation whose shared secret verified the token. */
  clientKey: string;
  accounts: { accountId: string; updatedAt: string }[];
  /** 200 (action required) or 204. */
  status: 200 | 204;
}

/** The simulated API and its control surface for tests. */
export interface GdprApi {
  readonly routes: Hono<SimEnv>;
  readonly options: GdprApiOptions;
  /** Every accepted request, oldest first. */
  readonly reported: readonly ReportedRequest[];
  /** Lets the API verify tokens of apps installed on `site` too (the API serves every site). */
  addSite(site: JiraSite): void;
  /**
   * Closes an account: reports of it answer `closed` from now on, and every known site shows the
   * user as an inactive "Former user" — the account id itself stays on its worklogs, as in Jira.
   */
  closeAccount(accountId: string): void;
  /** Marks the account's profile changed at `atMs` (default now): reports with an older `updatedAt` answer `updated`. */
  updateAccount(accountId: string, atMs?: number): void;
  /** Answers the next requests with these failures, one each, in order. */
  failNext(...failures: GdprFailure[]): void;
  /** Forgets the recorded requests. */
  clearReported(): void;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** A date-time in RFC 3339 §5.6 form that denotes a real instant (no 2023-02-30). */
export function isRfc3339DateTime(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = RFC3339.exec(value);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day && hour < 24 && minute < 60 && second < 61;
}

function errorBody(status: number, errorType: string, errorMessage: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ errorType, errorMessage }), { status, headers: { 'content-type': 'application/json', ...headers } });
}

function cyclePeriodHeader(options: GdprApiOptions): Record<string, string> {
  const seconds = Math.round(options.cyclePeriodSeconds);
  if (options.cyclePeriodFormat === 'none') return {};
  if (options.cyclePeriodFormat === 'seconds') return { 'Cycle-Period': String(seconds) };
  return { 'Cycle-Period': seconds % 86_400 === 0 ? `P${seconds / 86_400}D` : `PT${seconds}S` };
}

type BodyCheck = { ok: true; accounts: { accountId: string; updatedAt: string }[] } | { ok: false; message: string };

function checkBody(value: unknown): BodyCheck {
  if (typeof value !== 'object' || value === null || !Array.isArray((value as { accounts?: unknown }).accounts)) {
    return { ok: false, message: 'The body must be an object with an "accounts" array.' };
  }
  const accounts = (value as { accounts: unknown[] }).accounts;
  if (accounts.length === 0) return { ok: false, message: '"accounts" must not be empty.' };
  if (accounts.length > MAX_REPORTED_ACCOUNTS) return { ok: false, message: `At most ${MAX_REPORTED_ACCOUNTS} accounts per request.` };
  const checked: { accountId: string; updatedAt: string }[] = [];
  for (const [index, account] of accounts.entries()) {
    const { accountId, updatedAt } = (account ?? {}) as { accountId?: unknown; updatedAt?: unknown };
    if (typeof accountId !== 'string' || accountId.trim() === '') return { ok: false, message: `accounts[${index}].accountId must be a non-empty string.` };
    if (!isRfc3339DateTime(updatedAt)) return { ok: false, message: `accounts[${index}].updatedAt must be an RFC 3339 date-time.` };
    checked.push({ accountId, updatedAt });
  }
  return { ok: true, accounts: checked };
}

/**
 * Builds the simulated Personal Data Reporting API over `sites` (more with `addSite`). A request
 * is, in order: an injected failure if one is queued; 401 unless `Authorization: JWT <token>` is
 * an HS256 token of an app installed on a known site — `iss` = app key, signed with that
 * installation's shared secret (the one named by `aud`, if present; otherwise any that verifies),
 * `qsh` of `POST&/app/report-accounts&`, not expired; 400 `{errorType, errorMessage}` unless the
 * body holds 1–90 accounts with RFC 3339 `updatedAt`; then 200 with the accounts needing action
 * (`closed`, or `updated` when the profile changed after `updatedAt`) or 204, each with the
 * configured `Cycle-Period` header.
 */
export function createGdprApi(clock: SimClock, sites: JiraSite[], overrides: Partial<GdprApiOptions> = {}, bearer?: () => BearerAuthority | undefined): GdprApi {
  const options: GdprApiOptions = { cyclePeriodFormat: 'seconds', cyclePeriodSeconds: 7 * 86_400, jwtLeewaySeconds: 30, ...overrides };
  const known = [...sites];
  const closed = new Set<string>([GDPR_TEST_ACCOUNTS.closed]);
  const profileUpdatedAtMs = new Map<string, number>();
  const reported: ReportedRequest[] = [];
  const failures: GdprFailure[] = [];

  const installationsOf = (appKey: string, audience: unknown): SimInstalledApp[] => {
    const apps = known.map((site) => site.findApp(appKey)).filter((app): app is SimInstalledApp => app !== undefined);
    const named = Array.isArray(audience) ? audience[0] : audience;
    return typeof named === 'string' ? apps.filter((app) => app.clientKey === named) : apps;
  };

  const authenticate = (request: Request): { ok: true; app: SimInstalledApp } | { ok: false; reason: string } => {
    const header = request.headers.get('authorization') ?? '';
    // OAuth-style apps (a Forge remote's system token) send a bearer token (§6).
    const authority = bearer?.();
    if (header.startsWith('Bearer ') && authority) {
      const outcome = authority.authenticatePlatformCall(header.slice('Bearer '.length).trim());
      if (!outcome.ok) return { ok: false, reason: outcome.reason };
      return outcome.caller.kind === 'app' ? { ok: true, app: outcome.caller.app } : { ok: false, reason: 'a user token cannot report for the app' };
    }
    if (!header.startsWith('JWT ')) return { ok: false, reason: 'no JWT' };
    const token = header.slice(4).trim();
    const peeked = peekJwt(token);
    if (!peeked || typeof peeked.claims.iss !== 'string') return { ok: false, reason: 'malformed token' };
    const url = new URL(request.url);
    let reason = 'unknown issuer';
    for (const app of installationsOf(peeked.claims.iss, peeked.claims.aud)) {
      const check = verifyConnectJwt({
        token,
        method: request.method,
        pathAndQuery: url.pathname + url.search,
        secret: app.sharedSecret,
        nowSeconds: Math.floor(clock.now() / 1000),
        leewaySeconds: options.jwtLeewaySeconds,
      });
      if (check.ok) return { ok: true, app };
      reason = check.reason;
    }
    return { ok: false, reason };
  };

  const statusOf = (account: { accountId: string; updatedAt: string }): 'closed' | 'updated' | undefined => {
    if (closed.has(account.accountId)) return 'closed';
    const changedMs = profileUpdatedAtMs.get(account.accountId);
    return changedMs !== undefined && changedMs > Date.parse(account.updatedAt) ? 'updated' : undefined;
  };

  const routes = new Hono<SimEnv>();
  const handle = async (request: Request): Promise<Response> => {
    const failure = failures.shift();
    if (failure?.status === 500) return errorBody(500, 'INTERNAL_SERVER_ERROR', 'Injected failure.');
    if (failure !== undefined) {
      const headers: Record<string, string> = failure.retryAfter === undefined ? {} : { 'Retry-After': failure.retryAfter };
      return failure.status === 429 ? errorBody(429, 'TOO_MANY_REQUESTS', 'Rate limit exceeded.', headers) : new Response('Service Unavailable', { status: 503, headers });
    }
    const auth = authenticate(request);
    if (!auth.ok) return errorBody(401, 'UNAUTHORIZED', `The request is not authenticated (${auth.reason}).`);
    let body: unknown;
    try {
      body = JSON.parse(await request.text());
    } catch {
      return errorBody(400, 'BAD_REQUEST', 'The body is not valid JSON.');
    }
    const checked = checkBody(body);
    if (!checked.ok) return errorBody(400, 'BAD_REQUEST', checked.message);
    const actions = checked.accounts.flatMap((account) => {
      const status = statusOf(account);
      return status === undefined ? [] : [{ accountId: account.accountId, status }];
    });
    const status = actions.length > 0 ? 200 : 204;
    reported.push({ atMs: clock.now(), clientKey: auth.app.clientKey, accounts: checked.accounts, status });
    const headers = cyclePeriodHeader(options);
    if (status === 204) return new Response(null, { status, headers });
    return new Response(JSON.stringify({ accounts: actions }), { status, headers: { 'content-type': 'application/json', ...headers } });
  };
  routes.post(REPORT_ACCOUNTS_PATH, (c) => handle(c.req.raw));
  routes.post(REPORT_ACCOUNTS_PATH.replace(/\/$/, ''), (c) => handle(c.req.raw));

  return {
    routes,
    options,
    reported,
    addSite(site) {
      if (!known.includes(site)) known.push(site);
    },
    closeAccount(accountId) {
      closed.add(accountId);
      for (const site of known) {
        const user = site.users.get(accountId);
        if (user) site.addUser({ ...user, displayName: 'Former user', active: false, emailAddress: undefined });
      }
    },
    updateAccount(accountId, atMs = clock.now()) {
      profileUpdatedAtMs.set(accountId, atMs);
    },
    failNext(...next) {
      failures.push(...next);
    },
    clearReported() {
      reported.length = 0;
    },
  };
}
