import { ariOfApp, uuidFromText } from './forge-ids.js';

/**
 * How the simulated Forge platform treats the app. Facts and their sources are in
 * ../shared/reference/forge-migration.md §3–§5; values marked unverified there are options here.
 */
export interface ForgeOptions {
  /** The app's ARI, the FIT's `aud`. Default: one fixed id for every simulated site (one app, many sites). */
  appId: string;
  /** Where the remote (Tally) is: the manifest's `remotes[].baseUrl`. Default `https://tally.test`. */
  remoteBaseUrl: string;
  /** Lifetime of the OAuth system and user tokens: "max TTL of 4 hours" (CHANGE-2160). Default 4 h. */
  tokenTtlMs: number;
  /** Lifetime of a Forge Invocation Token: ≈25 s in the doc example (`remote/essentials`). */
  fitTtlMs: number;
  /** After an install, REST calls with the new installation's tokens answer 403 for this long (§4 "Permissions lag"). */
  permissionLagMs: number;
  /** Real-time limit of a trigger, event or lifecycle delivery: 5 s (`remote/essentials`). */
  deliveryTimeoutMs: number;
  /** Real-time limit of the `preUninstall` call: 55 s, the documented function timeout (the remote's is unverified). */
  preUninstallTimeoutMs: number;
  /** Attempts after the first for a failed delivery, `retryDelayMs` apart on the site clock (§5: 4). */
  deliveryRetries: number;
  /**
   * Unverified (§5): a retried delivery carries `retryContext` at the top of the body (`flat`, as
   * in the installation example) or nests the whole body with it in `payload` (the retry example).
   */
  retryEnvelope: 'flat' | 'payload';
  /**
   * The origin of `apiBaseUrl` in FITs (`https://api.atlassian.com`). In-process fetches ignore the
   * host; an end-to-end test over HTTP points it at the simulator's listen URL.
   */
  apiOrigin: string;
  /** The site's cloud id, stable across reinstalls; default a random uuid per simulated site (like the Connect clientKey). */
  cloudId?: string;
  /** What `jwksUrl` reports; Atlassian's production JWKS by default (the simulator serves the keys at `/.well-known/jwks.json`). */
  jwksUrl: string;
  /**
   * The manifest scopes declared as a map entry with `allowImpersonation: true`
   * (`manifest-reference/permissions`, §3.4). Empty: `offlineUserAuthToken` refuses every user.
   * Default: the three Tally's generated manifest declares so (read/write Jira work, read users).
   */
  impersonationScopes: readonly string[];
  /**
   * Unverified (§3.4: "probably"): the context ARI `offlineUserAuthToken` expects for the Jira
   * installation, `{cloudId}` replaced. Default `ari:cloud:jira::site/{cloudId}`, the lifecycle `context` form.
   */
  offlineTokenContextAri: string;
  /**
   * Unverified: how a refused `offlineUserAuthToken` answers. `payload` (default): HTTP 200,
   * `{success:false, errors:[{message, extensions}], authToken:null}` as the documented selection
   * reads it; `graphql-errors`: HTTP 200, `data.offlineUserAuthToken: null` and top-level `errors`.
   */
  offlineTokenRefusal: 'payload' | 'graphql-errors';
  /**
   * `offlineUserAuthToken` calls per app per minute of the site clock before HTTP 429: 1,000
   * (`limits-invocation`, §6); a copy of `remote/calling-product-apis` says 10,000.
   */
  offlineTokenRateLimitPerMinute: number;
}

/** Delay between delivery attempts: "a delay of 60 seconds per request" (`remote/sending-product-events`). */
export const FORGE_RETRY_DELAY_MS = 60_000;

/** The app id every simulated site presents unless told otherwise. */
export const DEFAULT_FORGE_APP_ID = ariOfApp(uuidFromText('tally-simulated-forge-app'));

