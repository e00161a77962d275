/**
 * Sign-in to the self-hosted site edge's report page. Nobody sees the page without a key:
 *
 * - `tally access-link` (site-access-command.ts) mints an access key — 32 random bytes, base64url,
 *   stored only as its SHA-256 — and prints `<baseUrl>/site/access?key=<key>`. Every key stays
 *   valid until `--rotate` deletes all keys and all sessions.
 * - `GET /site/access?key=…` checks the key's hash; a good key starts a server-side session
 *   (random id, stored hashed, ending {@link SITE_SESSION_LIFETIME_MS} after sign-in whatever
 *   happens in between), sets `tally_site_session=<id>; HttpOnly; SameSite=Strict; Path=/;
 *   Max-Age=…` (`Secure` when the base URL is https) and 303s to a key-free hop page that moves
 *   on to `/` (site-access-pages.ts `signedInPage` says why not straight to `/`). A bad key is a
 *   401 page; many bad keys in a minute a 429 page (site-access-attempts.ts).
 * - `GET /` with a live session is the report page, with the session's CSRF token
 *   (site-access-secrets.ts `csrfTokenOf`) and `<meta name="tally-auth-scheme" content="TallySite">`;
 *   without one, a 401 page saying how to sign in.
 * - `/api/*` with `Authorization: TallySite <token>` needs BOTH the cookie of a live session and
 *   that session's CSRF token (double submit: a cross-site page holds neither); the tenant and
 *   account are the site edge's one viewer — what the configured API token's account sees.
 *   Per-viewer Jira permissions need the Forge app.
 * - `GET`/`POST /site/sign-out` ends the session and clears the cookie.
 */
import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Kysely } from 'kysely';
import type { EdgeApiAuthentication } from '../edge.js';
import { renderReportPage } from '../../http/report-page.js';
import type { TallyEnv } from '../../http/tally-env.js';
import type { TenantJiraAccess } from '../../jira/jira-credentials.js';
import { AppError } from '../../platform/app-error.js';
import type { Clock } from '../../platform/clock.js';
import type { Tenant } from '../../tenants/tenant.js';
import { createSignInAttempts } from './site-access-attempts.js';
import { accessLinkRefusedPage, signedInPage, signedOutPage, signInRequiredPage, tooManyAttemptsPage } from './site-access-pages.js';
import { SITE_ACCESS_PATHS, SITE_AUTH_SCHEME, SITE_SESSION_COOKIE } from './site-access-paths.js';
import { constantTimeEquals, csrfTokenOf } from './site-access-secrets.js';
import { createSiteAccessStore, SITE_SESSION_LIFETIME_MS } from './site-access-store.js';

/** Why log work and the timer are off on the site edge (`/api/session` → `logWork.reason`). */
export const SITE_NO_WRITES =
  'This Tally reads Jira with one API token, so it cannot write worklogs as you: log work in Jira itself, or use Tally as a Connect or Forge app.';

export { SITE_ACCESS_MIGRATIONS, SITE_ACCESS_CATALOGUE } from './site-access-schema.js';
export { accessLinkCommand } from './site-access-command.js';

/** Who the site page's API calls act as: the site edge's tenant and its API token's account. */
export interface SiteViewer {
  tenant: Tenant;
  accountId: string;
  jiraAccess: TenantJiraAccess;
}

/** What {@link createSiteAccess} needs. */
export interface SiteAccessDeps {
  /** The control database, with `jira-site/002_access` applied. */
  db: Kysely<any>;
  clock: Clock;
  /** Tally's base URL (`config.baseUrl`): `Secure` cookies when it is https. */
  baseUrl: string;
  /** The viewer, once the site edge has started; undefined before (API calls then answer 503). */
  viewer(): Promise<SiteViewer | undefined>;
}

// `TallySite <token>`: one token of base64url characters, nothing after it.
const SITE_AUTHORIZATION = new RegExp(`^\\s*${SITE_AUTH_SCHEME}\\s+([A-Za-z0-9_-]+)\\s*$`, 'i');
const SITE_SCHEME = new RegExp(`^\\s*${SITE_AUTH_SCHEME}(\\s|$)`, 'i');

/** How long a not-yet-started site asks the page to wait before retrying. */
const STARTING_RETRY_AFTER_MS = 5_000;

function isHttps(baseUrl: string): boolean {
  try {
    return new URL(baseUrl).protocol === 'https:';
  } catch (error) {
    throw new AppError('CONFIG_INVALID', 'Site access: baseUrl is not a URL', { cause: error });
  }
}

