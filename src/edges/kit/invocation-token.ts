import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { AppError } from '../../platform/app-error.js';
import type { Clock } from '../../platform/clock.js';
import type { Fetch } from '../../platform/fetch.js';
import type { Logger } from '../../platform/logger.js';
import { isCloudId, normaliseInstallationId } from './installation-id.js';

/*
 * The Forge Invocation Token (forge-migration.md §3.3, checklist §9.2): RS256, signed by the key
 * its `kid` names in Forge's JWKS, `iss` forge/invocation-token, `aud` the app's ARI, a lifetime
 * of about 25 s. The tenant comes only from its claims, the user only from `principal`.
 */

/** The FIT's fixed issuer (`remote/essentials`). */
export const FIT_ISSUER = 'forge/invocation-token';

/** What a verified invocation token proves. Nothing here comes from the body or other headers. */
export interface ForgeInvocation {
  /** `ari:cloud:ecosystem::installation/<uuid>`, normalised (installation-id.ts). */
  installationId: string;
  /** The Jira site's cloud id (a uuid), the same in `apiBaseUrl`, the contexts and `context`. */
  cloudId: string;
  /** `<origin>/ex/jira/<cloudId>` on an allowed host (TALLY_FORGE_API_HOSTS), no trailing slash. */
  apiBaseUrl: string;
  /** The acting user (`principal`): present for Custom UI calls only, never for triggers. */
  accountId: string | undefined;
  /** `app.module.type`: `core:endpoint` for triggers and backend calls, the UI module's type otherwise. */
  moduleType: string | undefined;
}

/** Verifies invocation tokens; one per process, its key cache shared by every route. */
export interface InvocationTokenVerifier {
  /**
   * Verifies `token` and returns what it proves. Throws `AUTH_INVALID` (401) for anything wrong
   * with the token, `AUTH_FORBIDDEN` (403) for a valid token whose `apiBaseUrl` is on a host Tally
   * may not send tokens to, and `FORGE_KEYS_UNAVAILABLE` (503) when the key set cannot be fetched.
   * Messages name the check that failed, never a claim's value.
   */
  verify(token: string): Promise<ForgeInvocation>;
}

/**
 * What every Forge app's token check needs: the app, Forge's key set and how to reach it. Shared
 * by the Jira verifier here and the Bitbucket one (bitbucket-invocation-token.ts).
 */
export interface SignedInvocationTokenDeps {
  /** The expected `aud` and `app.id` (TALLY_FORGE_APP_ID, TALLY_BITBUCKET_FORGE_APP_ID). */
  appId: string;
  /** TALLY_FORGE_JWKS_URL. */
  jwksUrl: string;
  /** The runtime's fetch (tests: the simulator in-process). */
  fetch: Fetch;
  clock: Clock;
  logger?: Logger;
  /** Skew tolerated on `exp`/`nbf` (default 10 s: the token lives about 25 s). */
  leewaySeconds?: number;
  /** An unknown `kid` re-fetches the key set at most this often (default 30 s), so junk tokens cannot flood Forge's CDN. */
  unknownKidRefetchMs?: number;
  /** The key set is fetched again when older than this (default 1 h), so a withdrawn key stops working. */
  maxKeySetAgeMs?: number;
  /** Timeout of one key-set fetch (default 5 s). */
  fetchTimeoutMs?: number;
}

/** What {@link createInvocationTokenVerifier} needs. */
export interface InvocationTokenVerifierDeps extends SignedInvocationTokenDeps {
  /** TALLY_FORGE_API_HOSTS: `host` or `host:port`, lower case. */
  allowedApiHosts: readonly string[];
}

/** The claims every Forge product's token carries about the app and its installation. */
export interface InstallationClaims {
  app: { id: string; installationId: string; installation?: { id?: string | undefined } | undefined };
}

/**
 * Checks a token's signature and envelope (everything before a claim is trusted) and returns its
 * payload, still to be read by the product's own claims schema.
 */
