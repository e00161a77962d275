import { AppError } from '../../platform/app-error.js';
import type { Fetch } from '../../platform/fetch.js';

/** What one token-authenticated probe of Jira came to. */
export type ProbeAnswer =
  | { kind: 'ok'; body: unknown }
  /** 401 (or 403) "Unauthorized; scope does not match": the token is valid but lacks the operation's scope. */
  | { kind: 'scope-missing' }
  /** 401 for any other reason: revoked, expired, wrong e-mail, or a kind of token that does not work here. */
  | { kind: 'rejected' }
  | { kind: 'forbidden' };

/** Jira's text for a scoped token outside its scopes (self-hosted-site.md §1.2; docs/simulator.md). */
const SCOPE_MISMATCH = /scope does not match/i;

/** Bodies of probes are small; anything longer is not Jira's answer. */
const MAX_PROBE_BODY_CHARS = 1_000_000;

/**
 * One GET of `url` with the token's `Authorization`, redirects refused (a redirect could carry the
 * token elsewhere) and a timeout. 2xx JSON, 401 (scope or not) and 403 become answers; anything
 * else — a 5xx, a 429, no answer — is `JIRA_UNAVAILABLE`, exposed, naming only the endpoint.
 */
export async function probeJira(fetch: Fetch, url: string, authorization: string | undefined, timeoutMs: number, endpoint: string): Promise<ProbeAnswer> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'GET',
      headers: { accept: 'application/json', ...(authorization ? { authorization } : {}) },
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (cause) {
    throw new AppError('JIRA_UNAVAILABLE', `Jira did not answer ${endpoint} (${new URL(url).origin}); check TALLY_JIRA_SITE and the network`, { cause, expose: true });
  }
  const text = (await response.text().catch(() => '')).slice(0, MAX_PROBE_BODY_CHARS);
  // The status of a scope refusal is 401 as far as is known; its text decides, whatever the status.
  if ((response.status === 401 || response.status === 403) && SCOPE_MISMATCH.test(text)) return { kind: 'scope-missing' };
  if (response.status === 401) return { kind: 'rejected' };
  if (response.status === 403) return { kind: 'forbidden' };
  if (response.status >= 200 && response.status < 300) {
    try {
      return { kind: 'ok', body: JSON.parse(text) as unknown };
    } catch (cause) {
      throw new AppError('JIRA_UNAVAILABLE', `Jira answered ${endpoint} with a body that is not JSON (${new URL(url).origin}); is TALLY_JIRA_SITE a Jira Cloud site?`, { cause, expose: true });
    }
  }
  throw new AppError('JIRA_UNAVAILABLE', `Jira answered ${endpoint} with ${response.status} (${new URL(url).origin}); try again later`, { expose: true });
}
