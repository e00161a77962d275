import { decodeSymmetric, encodeSymmetric, SymmetricAlgorithm } from 'atlassian-jwt';
import { peekJwt } from '../auth/connect-jwt.js';
import type { JiraSite, SimInstalledApp, SimUser } from '../jira/jira-site.js';
import { readStoredDescriptor } from './app-descriptor.js';
import type { ImpersonationOptions } from './impersonation-options.js';

/** The `aud` every impersonation assertion names (bitbucket-cloud.md §5.2). */
export const IMPERSONATION_AUDIENCE = 'https://oauth-2-authorization-server.services.atlassian.com';
/** The OAuth grant type of the assertion flow (RFC 7523). */
export const JWT_BEARER_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const ISSUER_PREFIX = 'urn:atlassian:connect:clientid:';
const SUBJECT_PREFIX = 'urn:atlassian:connect:useraccountid:';

/** A verified assertion: which app may act as which user. */
export interface VerifiedAssertion {
  app: SimInstalledApp;
  user: SimUser;
}

/** The outcome of checking an assertion; `description` goes into `error_description`. */
export type AssertionCheck = { ok: true; value: VerifiedAssertion } | { ok: false; description: string };

const refuse = (description: string): AssertionCheck => ({ ok: false, description });
const trimSlash = (url: string) => url.replace(/\/+$/, '');

function declaresActAsUser(app: SimInstalledApp): boolean {
  const scopes = readStoredDescriptor(app.descriptor)?.scopes ?? [];
  // Descriptor scopes are case-insensitive (jira-connect-protocol.md §5).
  return scopes.some((scope) => scope.toUpperCase() === 'ACT_AS_USER');
}

/** The registered site whose base URL the assertion's `tnt` names (read before verifying, to pick the secret's site). */
export function findAssertionSite(sites: readonly JiraSite[], assertion: string): JiraSite | undefined {
  const tnt = peekJwt(assertion)?.claims.tnt;
  return typeof tnt === 'string' ? sites.find((site) => trimSlash(site.baseUrl) === trimSlash(tnt)) : undefined;
}

/**
 * Checks a user-impersonation assertion as Atlassian's authorization server does (bitbucket-cloud.md
 * §5.2): HS256 signed with the shared secret of the enabled Connect app whose `oauthClientId` is
 * in `iss`; `aud` the authorization server; `tnt` this site's base URL; `exp` in the future and at
 * most `maxAssertionLifetimeSeconds` after `iat`; `sub` an active Atlassian account of the site;
 * and an app whose descriptor declares ACT_AS_USER. Never throws.
 */
export function verifyImpersonationAssertion(site: JiraSite, assertion: string, options: Readonly<ImpersonationOptions>): AssertionCheck {
  const peeked = peekJwt(assertion);
  if (!peeked) return refuse('The assertion is not a JWT.');
  if (peeked.header.alg !== 'HS256') return refuse('The assertion must be signed with HS256.');
  const iss = peeked.claims.iss;
  const clientId = typeof iss === 'string' && iss.startsWith(ISSUER_PREFIX) ? iss.slice(ISSUER_PREFIX.length) : undefined;
  const app = clientId ? [...site.apps.values()].find((candidate) => candidate.oauthClientId === clientId) : undefined;
  if (!app) return refuse('Unknown client: iss must be urn:atlassian:connect:clientid:{oauthClientId} of an installed app.');
  if (!app.enabled) return refuse('The app is disabled on this site.');
  let claims: Record<string, unknown>;
  try {
    claims = decodeSymmetric(assertion, app.sharedSecret, SymmetricAlgorithm.HS256) as Record<string, unknown>;
  } catch {
    return refuse('The assertion signature does not verify with the app’s shared secret.');
  }
  const aud = claims.aud;
  if (!(aud === IMPERSONATION_AUDIENCE || (Array.isArray(aud) && aud.includes(IMPERSONATION_AUDIENCE)))) return refuse(`aud must be ${IMPERSONATION_AUDIENCE}.`);
  if (typeof claims.tnt !== 'string' || trimSlash(claims.tnt) !== trimSlash(site.baseUrl)) return refuse('tnt must be the base URL of the site the app is installed on.');
  const nowSeconds = Math.floor(site.clock.now() / 1000);
  const { iat, exp } = claims;
  if (typeof iat !== 'number' || typeof exp !== 'number') return refuse('The assertion needs numeric iat and exp claims.');
  if (exp <= nowSeconds) return refuse('The assertion has expired.');
  if (iat > nowSeconds + options.leewaySeconds) return refuse('The assertion was issued in the future.');
  if (exp - iat > options.maxAssertionLifetimeSeconds) return refuse(`The assertion may be valid for at most ${options.maxAssertionLifetimeSeconds} seconds.`);
  if (!declaresActAsUser(app)) return refuse('The app does not have the ACT_AS_USER scope.');
  const sub = claims.sub;
  const accountId = typeof sub === 'string' && sub.startsWith(SUBJECT_PREFIX) ? sub.slice(SUBJECT_PREFIX.length) : undefined;
  const user = accountId ? site.users.get(accountId) : undefined;
  if (!user || user.accountType !== 'atlassian') return refuse('sub must be urn:atlassian:connect:useraccountid:{accountId} of a user of the site.');
  if (!user.active) return refuse('The user is not active.');
  return { ok: true, value: { app, user } };
}

/** What {@link signImpersonationAssertion} signs; overrides let a test break one claim at a time. */
export interface AssertionInput {
  oauthClientId: string;
  sharedSecret: string;
  accountId: string;
  /** The site's base URL (`tnt`). */
  baseUrl: string;
  nowSeconds: number;
  lifetimeSeconds?: number;
  /** Claims to replace or add (`undefined` removes one). */
  claims?: Record<string, unknown>;
}

/**
 * Signs an assertion the way a Connect app does (ACE `lib/internal/oauth2.js`), for tests and
 * tools: HS256, `iss`/`sub` URNs, `tnt`, `aud`, `iat`, `exp` (default 60 s later).
 */
export function signImpersonationAssertion(input: AssertionInput): string {
  const claims: Record<string, unknown> = {
    iss: ISSUER_PREFIX + input.oauthClientId,
    sub: SUBJECT_PREFIX + input.accountId,
    tnt: input.baseUrl,
    aud: IMPERSONATION_AUDIENCE,
    iat: input.nowSeconds,
    exp: input.nowSeconds + (input.lifetimeSeconds ?? 60),
  };
  for (const [name, value] of Object.entries(input.claims ?? {})) {
    if (value === undefined) delete claims[name];
    else claims[name] = value;
  }
  return encodeSymmetric(claims, input.sharedSecret, SymmetricAlgorithm.HS256);
}