export interface SignedInvocationTokenCheck {
  /** The verified payload; throws `AUTH_INVALID` (401) or `FORGE_KEYS_UNAVAILABLE` (503) as {@link InvocationTokenVerifier.verify}. */
  verifiedPayload(token: string): Promise<unknown>;
  /**
   * The verified payload read by the product's claims `schema`, then what every product's token
   * must agree on: `app.id` is this app, and `app.installationId` (and `app.installation.id` when
   * present) one installation, returned normalised. Throws as {@link verifiedPayload}, and
   * `AUTH_INVALID` when the claims do not read or agree.
   */
  verifiedClaims<T extends InstallationClaims>(token: string, schema: z.ZodType<T>): Promise<{ claims: T; installationId: string }>;
}

const MAX_TOKEN_CHARS = 16 * 1024;
const KID = /^[A-Za-z0-9._:/+=-]{1,200}$/;
/** Isolated Cloud label: checked before any use (forge-migration.md §3.3). */
const IC_LABEL = /^[a-z0-9_-]{1,50}$/;
const ACCOUNT_ID = /^[A-Za-z0-9:_-]{1,128}$/;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const JIRA_API_PATH = /^\/ex\/jira\/([^/]+)\/?$/;

const contextEntrySchema = z.object({
  name: z.string().max(100).optional(),
  cloudId: z.string().max(100).optional(),
  apiBaseUrl: z.string().max(500).optional(),
});

/** The claims Tally reads; everything else in the token is ignored. */
const claimsSchema = z.object({
  app: z.object({
    id: z.string().max(200),
    installationId: z.string().max(200),
    apiBaseUrl: z.string().max(500),
    installation: z.object({ id: z.string().max(200).optional(), contexts: z.array(contextEntrySchema).max(50).optional() }).optional(),
    module: z.object({ type: z.string().max(200).optional(), key: z.string().max(200).optional() }).optional(),
  }),
  context: z.object({ cloudId: z.string().max(100).optional() }).optional(),
  principal: z.string().regex(ACCOUNT_ID).optional(),
});

const jwksSchema = z.object({ keys: z.array(z.looseObject({ kty: z.string(), kid: z.string().optional(), alg: z.string().optional(), use: z.string().optional() })).max(100) });

/** The 401 of a token Tally refuses; `reason` names the check that failed, never a claim's value. */
export function invocationTokenRefused(reason: string): AppError {
  return new AppError('AUTH_INVALID', `Forge invocation token refused: ${reason}`);
}
const invalid = invocationTokenRefused;

/** Whether an API base URL may be plain http: loopback only (the simulator); Atlassian's are https. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname);
}

function keysUnavailable(reason: string, cause?: unknown): AppError {
  return new AppError('FORGE_KEYS_UNAVAILABLE', `Forge invocation-token keys unavailable: ${reason}`, { cause });
}

/** Maps jose's failures to the reason in the 401's message. */
function reasonOf(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `claim ${error.claim} failed (${error.reason})`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'signature does not verify';
  if (error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWKSMultipleMatchingKeys) return 'no matching signing key';
  return 'not a valid signed token';
}

interface KeySet {
  getKey: JWTVerifyGetKey;
  kids: ReadonlySet<string>;
  fetchedAtMs: number;
}

/**
 * Builds the product-neutral part of a verifier, with its own key cache. Checks, in order, before
 * any claim is trusted: size, compact JWS shape, `alg` RS256 (never `none`, never HMAC), a `kid`,
 * `icLabel` (refused: no Isolated Cloud key set is configured), the key named by `kid` (key set
 * re-fetched for an unknown one), the signature, `iss`, `aud`, `exp`/`nbf`.
 */
