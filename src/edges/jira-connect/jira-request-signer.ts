import { AppError } from '../../platform/app-error.js';
import type { Clock } from '../../platform/clock.js';
import { signSymmetricToken } from '../kit/atlassian-jwt.js';
import { queryStringHash } from '../kit/qsh.js';

/** ACE's default token lifetime for app→Jira calls: validityInMinutes = 3 (jira-connect-protocol.md §4.4). */
export const DEFAULT_JIRA_TOKEN_LIFETIME_SECONDS = 180;

/** Everything {@link signJiraRequest} needs for one outbound Jira REST call. */
export interface SignJiraRequestInput {
  method: string;
  /** Absolute URL of the Jira REST call, exactly as it will be fetched. */
  url: string;
  /** The tenant `baseUrl` from its verified install record (never `displayUrl`, §4.4). */
  tenantBaseUrl: string;
  /** The app key from the installed payload (`key`). */
  appKey: string;
  clientKey: string;
  sharedSecret: string;
  nowSeconds: number;
  lifetimeSeconds?: number;
}

/**
 * The `Authorization` header value (`JWT <token>`) for an app→Jira REST call (§4.4): HS256 with the
 * tenant's sharedSecret, claims `{ iss: appKey, iat, exp: iat + lifetime, qsh, aud: [clientKey] }`,
 * `qsh` over the exact method, path (relative to the tenant base URL's path) and query. Guarantee:
 * it refuses (AppError INTERNAL, nothing signed) a URL whose origin differs from the tenant base
 * URL's, or whose path lies outside its path, so a tenant's token never goes to another host.
 */
export function signJiraRequest(input: SignJiraRequestInput): string {
  const target = parseUrl(input.url, 'request URL');
  const base = parseUrl(input.tenantBaseUrl, 'tenant base URL');
  const basePath = base.pathname.replace(/\/+$/, '');
  if (target.origin !== base.origin || target.username !== '' || target.password !== '') {
    throw refuse('refusing to sign a request for a host other than the tenant base URL');
  }
  if (basePath !== '' && target.pathname !== basePath && !target.pathname.startsWith(`${basePath}/`)) {
    throw refuse('refusing to sign a request outside the tenant base URL path');
  }
  const lifetimeSeconds = input.lifetimeSeconds ?? DEFAULT_JIRA_TOKEN_LIFETIME_SECONDS;
  if (!Number.isFinite(input.nowSeconds) || !(lifetimeSeconds > 0)) throw refuse('invalid token lifetime');
  const iat = Math.floor(input.nowSeconds);
  // The serialised URL is what fetch puts on the wire, so the hash covers the bytes Jira sees.
  const qsh = queryStringHash(input.method, target.pathname + target.search, basePath);
  const token = signSymmetricToken({
    claims: { iss: input.appKey, iat, exp: iat + Math.ceil(lifetimeSeconds), qsh, aud: [input.clientKey] },
    secret: input.sharedSecret,
  });
  return `JWT ${token}`;
}

/** The credentials of one tenant that a Jira request is signed with. */
export interface JiraSigningTenant {
  baseUrl: string;
  clientKey: string;
  sharedSecret: string;
}

/** Signs one outbound Jira request for a tenant; returns the `Authorization` header value. */
export type ConnectRequestSigner = (request: { method: string; url: string }, tenant: JiraSigningTenant) => string;

/** Dependencies of {@link createConnectRequestSigner}. */
export interface ConnectRequestSignerDeps {
  appKey: string;
  clock: Clock;
  lifetimeSeconds?: number;
}

/**
 * A {@link ConnectRequestSigner} for the JiraClient credentials port: {@link signJiraRequest} with
 * `iat` from the injected clock. Holds no state; every call signs afresh with the same guarantees.
 */
export function createConnectRequestSigner(deps: ConnectRequestSignerDeps): ConnectRequestSigner {
  if (deps.appKey === '') throw refuse('the app key must not be empty');
  return (request, tenant) =>
    signJiraRequest({
      method: request.method,
      url: request.url,
      tenantBaseUrl: tenant.baseUrl,
      appKey: deps.appKey,
      clientKey: tenant.clientKey,
      sharedSecret: tenant.sharedSecret,
      nowSeconds: Math.floor(deps.clock.nowMs() / 1000),
      ...(deps.lifetimeSeconds === undefined ? {} : { lifetimeSeconds: deps.lifetimeSeconds }),
    });
}

function parseUrl(value: string, what: string): URL {
  try {
    return new URL(value);
  } catch {
    throw refuse(`${what} is not an absolute URL`);
  }
}

// A programming error inside Tally, not a caller's fault: 500, never shown to the client.
function refuse(message: string): AppError {
  return new AppError('INTERNAL', message, { expose: false });
}
