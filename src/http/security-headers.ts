import type { Context, MiddlewareHandler } from 'hono';
import { AppError } from '../platform/app-error.js';

/** How {@link securityHeaders} is built; checked when it is built. */
export interface SecurityHeadersOptions {
  /** Tally's public base URL; HSTS is sent only when it is https. */
  baseUrl: string;
  /** Who may frame Tally's pages besides itself (default the Jira Cloud hosts). */
  frameAncestors?: readonly string[];
}

/** The Jira Cloud hosts that embed Connect iframes. */
export const DEFAULT_FRAME_ANCESTORS = Object.freeze(['https://*.atlassian.net', 'https://*.jira.com']);

// Atlassian's Connect JS (all.js) is served from this CDN; every other script is our own.
const CONNECT_JS_HOST = 'https://connect-cdn.atl-paas.net';
// A CSP host source: scheme, optional `*.` wildcard, host, optional port. No spaces, `;` or
// quotes, so an entry cannot smuggle in another directive.
const HOST_SOURCE = /^https?:\/\/(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:(\d{1,5}|\*))?$/i;
// Cache-Control values a route may keep: static assets that are public by design.
const PUBLIC_CACHE = /(^|[\s,])(public|immutable)([\s,=]|$)/i;

function contentSecurityPolicy(frameAncestors: readonly string[]): string {
  return [
    "default-src 'self'",
    `script-src 'self' ${CONNECT_JS_HOST}`,
    // Connect's all.js and AUI set inline styles on the iframe content.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: https:",
    "connect-src 'self'",
    `frame-ancestors ${["'self'", ...frameAncestors].join(' ')}`,
    "base-uri 'none'",
    "form-action 'self'",
    "object-src 'none'",
  ].join('; ');
}

function checkOptions(options: SecurityHeadersOptions): { https: boolean; frameAncestors: readonly string[] } {
  const problems: string[] = [];
  let https = false;
  try {
    const protocol = new URL(options.baseUrl).protocol;
    if (protocol !== 'https:' && protocol !== 'http:') problems.push('baseUrl: must be http(s)');
    https = protocol === 'https:';
  } catch {
    problems.push('baseUrl: not a URL');
  }
  const frameAncestors = options.frameAncestors ?? DEFAULT_FRAME_ANCESTORS;
  for (const source of frameAncestors) {
    if (!HOST_SOURCE.test(source)) problems.push(`frameAncestors: ${JSON.stringify(source)} is not a host source such as https://*.atlassian.net`);
  }
  if (problems.length > 0) throw new AppError('CONFIG_INVALID', `Invalid security headers: ${problems.join('; ')}`, { details: problems });
  return { https, frameAncestors };
}

/** The response's headers, made writable first if the response came with immutable ones. */
function writableHeaders(c: Context): Headers {
  try {
    c.res.headers.set('X-Content-Type-Options', 'nosniff');
  } catch {
    // e.g. `Response.redirect()` or a proxied fetch response; Hono's `res` setter copies it.
    c.res = new Response(c.res.body, c.res);
  }
  return c.res.headers;
}

/**
 * Hono middleware that sets the Marketplace security headers on every response, including
 * errors, 404s and redirects (security-and-reliability.md §1.1 requirements 3 and 7, catalogue
 * rows A14 and K2, §2.6):
 * - `X-Content-Type-Options: nosniff`;
 * - `Referrer-Policy: no-referrer`, so `?jwt=` page URLs never leak to other hosts;
 * - `Cache-Control: no-cache, no-store`, unless the route set a `public` or `immutable` policy
 *   for a static asset (CSRT requires both tokens on everything else);
 * - `Strict-Transport-Security: max-age=31536000; includeSubDomains` when `baseUrl` is https;
 * - a Content-Security-Policy allowing only our own scripts plus Atlassian's all.js CDN, and
 *   framing only by ourselves and `frameAncestors`.
 * It never sets `X-Frame-Options`: that header would block the Jira iframe; `frame-ancestors`
 * governs framing instead. Options are checked when the middleware is built (CONFIG_INVALID).
 */
export function securityHeaders(options: SecurityHeadersOptions): MiddlewareHandler {
  const { https, frameAncestors } = checkOptions(options);
  const csp = contentSecurityPolicy(frameAncestors);
  return async function securityHeadersMiddleware(c, next) {
    await next();
    const headers = writableHeaders(c);
    headers.set('X-Content-Type-Options', 'nosniff');
    headers.set('Referrer-Policy', 'no-referrer');
    if (!PUBLIC_CACHE.test(headers.get('Cache-Control') ?? '')) headers.set('Cache-Control', 'no-cache, no-store');
    if (https) headers.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    headers.set('Content-Security-Policy', csp);
  };
}