export function createSignedInvocationTokenCheck(deps: SignedInvocationTokenDeps): SignedInvocationTokenCheck {
  if (!/^ari:cloud:ecosystem::app\/[0-9a-f-]{36}$/.test(deps.appId)) throw new AppError('CONFIG_INVALID', 'The Forge app id must be ari:cloud:ecosystem::app/<uuid>');
  const leewaySeconds = deps.leewaySeconds ?? 10;
  const unknownKidRefetchMs = deps.unknownKidRefetchMs ?? 30_000;
  const maxKeySetAgeMs = deps.maxKeySetAgeMs ?? 3_600_000;
  const fetchTimeoutMs = deps.fetchTimeoutMs ?? 5_000;
  let keySet: KeySet | undefined;
  let refreshing: Promise<KeySet> | undefined;
  let lastUnknownKidFetchMs = Number.NEGATIVE_INFINITY;

  async function fetchKeySet(): Promise<KeySet> {
    let body: unknown;
    try {
      const response = await deps.fetch(deps.jwksUrl, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(fetchTimeoutMs) });
      if (!response.ok) throw keysUnavailable(`the key set answered ${response.status}`);
      body = await response.json();
    } catch (error) {
      throw error instanceof AppError ? error : keysUnavailable('the key set could not be fetched', error);
    }
    const parsed = jwksSchema.safeParse(body);
    if (!parsed.success) throw keysUnavailable('the key set is not a JWKS');
    const usable = parsed.data.keys.filter((key) => key.kty === 'RSA' && typeof key.kid === 'string' && (key.alg ?? 'RS256') === 'RS256' && (key.use ?? 'sig') === 'sig');
    if (usable.length === 0) throw keysUnavailable('the key set holds no RS256 signing key');
    return { getKey: createLocalJWKSet({ keys: usable } as JSONWebKeySet), kids: new Set(usable.map((key) => key.kid as string)), fetchedAtMs: deps.clock.nowMs() };
  }

  /** One fetch at a time, shared by every verification waiting for it. */
  function refresh(): Promise<KeySet> {
    refreshing ??= fetchKeySet()
      .then((fetched) => {
        keySet = fetched;
        return fetched;
      })
      .finally(() => {
        refreshing = undefined;
      });
    return refreshing;
  }

  async function keysFor(kid: string): Promise<KeySet> {
    const nowMs = deps.clock.nowMs();
    if (!keySet) return refresh();
    if (nowMs - keySet.fetchedAtMs >= maxKeySetAgeMs) {
      // A stale set still verifies while Forge's CDN is away; a withdrawn key goes at the next success.
      return refresh().catch((error: unknown) => {
        deps.logger?.warn({ err: error }, 'Forge key set refresh failed; using the cached keys');
        return keySet as KeySet;
      });
    }
    if (!keySet.kids.has(kid) && nowMs - lastUnknownKidFetchMs >= unknownKidRefetchMs) {
      // Forge rotated its keys, or the token is forged: one re-fetch decides, at most every 30 s.
      lastUnknownKidFetchMs = nowMs;
      return refresh();
    }
    return keySet;
  }

  async function verifiedPayload(token: string): Promise<unknown> {
    if (token.length > MAX_TOKEN_CHARS) throw invalid('too long');
    if (token.split('.').length !== 3) throw invalid('not a compact JWS');
    let header: ReturnType<typeof decodeProtectedHeader>;
    let unverified: ReturnType<typeof decodeJwt>;
    try {
      header = decodeProtectedHeader(token);
      unverified = decodeJwt(token);
    } catch (error) {
      throw new AppError('AUTH_INVALID', 'Forge invocation token refused: not a compact JWS', { cause: error });
    }
    if (header.alg !== 'RS256') throw invalid('algorithm is not RS256');
    if (typeof header.kid !== 'string' || !KID.test(header.kid)) throw invalid('no usable key id');
    if (unverified.icLabel !== undefined) {
      if (typeof unverified.icLabel !== 'string' || !IC_LABEL.test(unverified.icLabel)) throw invalid('malformed icLabel');
      // An Isolated Cloud token is signed by that cloud's keys, whose JWKS URL comes from a template
      // Atlassian hands out at IC onboarding; Tally has none configured, so it cannot verify one.
      throw invalid('Isolated Cloud tokens are not accepted');
    }
    const keys = await keysFor(header.kid);
    if (!keys.kids.has(header.kid)) throw invalid('unknown signing key');
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, keys.getKey, {
        algorithms: ['RS256'],
        issuer: FIT_ISSUER,
        audience: deps.appId,
        clockTolerance: leewaySeconds,
        currentDate: new Date(deps.clock.nowMs()),
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      throw new AppError('AUTH_INVALID', `Forge invocation token refused: ${reasonOf(error)}`, { cause: error });
    }
    return payload;
  }

  return {
    verifiedPayload,
    async verifiedClaims(token, schema) {
      const parsed = schema.safeParse(await verifiedPayload(token));
      if (!parsed.success) throw invalid(`claims unreadable (${parsed.error.issues.map((issue) => issue.path.join('.')).join(', ')})`);
      const claims = parsed.data;
      if (claims.app.id !== deps.appId) throw invalid('app.id is not this app');
      const installationId = normaliseInstallationId(claims.app.installationId);
      if (!installationId) throw invalid('app.installationId is not an installation id');
      if (claims.app.installation?.id !== undefined && normaliseInstallationId(claims.app.installation.id) !== installationId) throw invalid('app.installation.id disagrees with app.installationId');
      return { claims, installationId };
    },
  };
}

