import { ariOfApp, uuidFromText } from '../../forge/forge-ids.js';

/** Where the remote (Tally) receives each kind of Forge call; the Tally edge uses the defaults. */
export interface BbForgeRemotePaths {
  lifecycle: string;
  events: string;
  preUninstall: string;
  tick: string;
  /** Prefix of Custom UI calls: `invokeRemote({ path: 'pr-panel' })` goes to `${ui}/pr-panel`. */
  ui: string;
}

/** The Bitbucket pull-request product events a Forge trigger can subscribe to (bitbucket-cloud.md §2.4). */
export type BbForgePullRequestEvent =
  | 'avi:bitbucket:created:pullrequest'
  | 'avi:bitbucket:updated:pullrequest'
  | 'avi:bitbucket:fulfilled:pullrequest'
  | 'avi:bitbucket:rejected:pullrequest';

export const BB_FORGE_PULL_REQUEST_EVENTS: readonly BbForgePullRequestEvent[] = [
  'avi:bitbucket:created:pullrequest',
  'avi:bitbucket:updated:pullrequest',
  'avi:bitbucket:fulfilled:pullrequest',
  'avi:bitbucket:rejected:pullrequest',
];

/**
 * How the simulated Forge platform treats the Bitbucket app. Facts: bitbucket-cloud.md §2,
 * forge-migration.md §3–§5; values marked [UNVERIFIED] there are options here.
 */
export interface BbForgeOptions {
  /** The Bitbucket app's ARI, the FIT's `aud` (a different app from the Jira one, §0). */
  appId: string;
  /** The manifest's `remotes[].baseUrl`; default `https://tally.test`. */
  remoteBaseUrl: string;
  paths: BbForgeRemotePaths;
  /**
   * The lifecycle and product events' `context`: `workspace-ari` = `ari:cloud:bitbucket::workspace/<uuid>`
   * (the probable form, §2.2 [UNVERIFIED]) or `workspace-uuid` = the braced workspace uuid.
   */
  eventContext: 'workspace-ari' | 'workspace-uuid';
  /** The product events the manifest's trigger subscribes to; default all four pull-request events. */
  subscribedEvents: readonly BbForgePullRequestEvent[];
  /** Lifetime of the OAuth system and user tokens: 4 h (CHANGE-2160). */
  tokenTtlMs: number;
  /** Lifetime of a FIT: ≈25 s (`remote/essentials`). */
  fitTtlMs: number;
  /** Real-time limit of a trigger, event or lifecycle delivery: 5 s. */
  deliveryTimeoutMs: number;
  /** Real-time limit of the pre-uninstall call: 55 s. */
  preUninstallTimeoutMs: number;
  /** Attempts after the first for a failed delivery, 60 s apart on the clock (§5: 4). */
  deliveryRetries: number;
  /** A retried delivery's `retryContext` at the top (`flat`) or the body nested in `payload` ([UNVERIFIED], §5). */
  retryEnvelope: 'flat' | 'payload';
  /** What `jwksUrl` reports; the simulator serves the keys at `/.well-known/jwks.json`. */
  jwksUrl: string;
}

/** The app id every simulated Bitbucket presents unless told otherwise. */
export const DEFAULT_BB_FORGE_APP_ID = ariOfApp(uuidFromText('tally-simulated-bitbucket-forge-app'));

/** The defaults of {@link BbForgeOptions}. */
export const defaultBbForgeOptions: Readonly<BbForgeOptions> = Object.freeze({
  appId: DEFAULT_BB_FORGE_APP_ID,
  remoteBaseUrl: 'https://tally.test',
  paths: Object.freeze({
    lifecycle: '/bitbucket/forge/lifecycle',
    events: '/bitbucket/forge/events',
    preUninstall: '/bitbucket/forge/pre-uninstall',
    tick: '/bitbucket/forge/tick',
    ui: '/bitbucket/forge/ui',
  }),
  eventContext: 'workspace-ari',
  subscribedEvents: BB_FORGE_PULL_REQUEST_EVENTS,
  tokenTtlMs: 4 * 3_600_000,
  fitTtlMs: 25_000,
  deliveryTimeoutMs: 5_000,
  preUninstallTimeoutMs: 55_000,
  deliveryRetries: 4,
  retryEnvelope: 'flat',
  jwksUrl: 'https://forge.cdn.prod.atlassian-dev.net/.well-known/jwks.json',
});

const APP_ARI = /^ari:cloud:ecosystem::app\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function requireAtLeast(name: string, value: number, min: number): void {
  if (!Number.isFinite(value) || value < min) throw new RangeError(`bitbucket forge.${name} must be a number ≥ ${min}, got ${value}`);
}

/** What callers pass: any option, and any of the paths. */
export type BbForgeOptionsInput = Partial<Omit<BbForgeOptions, 'paths'>> & { paths?: Partial<BbForgeRemotePaths> };

/** Merges `overrides` (and `overrides.paths`) over `base` and validates the result (RangeError), frozen. */
export function resolveBbForgeOptions(overrides: BbForgeOptionsInput = {}, base: Readonly<BbForgeOptions> = defaultBbForgeOptions): Readonly<BbForgeOptions> {
  const options: BbForgeOptions = { ...base, ...overrides, paths: { ...base.paths, ...overrides.paths } };
  if (!APP_ARI.test(options.appId)) throw new RangeError(`bitbucket forge.appId must be ari:cloud:ecosystem::app/<uuid>, got ${options.appId}`);
  if (!URL.canParse(options.remoteBaseUrl)) throw new RangeError(`bitbucket forge.remoteBaseUrl must be an absolute URL, got ${options.remoteBaseUrl}`);
  if (!URL.canParse(options.jwksUrl)) throw new RangeError(`bitbucket forge.jwksUrl must be an absolute URL, got ${options.jwksUrl}`);
  for (const [name, path] of Object.entries(options.paths)) {
    if (!path.startsWith('/')) throw new RangeError(`bitbucket forge.paths.${name} must start with /, got ${path}`);
  }
  if (options.eventContext !== 'workspace-ari' && options.eventContext !== 'workspace-uuid') throw new RangeError('bitbucket forge.eventContext must be workspace-ari or workspace-uuid');
  const unknown = options.subscribedEvents.find((e) => !BB_FORGE_PULL_REQUEST_EVENTS.includes(e));
  if (unknown !== undefined) throw new RangeError(`bitbucket forge.subscribedEvents: unknown event ${unknown}`);
  requireAtLeast('tokenTtlMs', options.tokenTtlMs, 1000);
  requireAtLeast('fitTtlMs', options.fitTtlMs, 1000);
  requireAtLeast('deliveryTimeoutMs', options.deliveryTimeoutMs, 1);
  requireAtLeast('preUninstallTimeoutMs', options.preUninstallTimeoutMs, 1);
  if (!Number.isInteger(options.deliveryRetries) || options.deliveryRetries < 0) throw new RangeError(`bitbucket forge.deliveryRetries must be an integer ≥ 0, got ${options.deliveryRetries}`);
  if (options.retryEnvelope !== 'flat' && options.retryEnvelope !== 'payload') throw new RangeError(`bitbucket forge.retryEnvelope must be 'flat' or 'payload'`);
  return Object.freeze({ ...options, paths: Object.freeze(options.paths), subscribedEvents: Object.freeze([...options.subscribedEvents]) });
}
