import { createQueryStringHash, encodeSymmetric, fromMethodAndUrl } from 'atlassian-jwt';
import type { Simulator } from '../../simulator/create-simulator.js';
import type { SimInstalledApp } from '../../simulator/jira/jira-site.js';

/** `Authorization` header of the generated site admin (HTTP Basic with an API token). */
export function adminBasicAuth(sim: Simulator): string {
  const credentials = sim.generated?.adminCredentials;
  if (!credentials) throw new Error('the simulator was created without generated data');
  return `Basic ${Buffer.from(`${credentials.email}:${credentials.apiToken}`).toString('base64')}`;
}

/** Installs a Connect app directly (no lifecycle), for tests that only need app calls. */
export function registerTestApp(sim: Simulator, key = 'io.tally.test'): SimInstalledApp {
  return sim.site.registerApp({
    key,
    clientKey: `client-${key}`,
    sharedSecret: `secret-${key}-0123456789abcdef0123456789abcdef`,
    baseUrl: 'https://tally.example.com',
    descriptor: { key, name: 'Tally test app' },
  });
}

/**
 * Signs a request as the app would (Atlassian's own atlassian-jwt library): HS256 with the shared
 * secret, `iss` = app key, `qsh` of the exact method, path and query, short `exp`.
 */
export function appJwtAuth(sim: Simulator, app: SimInstalledApp, method: string, pathAndQuery: string): string {
  const iat = Math.floor(sim.clock.now() / 1000);
  const qsh = createQueryStringHash(fromMethodAndUrl(method.toUpperCase(), pathAndQuery), false, '');
  return `JWT ${encodeSymmetric({ iss: app.key, iat, exp: iat + 180, qsh }, app.sharedSecret)}`;
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
    headers.set('authorization', appJwtAuth(sim, app, method, parsed.pathname + parsed.search));
    if (init.body !== undefined) headers.set('content-type', 'application/json');
    return fetchImpl(parsed.toString(), { ...init, method, headers });
  };
}