/** The defaults of {@link ForgeOptions}. */
export const defaultForgeOptions: Readonly<ForgeOptions> = Object.freeze({
  appId: DEFAULT_FORGE_APP_ID,
  remoteBaseUrl: 'https://tally.test',
  tokenTtlMs: 4 * 3_600_000,
  fitTtlMs: 25_000,
  permissionLagMs: 0,
  deliveryTimeoutMs: 5_000,
  preUninstallTimeoutMs: 55_000,
  deliveryRetries: 4,
  retryEnvelope: 'flat',
  apiOrigin: 'https://api.atlassian.com',
  jwksUrl: 'https://forge.cdn.prod.atlassian-dev.net/.well-known/jwks.json',
  impersonationScopes: Object.freeze(['read:jira-work', 'read:jira-user', 'write:jira-work']),
  offlineTokenContextAri: 'ari:cloud:jira::site/{cloudId}',
  offlineTokenRefusal: 'payload',
  offlineTokenRateLimitPerMinute: 1_000,
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const APP_ARI = /^ari:cloud:ecosystem::app\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function requireNonNegative(name: string, value: number, min = 0): void {
  if (!Number.isFinite(value) || value < min) throw new RangeError(`forge.${name} must be a number ≥ ${min}, got ${value}`);
}

function requireUrl(name: string, value: string): void {
  if (!URL.canParse(value)) throw new RangeError(`forge.${name} must be an absolute URL, got ${value}`);
}

/** Merges `overrides` over the defaults and validates the result (RangeError), frozen. */
export function resolveForgeOptions(overrides: Partial<ForgeOptions> = {}, base: Readonly<ForgeOptions> = defaultForgeOptions): Readonly<ForgeOptions> {
  const options: ForgeOptions = { ...base, ...overrides };
  if (!APP_ARI.test(options.appId)) throw new RangeError(`forge.appId must be ari:cloud:ecosystem::app/<uuid>, got ${options.appId}`);
  requireUrl('remoteBaseUrl', options.remoteBaseUrl);
  requireUrl('apiOrigin', options.apiOrigin);
  requireUrl('jwksUrl', options.jwksUrl);
  requireNonNegative('tokenTtlMs', options.tokenTtlMs, 1000);
  requireNonNegative('fitTtlMs', options.fitTtlMs, 1000);
  requireNonNegative('permissionLagMs', options.permissionLagMs);
  requireNonNegative('deliveryTimeoutMs', options.deliveryTimeoutMs, 1);
  requireNonNegative('preUninstallTimeoutMs', options.preUninstallTimeoutMs, 1);
  if (!Number.isInteger(options.deliveryRetries) || options.deliveryRetries < 0) throw new RangeError(`forge.deliveryRetries must be an integer ≥ 0, got ${options.deliveryRetries}`);
  if (options.retryEnvelope !== 'flat' && options.retryEnvelope !== 'payload') throw new RangeError(`forge.retryEnvelope must be 'flat' or 'payload'`);
  if (!options.offlineTokenContextAri.includes('{cloudId}')) throw new RangeError(`forge.offlineTokenContextAri must contain {cloudId}, got ${options.offlineTokenContextAri}`);
  if (options.offlineTokenRefusal !== 'payload' && options.offlineTokenRefusal !== 'graphql-errors') throw new RangeError(`forge.offlineTokenRefusal must be 'payload' or 'graphql-errors'`);
  if (!Number.isInteger(options.offlineTokenRateLimitPerMinute) || options.offlineTokenRateLimitPerMinute < 1) {
    throw new RangeError(`forge.offlineTokenRateLimitPerMinute must be an integer ≥ 1, got ${options.offlineTokenRateLimitPerMinute}`);
  }
  if (options.cloudId !== undefined && !UUID.test(options.cloudId)) throw new RangeError(`forge.cloudId must be a uuid, got ${options.cloudId}`);
  return Object.freeze({ ...options, impersonationScopes: Object.freeze([...options.impersonationScopes]), apiOrigin: options.apiOrigin.replace(/\/+$/, '') });
}
