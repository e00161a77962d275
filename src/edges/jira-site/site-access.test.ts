import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { authenticateByEdge } from '../../http/api-routes.js';
import { createErrorHandler, errorResponse } from '../../http/error-handler.js';
import { securityHeaders } from '../../http/security-headers.js';
import type { TallyEnv } from '../../http/tally-env.js';
import { AppError } from '../../platform/app-error.js';
import { createManualClock } from '../../platform/clock.js';
import { createLogger } from '../../platform/logger.js';
import { controlDialects } from '../../tenants/control-db-test-kit.js';
import type { Tenant, TenantId } from '../../tenants/tenant.js';
import { createSiteAccess, SITE_NO_WRITES, type SiteViewer } from './site-access.js';
import { MAX_FAILED_SIGN_INS_PER_WINDOW } from './site-access-attempts.js';
import { createSiteAccessStore } from './site-access-store.js';
import { useSiteAccessDb } from './site-access-test-kit.js';

const START_MS = Date.UTC(2026, 2, 2, 9, 0, 0);
const HOUR_MS = 3_600_000;

const VIEWER: SiteViewer = {
  tenant: { id: 't_0123456789abcdef01234567' as TenantId, platform: 'site', product: 'jira', baseUrl: 'https://acme.atlassian.net', state: 'installed', enabled: true, installedAtMs: START_MS, uninstalledAtMs: undefined, updatedAtMs: START_MS } as Tenant,
  accountId: '5b10ac8d82e05b22cc7d4ef5',
  jiraAccess: { baseUrl: 'https://acme.atlassian.net', authorize: async () => 'Basic x' },
};

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');