/**
 * Builds the Jira verifier: {@link createSignedInvocationTokenCheck}, then the claims with zod and
 * their agreement (installation id in both places, one cloud id everywhere, `apiBaseUrl` a Jira
 * site API on an allowed host). A Bitbucket token has no Jira `apiBaseUrl`: refused.
 */
export function createInvocationTokenVerifier(deps: InvocationTokenVerifierDeps): InvocationTokenVerifier {
  const signed = createSignedInvocationTokenCheck(deps);
  const allowedHosts = new Set(deps.allowedApiHosts.map((host) => host.toLowerCase()));

  function checkApiBaseUrl(raw: string): { apiBaseUrl: string; cloudId: string } {
    if (!URL.canParse(raw)) throw invalid('apiBaseUrl is not a URL');
    const url = new URL(raw);
    const loopback = isLoopbackHost(url.hostname);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) throw invalid('apiBaseUrl is not https');
    if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') throw invalid('apiBaseUrl carries more than a path');
    const cloudId = JIRA_API_PATH.exec(url.pathname)?.[1];
    if (!isCloudId(cloudId)) throw invalid('apiBaseUrl is not a Jira site API');
    // Tally sends the site's tokens to this URL: a host outside the list is a policy refusal, not a bad token.
    if (!allowedHosts.has(url.host.toLowerCase())) throw new AppError('AUTH_FORBIDDEN', 'The invocation token points to an API host Tally does not call (TALLY_FORGE_API_HOSTS)');
    return { apiBaseUrl: `${url.origin}/ex/jira/${cloudId}`, cloudId };
  }

  return {
    async verify(token) {
      const { claims, installationId } = await signed.verifiedClaims(token, claimsSchema);
      const { app, context, principal } = claims;
      const { apiBaseUrl, cloudId } = checkApiBaseUrl(app.apiBaseUrl);
      const siteContexts = (app.installation?.contexts ?? []).filter((entry) => entry.cloudId !== undefined && entry.name !== 'bitbucket');
      if (siteContexts.length > 0 && !siteContexts.some((entry) => entry.cloudId?.toLowerCase() === cloudId)) throw invalid('app.installation.contexts name another site than apiBaseUrl');
      if (context?.cloudId !== undefined && context.cloudId.toLowerCase() !== cloudId) throw invalid('context.cloudId names another site than apiBaseUrl');
      return { installationId, cloudId, apiBaseUrl, accountId: principal, moduleType: app.module?.type };
    },
  };
}

/**
 * The FIT of a request: `Authorization: Bearer <token>`. Throws `AUTH_MISSING` without one and
 * `AUTH_INVALID` for another scheme's or a malformed header.
 */
export function extractInvocationToken(authorization: string | undefined): string {
  if (authorization === undefined || authorization.trim() === '') throw new AppError('AUTH_MISSING', 'No Forge invocation token in the request');
  const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  if (!match) throw invalid('Authorization is not a Bearer token');
  return match[1] as string;
}