/**
 * Builds the site edge's sign-in routes (`/`, `/site/access`, `/site/signed-in`,
 * `/site/sign-out`) and the authentication of `/api/*` for its page (see the module comment).
 * Keeps per-process state only for the sign-in brake; everything else is in the control database,
 * so several processes (or a restart) share sessions. Throws CONFIG_INVALID when `baseUrl` is not
 * a URL.
 */
export function createSiteAccess(deps: SiteAccessDeps): { routes: Hono<TallyEnv>; api: EdgeApiAuthentication } {
  const secure = isHttps(deps.baseUrl);
  const store = createSiteAccessStore({ db: deps.db, clock: deps.clock });
  const attempts = createSignInAttempts(deps.clock);
  const routes = new Hono<TallyEnv>();

  const html = (c: Context<TallyEnv>, body: string, status: 200 | 401 | 429) => {
    c.header('Cache-Control', 'no-store');
    return c.html(body, status);
  };

  routes.get(SITE_ACCESS_PATHS.access, async (c) => {
    if (!attempts.isOpen()) return html(c, tooManyAttemptsPage(), 429);
    if (!(await store.isAccessKey(c.req.query('key')))) {
      attempts.recordFailure();
      return html(c, accessLinkRefusedPage(), 401);
    }
    const session = await store.startSession();
    setCookie(c, SITE_SESSION_COOKIE, session.sessionId, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      secure,
      maxAge: Math.floor(SITE_SESSION_LIFETIME_MS / 1000),
    });
    // 303: the key leaves the address bar and the history (the hop page's URL replaces it).
    return c.redirect(SITE_ACCESS_PATHS.signedIn, 303);
  });

  routes.get(SITE_ACCESS_PATHS.signedIn, (c) => html(c, signedInPage(), 200));

  routes.get(SITE_ACCESS_PATHS.page, async (c) => {
    const sessionId = getCookie(c, SITE_SESSION_COOKIE);
    const session = await store.findSession(sessionId);
    if (!session || sessionId === undefined) return html(c, signInRequiredPage(), 401);
    return html(c, renderReportPage({ token: csrfTokenOf(sessionId), authScheme: SITE_AUTH_SCHEME }), 200);
  });

  routes.on(['GET', 'POST'], SITE_ACCESS_PATHS.signOut, async (c) => {
    await store.endSession(getCookie(c, SITE_SESSION_COOKIE));
    deleteCookie(c, SITE_SESSION_COOKIE, { path: '/', secure, httpOnly: true, sameSite: 'Strict' });
    return html(c, signedOutPage(), 200);
  });

  const api: EdgeApiAuthentication = {
    // Only its own scheme: `JWT` is Connect's and `Bearer` Forge's. A bare cookie is not enough
    // to be recognised, so a cross-site request with no header is nobody's (401 AUTH_MISSING).
    recognises: (c) => SITE_SCHEME.test(c.req.header('authorization') ?? ''),
    async authenticate(c, next) {
      const token = SITE_AUTHORIZATION.exec(c.req.header('authorization') ?? '')?.[1];
      if (token === undefined) throw new AppError('AUTH_INVALID', `Malformed ${SITE_AUTH_SCHEME} authorization`);
      const sessionId = getCookie(c, SITE_SESSION_COOKIE);
      if (sessionId === undefined) throw new AppError('AUTH_MISSING', 'Not signed in: open the link `npx tally access-link` prints');
      // The pair first (no database): a token of another session, or none, never reaches a lookup.
      if (!constantTimeEquals(token, csrfTokenOf(sessionId))) throw new AppError('AUTH_INVALID', 'The page token does not belong to this session; reload the page');
      if (!(await store.findSession(sessionId))) throw new AppError('AUTH_INVALID', 'The session has ended; sign in again with the link `npx tally access-link` prints');
      const viewer = await deps.viewer();
      if (!viewer) {
        // No code of its own yet (error-codes.ts is not this module's): the closest retryable 503.
        throw new AppError('SITE_STARTING', 'Tally is still connecting to the Jira site; try again in a few seconds', { expose: true, retryAfterMs: STARTING_RETRY_AFTER_MS });
      }
      c.set('tenant', viewer.tenant);
      c.set('accountId', viewer.accountId);
      c.set('viewerJiraAccess', viewer.jiraAccess);
      // One API token for everyone: a write with it would be authored by the token's account, not the viewer.
      c.set('viewerWriteAccess', undefined);
      c.set('viewerWriteUnavailableReason', SITE_NO_WRITES);
      await next();
    },
  };

  return { routes, api };
}