describe.each(controlDialects)('site access (%s)', (dialect) => {
  const db = useSiteAccessDb(dialect);

  /** The site's sign-in behind the app's own security headers, error mapping and `/api` dispatch. */
  function siteApp(options: { baseUrl?: string; viewer?: SiteViewer | undefined } = {}) {
    const clock = createManualClock(START_MS);
    const baseUrl = options.baseUrl ?? 'http://127.0.0.1:4100';
    const viewer = 'viewer' in options ? options.viewer : VIEWER;
    const access = createSiteAccess({ db: db.control().db, clock, baseUrl, viewer: async () => viewer });
    const app = new Hono<TallyEnv>();
    app.use('*', securityHeaders({ baseUrl }));
    app.route('/', access.routes);
    app.use('/api/*', authenticateByEdge([{ api: access.api }]));
    app.get('/api/session', (c) => c.json({ tenantId: c.get('tenant').id, accountId: c.get('accountId'), viewerSite: c.get('viewerJiraAccess')?.baseUrl }));
    app.get('/api/write-access', (c) => c.json({ writes: c.get('viewerWriteAccess') !== undefined, reason: c.get('viewerWriteUnavailableReason') ?? null }));
    app.notFound((c) => errorResponse(c, new AppError('NOT_FOUND', 'No such route')));
    app.onError(createErrorHandler(createLogger({ level: 'silent' })));
    const store = createSiteAccessStore({ db: db.control().db, clock });
    return { app, clock, store, api: access.api };
  }

  /** Signs in with `key`; the session id from the cookie and the CSRF token from the page. */
  async function signIn(app: Hono<TallyEnv>, key: string) {
    const answer = await app.request(`/site/access?key=${key}`);
    expect(answer.status).toBe(303);
    const sessionId = /tally_site_session=([^;]+)/.exec(answer.headers.get('set-cookie') ?? '')?.[1] ?? '';
    const page = await app.request('/', { headers: { cookie: `tally_site_session=${sessionId}` } });
    expect(page.status).toBe(200);
    const csrf = /<meta name="tally-token" content="([^"]+)">/.exec(await page.text())?.[1] ?? '';
    return { answer, sessionId, csrf, cookie: `tally_site_session=${sessionId}` };
  }

  const apiCall = (app: Hono<TallyEnv>, headers: Record<string, string>) => app.request('/api/session', { headers });
  const errorCode = async (response: Response) => ((await response.json()) as { error: { code: string } }).error.code;

  it('signs in with the link: an HttpOnly, SameSite=Strict session cookie for 12 hours, and the key leaves the address bar', async () => {
    const { app, store } = siteApp();
    const key = await store.mintAccessKey();
    const answer = await app.request(`/site/access?key=${key}`);
    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe('/site/signed-in');
    const cookie = answer.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^tally_site_session=[A-Za-z0-9_-]{43};/);
    expect(cookie.split(/;\s*/).slice(1).sort()).toEqual(['HttpOnly', 'Max-Age=43200', 'Path=/', 'SameSite=Strict']);
    expect(cookie).not.toContain(key);
    // The hop page moves on to the report page by itself, same-site, and never shows the key.
    const hop = await app.request('/site/signed-in');
    const hopHtml = await hop.text();
    expect(hopHtml).toContain('<meta http-equiv="refresh" content="0; url=/">');
    expect(hopHtml).toContain('<a href="/">Open the time reports</a>');
  });

  it('marks the cookie Secure when Tally is served over https', async () => {
    const { app, store } = siteApp({ baseUrl: 'https://tally.acme.test' });
    const answer = await app.request(`/site/access?key=${await store.mintAccessKey()}`);
    expect(answer.headers.get('set-cookie')).toMatch(/; Secure(;|$)/);
  });

  it('serves the report page to a signed-in browser with a TallySite token that is not the session id, uncached', async () => {
    const { app, store } = siteApp();
    const key = await store.mintAccessKey();
    const { sessionId, cookie } = await signIn(app, key);
    const page = await app.request('/', { headers: { cookie } });
    const html = await page.text();
    expect(page.headers.get('cache-control')).toMatch(/no-store/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(html).toContain('<meta name="tally-auth-scheme" content="TallySite">');
    const csrf = /<meta name="tally-token" content="([^"]+)">/.exec(html)?.[1];
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(csrf).not.toBe(sessionId);
    expect(html).not.toContain(sessionId);
    expect(html).not.toContain(key);
  });

  it('hands the page no way to write to Jira as the viewer, and says why (one API token for everyone)', async () => {
    const { app, store } = siteApp();
    const { cookie, csrf } = await signIn(app, await store.mintAccessKey());
    const answer = await app.request('/api/write-access', { headers: { cookie, authorization: `TallySite ${csrf}` } });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ writes: false, reason: SITE_NO_WRITES });
    expect(SITE_NO_WRITES).toMatch(/one API token/);
  });

  it('keeps only a SHA-256 of the session id: no row holds the id itself', async () => {
    const { app, store } = siteApp();
    const { sessionId } = await signIn(app, await store.mintAccessKey());
    const rows = await db.control().db.selectFrom('site_sessions' as never).selectAll().execute();
    expect(rows).toEqual([{ session_hash: sha256(sessionId), created_at_ms: START_MS, expires_at_ms: START_MS + 12 * HOUR_MS }]);
    expect(JSON.stringify(rows)).not.toContain(sessionId);
  });

  it('answers / without a session with the sign-in page (401) naming npx tally access-link', async () => {
    const { app } = siteApp();
    for (const headers of [{} as Record<string, string>, { cookie: 'tally_site_session=not-a-session' }, { cookie: `tally_site_session=${'a'.repeat(43)}` }]) {
      const page = await app.request('/', { headers });
      expect(page.status).toBe(401);
      const html = await page.text();
      expect(html).toContain('<code>npx tally access-link</code>');
      expect(html).not.toContain('tally-token');
    }
  });

  it('refuses a missing, wrong or malformed key with a 401 page that never repeats it', async () => {
    const { app, store } = siteApp();
    await store.mintAccessKey();
    const wrong = 'Wr0ngKeyWr0ngKeyWr0ngKeyWr0ngKeyWr0ngKeyWr0';
    for (const query of ['', '?key=', `?key=${wrong}`, '?key=%3Cscript%3Ealert(1)%3C%2Fscript%3E']) {
      const answer = await app.request(`/site/access${query}`);
      expect(answer.status).toBe(401);
      expect(answer.headers.get('set-cookie')).toBeNull();
      const html = await answer.text();
      expect(html).toContain('npx tally access-link');
      expect(html).not.toContain(wrong);
      expect(html).not.toContain('<script>');
    }
  });

  it('lets the page call the API with the cookie and its token, as the site\'s viewer', async () => {
    const { app, store } = siteApp();
    const { cookie, csrf } = await signIn(app, await store.mintAccessKey());
    const answer = await apiCall(app, { cookie, authorization: `TallySite ${csrf}` });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ tenantId: VIEWER.tenant.id, accountId: VIEWER.accountId, viewerSite: 'https://acme.atlassian.net' });
  });

  it('refuses an API call whose token belongs to another session, or that lacks the cookie or the token (CSRF)', async () => {
    const { app, store } = siteApp();
    const key = await store.mintAccessKey();
    const first = await signIn(app, key);
    const second = await signIn(app, key);
    const crossed = await apiCall(app, { cookie: first.cookie, authorization: `TallySite ${second.csrf}` });
    expect(crossed.status).toBe(401);
    expect(await errorCode(crossed)).toBe('AUTH_INVALID');
    const sessionIdAsToken = await apiCall(app, { cookie: first.cookie, authorization: `TallySite ${first.sessionId}` });
    expect(sessionIdAsToken.status).toBe(401);
    const noCookie = await apiCall(app, { authorization: `TallySite ${first.csrf}` });
    expect(noCookie.status).toBe(401);
    expect(await errorCode(noCookie)).toBe('AUTH_MISSING');
    // A cross-site form or image carries the cookie at most, never the header: nobody recognises it.
    const cookieOnly = await apiCall(app, { cookie: first.cookie });
    expect(cookieOnly.status).toBe(401);
    expect(await errorCode(cookieOnly)).toBe('AUTH_MISSING');
    const malformed = await apiCall(app, { cookie: first.cookie, authorization: `TallySite ${first.csrf} extra` });
    expect(await errorCode(malformed)).toBe('AUTH_INVALID');
  });

  it('leaves JWT and Bearer requests to the Connect and Forge edges', async () => {
    const { api } = siteApp();
    const recognises = async (authorization: string) => {
      let seen = false;
      const probe = new Hono<TallyEnv>().get('/', (c) => {
        seen = api.recognises(c);
        return c.text('');
      });
      await probe.request('/', { headers: { authorization } });
      return seen;
    };
    expect(await recognises('JWT abc')).toBe(false);
    expect(await recognises('Bearer abc')).toBe(false);
    expect(await recognises('TallySiteX abc')).toBe(false);
    expect(await recognises('tallysite abc')).toBe(true);
  });

  it('ends a session 12 hours after sign-in however busy it was, and deletes its row', async () => {
    const { app, store, clock } = siteApp();
    const { cookie, csrf, sessionId } = await signIn(app, await store.mintAccessKey());
    for (let hour = 1; hour < 12; hour++) {
      clock.advanceMs(HOUR_MS);
      expect((await apiCall(app, { cookie, authorization: `TallySite ${csrf}` })).status).toBe(200);
    }
    clock.advanceMs(HOUR_MS - 1);
    expect((await apiCall(app, { cookie, authorization: `TallySite ${csrf}` })).status).toBe(200);
    clock.advanceMs(1);
    const late = await apiCall(app, { cookie, authorization: `TallySite ${csrf}` });
    expect(late.status).toBe(401);
    expect(await errorCode(late)).toBe('AUTH_INVALID');
    expect((await app.request('/', { headers: { cookie } })).status).toBe(401);
    const rows = await db.control().db.selectFrom('site_sessions' as never).selectAll().execute();
    expect(rows.map((row) => (row as { session_hash: string }).session_hash)).not.toContain(sha256(sessionId));
  });

  it('sweeps expired sessions at the next sign-in', async () => {
    const { app, store, clock } = siteApp();
    const key = await store.mintAccessKey();
    await signIn(app, key);
    await signIn(app, key);
    clock.advanceMs(12 * HOUR_MS);
    const fresh = await signIn(app, key);
    const rows = (await db.control().db.selectFrom('site_sessions' as never).selectAll().execute()) as { session_hash: string }[];
    expect(rows.map((row) => row.session_hash)).toEqual([sha256(fresh.sessionId)]);
  });

  it('stops old links and signed-in browsers after a rotation', async () => {
    const { app, store } = siteApp();
    const key = await store.mintAccessKey();
    const { cookie, csrf } = await signIn(app, key);
    await store.rotate();
    expect((await app.request(`/site/access?key=${key}`)).status).toBe(401);
    expect((await app.request('/', { headers: { cookie } })).status).toBe(401);
    expect((await apiCall(app, { cookie, authorization: `TallySite ${csrf}` })).status).toBe(401);
  });

  it('signs out: the session ends and the cookie is cleared', async () => {
    const { app, store } = siteApp();
    const { cookie, csrf } = await signIn(app, await store.mintAccessKey());
    const out = await app.request('/site/sign-out', { method: 'POST', headers: { cookie } });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/^tally_site_session=; Max-Age=0;/);
    expect(await out.text()).toContain('signed out');
    expect((await app.request('/', { headers: { cookie } })).status).toBe(401);
    expect((await apiCall(app, { cookie, authorization: `TallySite ${csrf}` })).status).toBe(401);
  });

  it('answers API calls with a retryable 503 while the site edge is still starting', async () => {
    const { app, store } = siteApp({ viewer: undefined });
    const { cookie, csrf } = await signIn(app, await store.mintAccessKey());
    const answer = await apiCall(app, { cookie, authorization: `TallySite ${csrf}` });
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('5');
    expect(((await answer.json()) as { error: { message: string } }).error.message).toMatch(/still connecting/);
  });

  it('answers 429 for a minute after many wrong links, even to a good one, then signs in again', async () => {
    const { app, store, clock } = siteApp();
    const key = await store.mintAccessKey();
    for (let attempt = 0; attempt < MAX_FAILED_SIGN_INS_PER_WINDOW; attempt++) {
      expect((await app.request(`/site/access?key=guess${attempt}`)).status).toBe(401);
    }
    const braked = await app.request(`/site/access?key=${key}`);
    expect(braked.status).toBe(429);
    expect(await braked.text()).toContain('Wait a minute');
    clock.advanceMs(60_000);
    expect((await app.request(`/site/access?key=${key}`)).status).toBe(303);
  });
});
