import { createQueryStringHash, encodeSymmetric, fromMethodAndUrl } from 'atlassian-jwt';
import type { SimInstalledApp } from '../jira/jira-site.js';
import type { Simulator } from '../create-simulator.js';

/**
 * Test helper: installs a Connect app on the simulated site without the lifecycle
 * (`key` test-app unless given). Re-registering the same key replaces its secret.
 */
export function registerTestApp(sim: Simulator, key = 'test-app'): SimInstalledApp {
  return sim.site.registerApp({
    key,
    clientKey: `ck-${key}`,
    sharedSecret: 's'.repeat(32),
    baseUrl: `https://${key}.example`,
    descriptor: {},
  });
}

/**
 * Test helper: the `Authorization: JWT …` value an app sends for `method pathAndQuery`
 * (HS256, `iss` = app key, exact `qsh`), with `iat`/`exp` from the simulator clock so it stays
 * valid however far a test moves that clock.
 */
export function appAuthorization(sim: Simulator, app: SimInstalledApp, method: string, pathAndQuery: string): string {
  const iat = Math.floor(sim.clock.now() / 1000);
  const qsh = createQueryStringHash(fromMethodAndUrl(method, pathAndQuery), false, '');
  return `JWT ${encodeSymmetric({ iss: app.key, iat, exp: iat + 180, qsh }, app.sharedSecret)}`;
}

/** Test helper: the `Authorization: Basic …` value of an email and API token. */
export function basicAuthorization(credentials: { email: string; apiToken: string }): string {
  return `Basic ${Buffer.from(`${credentials.email}:${credentials.apiToken}`).toString('base64')}`;
}

/**
 * Test helper: calls the simulator in-process as `app` (or, with `credentials`, as an API-token
 * user); `path` is relative to the site, e.g. `/rest/api/3/worklog/updated?since=0`.
 */
export function callAs(
  sim: Simulator,
  who: SimInstalledApp | { email: string; apiToken: string },
  method: string,
  path: string,
  body?: unknown,
): Promise<Response> {
  const authorization = 'sharedSecret' in who ? appAuthorization(sim, who, method, path) : basicAuthorization(who);
  const headers: Record<string, string> = { authorization, accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return sim.fetch(`https://sim.test${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}
