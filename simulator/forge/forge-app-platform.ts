import { randomUUID } from 'node:crypto';
import type { SimFetch } from '../http/remote-call.js';
import type { SimClock } from '../sim-clock.js';
import { createDeliveryQueue, type DeliveryResult } from './delivery-queue.js';
import { createFitSigner, type FitSigner, type ForgeJwk } from './fit-signer.js';
import { triggerDeliveryJob, type ForgeDelivery, type TriggerDelivery } from './forge-delivery.js';
import { ariOfInstallation, uuidFromText, uuidOfAri } from './forge-ids.js';
import { FORGE_RETRY_DELAY_MS } from './forge-options.js';
import type { LifecycleApp } from './forge-payloads.js';
import { invokeRemoteOnce, type InvokeRemoteInput, type InvokeRemoteResult } from './invoke-remote.js';
import { createOAuthTokenIssuer, type OAuthTokenIssuer } from './oauth-tokens.js';

/*
 * The part of the simulated Forge platform that is the same whichever product installed the app
 * (the Jira host, forge-host.ts; the Bitbucket host, bitbucket/forge/bitbucket-forge-host.ts):
 * the signing keys, the OAuth tokens, the delivery queue and its log, the app's identity in
 * lifecycle bodies, and how a delivery or an `invokeRemote` call reaches the remote. What a FIT
 * says, who is installed where and what a body holds stay with the product's host.
 */

/** The simulated app's display name (lifecycle bodies, the app user). */
export const SIMULATED_APP_NAME = 'Tally';

/** The options this part reads, on every use (a host's `configure()` changes them). */
export interface ForgeAppPlatformOptions {
  appId: string;
  /** The manifest's `remotes[].baseUrl`: where an installation's remote is unless the install names one. */
  remoteBaseUrl: string;
  tokenTtlMs: number;
  deliveryRetries: number;
  deliveryTimeoutMs: number;
  preUninstallTimeoutMs: number;
  retryEnvelope: 'flat' | 'payload';
}

/** An installation as a delivery needs it: where its remote is and the ARI the log names. */
export interface ForgeRemoteTarget {
  /** `ari:cloud:ecosystem::installation/<uuid>`. */
  readonly ari: string;
  readonly remoteBaseUrl: string;
}

/** What every new installation starts with, whichever product it is in. */
export interface ForgeInstallationIdentity {
  /** Bare uuid (the lifecycle body's `id`). */
  uuid: string;
  /** `ari:cloud:ecosystem::installation/<uuid>` (the FIT's `app.installationId`). */
  ari: string;
  remoteBaseUrl: string;
  /** The clock at install. */
  installedAtMs: number;
}

/** What a delivery asks of the host at each attempt. */
export interface ForgeAttemptPorts {
  /** Whether the installation is still the live one; a removed one's deliveries are abandoned (pre-uninstall excepted). */
  isLive(): boolean;
  /** The headers of this attempt: a fresh FIT and the tokens Forge would deliver now. */
  headers(): Promise<Record<string, string>>;
}

/** The members a product's Forge host offers tests unchanged: its signing keys and its deliveries. */
export interface ForgeKeysAndDeliveries {
  /** A new signing key and kid; the JWKS keeps serving older keys unless `retirePrevious`. Returns the new kid. */
  rotateSigningKey(options?: { retirePrevious?: boolean }): string;
  /** The JWKS document the simulator serves. */
  jwks(): { keys: ForgeJwk[] };
  /** Every delivery attempt and `invokeRemote` call, in order (a live array). */
  readonly deliveries: ForgeDelivery[];
  /** Sends what is due by the clock and resolves once nothing is in flight or due. Move the clock first to let retries come due. */
  idle(): Promise<void>;
  /** Attempts waiting for the clock, earliest first. */
  pending(): { dueMs: number; attempt: number }[];
}

