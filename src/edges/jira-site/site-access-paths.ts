/** Where the site edge's sign-in lives; the report page itself is at `/`. */
export const SITE_ACCESS_PATHS = Object.freeze({
  /** `GET ?key=…`: the link `tally access-link` prints. */
  access: '/site/access',
  /** The same-site hop to `/` after a good key (site-access-pages.ts `signedInPage`). */
  signedIn: '/site/signed-in',
  /** `GET` or `POST`: ends the browser's session. */
  signOut: '/site/sign-out',
  /** The report page. */
  page: '/',
});

/** The cookie that carries the session id: HttpOnly, SameSite=Strict, Path=/ (site-access.ts). */
export const SITE_SESSION_COOKIE = 'tally_site_session';

/**
 * The `Authorization` scheme of the site page's API calls (`TallySite <CSRF token>`). Its own
 * scheme, so the host's edge dispatch never confuses it with Connect's `JWT` or Forge's `Bearer`.
 */
export const SITE_AUTH_SCHEME = 'TallySite';

/** The sign-in link for `key` under Tally's base URL (any trailing slash of the base is dropped). */
export function accessLinkUrl(baseUrl: string, key: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${SITE_ACCESS_PATHS.access}?key=${encodeURIComponent(key)}`;
}
