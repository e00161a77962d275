import { createQueryStringHash, encodeSymmetric, fromMethodAndUrl } from 'atlassian-jwt';
import type { Simulator } from '../../simulator/create-simulator.js';
import type { SimInstalledApp } from '../../simulator/jira/jira-site.js';

/** An API-token user's credentials (HTTP Basic), as the generator hands them out. */
export interface BasicCredentials {
  email: string;
  apiToken: string;
}

/** The `Authorization: Basic …` value of an email and API token. */
export function basicAuthorization(credentials: BasicCredentials): string {
  return `Basic ${Buffer.from(`${credentials.email}:${credentials.apiToken}`).toString('base64')}`;
}

/** `Authorization` header of the generated site admin (HTTP Basic with an API token). */
export function adminBasicAuth(sim: Simulator): string {
  const credentials = sim.generated?.adminCredentials;
  if (!credentials) throw new Error('the simulator was created without generated data');
  return basicAuthorization(credentials);
}

/**
 * Installs a Connect app directly (no lifecycle), for tests that only need app calls
 * (`key` test-app unless given). Re-registering the same key replaces its secret.
 */
export function registerTestApp(sim: Simulator, key = 'test-app'): SimInstalledApp {
  return sim.site.registerApp({
    key,
    clientKey: `ck-${key}`,
    sharedSecret: `secret-${key}-0123456789abcdef0123456789abcdef`,
    baseUrl: `https://${key}.example`,
    descriptor: { key, name: `${key} (test)` },
  });
}

/**
 * The `Authorization: JWT …` value an app sends (Atlassian's own atlassian-jwt library): HS256
 * with the shared secret, `iss` = app key, `qsh` of the exact method, path and query, and
 * `iat`/`exp` from the simulator clock so it stays valid however far a test moves that clock.
 */
export function appAuthorization(sim: Simulator, app: SimInstalledApp, method: string, pathAndQuery: string): string {
  const iat = Math.floor(sim.clock.now() / 1000);
  const qsh = createQueryStringHash(fromMethodAndUrl(method.toUpperCase(), pathAndQuery), false, '');
  return `JWT ${encodeSymmetric({ iss: app.key, iat, exp: iat + 180, qsh }, app.sharedSecret)}`;
}

/**
 * Calls the simulator in-process as `app` (or, with credentials, as an API-token user);
 * `path` is relative to the site, e.g. `/rest/api/3/worklog/updated?since=0`.
 */
export function callAs(
  sim: Simulator,
  who: SimInstalledApp | BasicCredentials,
  method: string,
  path: string,
  body?: unknown,
): Promise<Response> {
  const authorization = 'sharedSecret' in who ? appAuthorization(sim, who, method, path) : basicAuthorization(who);
  const headers: Record<string, string> = { authorization, accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return sim.fetch(`${sim.site.baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

/** A fetch that signs every request as `app` before handing it to `fetchImpl`. */
export function appFetch(
  sim: Simulator,
  app: SimInstalledApp,
  fetchImpl: (input: Request | string | URL, init?: RequestInit) => Promise<Response> = sim.fetch,
) {
  return (url: string, init: RequestInit = {}) => {
    const parsed = new URL(url, sim.site.baseUrl);
    const method = init.method ?? 'GET';
    const headers = new Headers(init.headers);
    headers.set('authorization', appAuthorization(sim, app, method, parsed.pathname + parsed.search));
    if (init.body !== undefined) headers.set('content-type', 'application/json');
    return fetchImpl(parsed.toString(), { ...init, method, headers });
  };
}