/** The product-neutral Forge platform of one simulated app. */
export interface ForgeAppPlatform {
  readonly signer: FitSigner;
  readonly tokens: OAuthTokenIssuer;
  /** What the host exposes as it is; spread it into the host. */
  readonly keysAndDeliveries: ForgeKeysAndDeliveries;
  /** `<major>.0.0`; starts at 1.0.0. */
  appVersion(): string;
  /** A major-version upgrade: the next {@link appVersion} is one major higher. */
  upgradeAppVersion(): void;
  /**
   * A new installation's identity: a fresh uuid and its ARI, `remoteBaseUrl` (default the
   * configured one; a RangeError when it is not an absolute URL) and the clock's now.
   */
  newInstallation(remoteBaseUrl?: string): ForgeInstallationIdentity;
  /** The app's environment uuid, derived from its id (stable across simulator runs). */
  environmentId(): string;
  /** The app as lifecycle bodies describe it. */
  lifecycleApp(): LifecycleApp;
  /** A Custom UI module's `localId` (`ari:cloud:ecosystem::extension/<app>/<environment>/static/<moduleKey>`). */
  localIdOf(moduleKey: string): string;
  /** A POST to a trigger, event or lifecycle endpoint, with the configured retries and timeout. */
  triggerDelivery(kind: TriggerDelivery['kind'], path: string, body: Record<string, unknown>): TriggerDelivery;
  /** The pre-uninstall POST: one attempt (non-blocking in Forge, its retries unverified) with the function timeout. */
  preUninstallDelivery(path: string, body: Record<string, unknown>): TriggerDelivery;
  /**
   * Queues `delivery` to `installation`'s remote; every attempt asks `ports` for fresh headers and
   * is abandoned once the installation is no longer live — except pre-uninstall, which goes out
   * while the removal is under way. Resolves after the first attempt (see {@link DeliveryResult}).
   */
  deliver(installation: ForgeRemoteTarget, delivery: TriggerDelivery, ports: ForgeAttemptPorts): Promise<DeliveryResult>;
  /** One Custom UI call to `installation`'s remote with `headers`, logged; rejects when nothing answers. */
  invokeRemote(installation: ForgeRemoteTarget, input: InvokeRemoteInput, headers: Record<string, string>): Promise<InvokeRemoteResult>;
  /** Stops the queue's timer. */
  close(): void;
}

/** What {@link createForgeAppPlatform} needs from the product's host. */
export interface ForgeAppPlatformDeps {
  clock: SimClock;
  /** How the platform reaches the remote. */
  appFetch: SimFetch;
  /** Read on every use. */
  options(): Readonly<ForgeAppPlatformOptions>;
}

/** Creates the platform part of a host; nothing is sent until the host delivers. */
export function createForgeAppPlatform(deps: ForgeAppPlatformDeps): ForgeAppPlatform {
  const { clock } = deps;
  const signer = createFitSigner();
  const tokens = createOAuthTokenIssuer(clock, () => deps.options().tokenTtlMs);
  const queue = createDeliveryQueue(clock, FORGE_RETRY_DELAY_MS);
  const deliveries: ForgeDelivery[] = [];
  const log = (entry: ForgeDelivery) => deliveries.push(entry);
  const nowMs = () => clock.now();
  let majorVersion = 1;

  const appVersion = () => `${majorVersion}.0.0`;
  const environmentId = () => uuidFromText(`environment:${deps.options().appId}`);

  return {
    signer,
    tokens,
    keysAndDeliveries: {
      rotateSigningKey: (options) => signer.rotate(options),
      jwks: () => signer.jwks(),
      deliveries,
      idle: () => queue.idle(),
      pending: () => queue.pending(),
    },
    appVersion,
    upgradeAppVersion() {
      majorVersion++;
    },
    newInstallation(remoteBaseUrl = deps.options().remoteBaseUrl) {
      if (!URL.canParse(remoteBaseUrl)) throw new RangeError(`remoteBaseUrl must be an absolute URL, got ${remoteBaseUrl}`);
      const uuid = randomUUID();
      return { uuid, ari: ariOfInstallation(uuid), remoteBaseUrl, installedAtMs: clock.now() };
    },
    environmentId,
    lifecycleApp() {
      const { appId } = deps.options();
      return { appId, name: SIMULATED_APP_NAME, ownerAccountId: `712020:${uuidFromText(`owner:${appId}`)}`, version: appVersion(), environmentId: environmentId() };
    },
    localIdOf: (moduleKey) => `ari:cloud:ecosystem::extension/${uuidOfAri(deps.options().appId)}/${environmentId()}/static/${moduleKey}`,
    triggerDelivery(kind, path, body) {
      const options = deps.options();
      return { kind, path, body, maxRetries: options.deliveryRetries, timeoutMs: options.deliveryTimeoutMs };
    },
    preUninstallDelivery(path, body) {
      return { kind: 'pre-uninstall', path, body, maxRetries: 0, timeoutMs: deps.options().preUninstallTimeoutMs };
    },
    deliver: (installation, delivery, ports) =>
      queue.enqueue(
        triggerDeliveryJob(delivery, {
          appFetch: deps.appFetch,
          nowMs,
          envelope: () => deps.options().retryEnvelope,
          log,
          async target() {
            if (delivery.kind !== 'pre-uninstall' && !ports.isLive()) return undefined;
            const headers = await ports.headers();
            return { url: `${installation.remoteBaseUrl.replace(/\/+$/, '')}${delivery.path}`, installationId: installation.ari, headers };
          },
        }),
      ),
    invokeRemote: (installation, input, headers) =>
      invokeRemoteOnce({ appFetch: deps.appFetch, nowMs, log }, { baseUrl: installation.remoteBaseUrl, installationId: installation.ari, input, headers }),
    close: () => queue.close(),
  };
}
