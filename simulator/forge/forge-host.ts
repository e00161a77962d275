import { randomUUID } from 'node:crypto';
import { Hono, type MiddlewareHandler } from 'hono';
import type { BearerAuthority } from '../auth/authenticate.js';
import type { SimFetch } from '../http/remote-call.js';
import type { SimEnv } from '../http/sim-env.js';
import type { JiraSite } from '../jira/jira-site.js';
import { createForgeApiGateway } from './api-gateway.js';
import { createForgeBearerAuthority } from './forge-bearer.js';
import type { ForgeInstallation } from './forge-installation.js';
import type { DeliveryResult } from './delivery-queue.js';
import { buildFitClaims, mergeClaims, type FitInvocation, type FitSubject } from './fit-claims.js';
import type { FitSignOptions } from './fit-signer.js';
import { createForgeAppPlatform, SIMULATED_APP_NAME, type ForgeKeysAndDeliveries } from './forge-app-platform.js';
import { invocationHeaders, type TriggerDelivery } from './forge-delivery.js';
import { uuidFromText } from './forge-ids.js';
import { resolveForgeOptions, type ForgeOptions } from './forge-options.js';
import { installedBody, preUninstallBody, tickBody, upgradedBody, worklogEventBody } from './forge-payloads.js';
import type { InvokeRemoteInput, InvokeRemoteResult } from './invoke-remote.js';
import { offlineUserTokenRoutes } from './offline-user-token.js';

export type { ForgeOptions } from './forge-options.js';
export type { DeliveryResult } from './delivery-queue.js';
export type { ForgeDelivery, ForgeDeliveryKind } from './forge-delivery.js';
export type { FitSignOptions, ForgeJwk } from './fit-signer.js';
export type { InvokeRemoteInput, InvokeRemoteResult } from './invoke-remote.js';

/** Endpoints of the remote the simulated manifest declares (route paths and endpoint keys). */
const ENDPOINTS = {
  lifecycle: { path: '/forge/lifecycle', key: 'lifecycle-ep' },
  events: { path: '/forge/events', key: 'events-ep' },
  tick: { path: '/forge/tick', key: 'tick-ep', triggerKey: 'sync-tick' },
  preUninstall: { path: '/forge/pre-uninstall', key: 'uninstall-ep', moduleKey: 'cleanup' },
} as const;

/** Groups the app user gets, as a Connect app user does. */
const APP_USER_GROUPS = ['jira-software-users', 'atlassian-addons-project-access'];

/** The Forge platform's side of the simulated site: installations, FITs, tokens, deliveries, the API gateway. */
export interface ForgeHost extends ForgeKeysAndDeliveries {
  readonly appId: string;
  /** Stable uuid of the site (survives reinstall). */
  readonly cloudId: string;
  /** `${apiOrigin}/ex/jira/${cloudId}`, as FITs carry it. */
  readonly apiBaseUrl: string;
  /** Where verifiers fetch keys; the simulator serves them at `GET /.well-known/jwks.json` (in-process fetch ignores the host). */
  readonly jwksUrl: string;
  /** ARI of the current installation; undefined when not installed. */
  readonly installationId: string | undefined;
  /** The app user (accountType `app`) system tokens act as. */
  readonly appUserAccountId: string;
  readonly options: Readonly<ForgeOptions>;
  /**
   * A new installation (new uuid, new tokens, the app user registered), then
   * `avi:forge:installed:app` to `${remote}/forge/lifecycle`. The installation stands whatever the
   * remote answers. Rejects when already installed. Resolves after the first attempt (see {@link DeliveryResult}).
   */
  install(options?: { remoteBaseUrl?: string; installerAccountId?: string }): Promise<DeliveryResult>;
  /** A major-version upgrade (app version + 1.0.0, same installation): `avi:forge:upgraded:app`. Rejects when not installed. */
  upgrade(options?: { upgraderAccountId?: string }): Promise<DeliveryResult>;
  /**
   * By default POSTs `${remote}/forge/pre-uninstall` first (one attempt, no token), then removes
   * the installation whatever the answer: its tokens answer 401, ticks and events stop.
   */
  uninstall(options?: { preUninstall?: boolean }): Promise<DeliveryResult | undefined>;
  /** One `fiveMinute` scheduledTrigger invocation: POST `${remote}/forge/tick` with FIT and system token. Rejects when not installed. */
  tick(): Promise<DeliveryResult>;
  /** A Custom UI `invokeRemote` call by `accountId`: one attempt, 25 s timeout; rejects when nothing answers. */
  invokeRemote(input: InvokeRemoteInput): Promise<InvokeRemoteResult>;
  /** A FIT for the current (or last) installation with `claims` deep-merged over the defaults (`undefined` removes one). */
  signFit(claims?: Record<string, unknown>, options?: FitSignOptions): Promise<string>;
  /** The system token deliveries carry now (rotated once less than half its lifetime is left). Throws when not installed. */
  systemToken(): string;
  /** Changes options from now on (not `cloudId`); validated like the constructor's. */
  configure(changes: Partial<Omit<ForgeOptions, 'cloudId'>>): void;
  /**
   * Wiring for the simulator: the JWKS route and `POST /graphql` (`offlineUserAuthToken`, offline
   * user impersonation), the `/ex/jira` gateway middleware, the bearer authority.
   */
  readonly publicRoutes: Hono<SimEnv>;
  readonly gateway: MiddlewareHandler<SimEnv>;
  readonly bearer: BearerAuthority;
  /** Stops the event subscription and timers. */
  close(): void;
}

/** What {@link createForgeHost} needs. */
export interface ForgeHostDeps {
  site: JiraSite;
  /** How the platform reaches the remote (global fetch, or the remote's in-process fetch). */
  appFetch: SimFetch;
  /** The simulator app's fetch, which the gateway hands rewritten requests to. */
  dispatch(request: Request, env: SimEnv['Bindings'] | undefined): Response | Promise<Response>;
  options?: Partial<ForgeOptions>;
}

/**
 * Creates the Forge host of `site` and subscribes to its worklog events. Nothing is installed
 * until `install()`. Facts: ../shared/reference/forge-migration.md §3–§5.
 */
export function createForgeHost(deps: ForgeHostDeps): ForgeHost {
  const { site } = deps;
  const clock = site.clock;
  let options = resolveForgeOptions(deps.options);
  const cloudId = options.cloudId ?? randomUUID();
  const platform = createForgeAppPlatform({ clock, appFetch: deps.appFetch, options: () => options });
  const { signer, tokens } = platform;
  const gateway = createForgeApiGateway({ cloudId, dispatch: deps.dispatch });
  let current: ForgeInstallation | undefined;
  let last: ForgeInstallation | undefined;

  const appUserAccountId = () => `557058:${uuidFromText(`app-user:${options.appId}`)}`;
  const apiBaseUrl = () => `${options.apiOrigin}/ex/jira/${cloudId}`;
  const subject = (installation: ForgeInstallation): FitSubject => ({
    appId: options.appId,
    appVersion: platform.appVersion(),
    environmentId: platform.environmentId(),
    installationId: installation.ari,
    cloudId,
    apiBaseUrl: apiBaseUrl(),
  });
  const claimsFor = (installation: ForgeInstallation, invocation: FitInvocation) => buildFitClaims(subject(installation), invocation, clock.now(), options.fitTtlMs);

  const requireInstalled = (): ForgeInstallation => {
    if (!current) throw new Error('The Forge app is not installed on the simulated site');
    return current;
  };

  const ensureAppUser = (): string => {
    const accountId = appUserAccountId();
    if (!site.users.has(accountId)) {
      site.addUser({ accountId, displayName: SIMULATED_APP_NAME, active: true, timeZone: 'UTC', accountType: 'app', groups: [...APP_USER_GROUPS] });
    }
    return accountId;
  };

  const defaultInstaller = (): string =>
    [...site.users.values()].find((user) => user.siteAdmin && user.active && user.accountType === 'atlassian')?.accountId ?? platform.lifecycleApp().ownerAccountId;

  /** Queues a POST to a trigger endpoint of `installation`; pre-uninstall goes out even after removal began. */
  const deliver = (installation: ForgeInstallation, endpointKey: string, delivery: TriggerDelivery, systemToken: boolean): Promise<DeliveryResult> =>
    platform.deliver(installation, delivery, {
      isLive: () => current?.uuid === installation.uuid,
      async headers() {
        const headers = invocationHeaders(await signer.sign(claimsFor(installation, { kind: 'endpoint', endpointKey })));
        if (systemToken) headers['x-forge-oauth-system'] = tokens.deliver('system', installation.uuid, installation.asApp.appUserAccountId);
        return headers;
      },
    });
  const triggerDelivery = platform.triggerDelivery;

  const unsubscribe = site.onWorklogEvent((event) => {
    const installation = current;
    if (!installation) return;
    // The request being served, if it came through the gateway with this installation's token.
    const selfGenerated = gateway.current()?.installationUuid === installation.uuid;
    const body = worklogEventBody(site, event, cloudId, selfGenerated);
    // Not inside the writer's request: its async context must not leak into the delivery.
    gateway.outside(() => void deliver(installation, ENDPOINTS.events.key, triggerDelivery('event', ENDPOINTS.events.path, body), true));
  });

  const bearer = createForgeBearerAuthority({ site, tokens, gateway, currentInstallation: () => current, permissionLagMs: () => options.permissionLagMs });
  const publicRoutes = new Hono<SimEnv>();
  publicRoutes.route('/', signer.routes);
  publicRoutes.route('/', offlineUserTokenRoutes({ site, tokens, bearer, cloudId, currentInstallation: () => current, options: () => options }));

  return {
    get appId() {
      return options.appId;
    },
    cloudId,
    get apiBaseUrl() {
      return apiBaseUrl();
    },
    get jwksUrl() {
      return options.jwksUrl;
    },
    get installationId() {
      return current?.ari;
    },
    get appUserAccountId() {
      return current?.asApp.appUserAccountId ?? appUserAccountId();
    },
    get options() {
      return options;
    },

    ...platform.keysAndDeliveries,

    async install(installOptions = {}) {
      if (current) throw new Error('The Forge app is already installed; uninstall() first');
      const identity = platform.newInstallation(installOptions.remoteBaseUrl);
      const appUser = ensureAppUser();
      const installation: ForgeInstallation = {
        ...identity,
        installerAccountId: installOptions.installerAccountId ?? defaultInstaller(),
        asApp: { key: options.appId, clientKey: cloudId, sharedSecret: '', baseUrl: identity.remoteBaseUrl, appUserAccountId: appUser, enabled: true, descriptor: {} },
      };
      current = installation;
      last = installation;
      const body = installedBody(platform.lifecycleApp(), cloudId, installation.uuid, installation.installerAccountId);
      return deliver(installation, ENDPOINTS.lifecycle.key, triggerDelivery('installed', ENDPOINTS.lifecycle.path, body), true);
    },

    async upgrade(upgradeOptions = {}) {
      const installation = requireInstalled();
      platform.upgradeAppVersion();
      const body = upgradedBody(platform.lifecycleApp(), cloudId, installation.uuid, installation.installerAccountId, upgradeOptions.upgraderAccountId ?? defaultInstaller());
      return deliver(installation, ENDPOINTS.lifecycle.key, triggerDelivery('upgraded', ENDPOINTS.lifecycle.path, body), true);
    },

    async uninstall(uninstallOptions = {}) {
      const installation = requireInstalled();
      let result: DeliveryResult | undefined;
      if (uninstallOptions.preUninstall ?? true) {
        const body = preUninstallBody(cloudId, ENDPOINTS.preUninstall.moduleKey);
        // Non-blocking in Forge ("the uninstallation process will still continue"); retries unverified, none sent.
        result = await deliver(installation, ENDPOINTS.preUninstall.key, platform.preUninstallDelivery(ENDPOINTS.preUninstall.path, body), false);
      }
      if (current === installation) current = undefined;
      tokens.forget(installation.uuid);
      return result;
    },

    async tick() {
      const installation = requireInstalled();
      const body = tickBody(cloudId, ENDPOINTS.tick.triggerKey);
      return deliver(installation, ENDPOINTS.tick.key, triggerDelivery('tick', ENDPOINTS.tick.path, body), true);
    },

    async invokeRemote(input) {
      const installation = requireInstalled();
      const user = site.users.get(input.accountId);
      if (!user) throw new Error(`invokeRemote: no user ${input.accountId} on the simulated site`);
      const moduleKey = input.moduleKey ?? 'tally-report';
      const localId = platform.localIdOf(moduleKey);
      const fit = await signer.sign(claimsFor(installation, { kind: 'ui', moduleType: 'jira:globalPage', moduleKey, localId, siteUrl: site.baseUrl, accountId: user.accountId }));
      // Custom headers pass through (`remote/essentials`) but cannot stand in for the platform's.
      const custom = Object.entries(input.headers ?? {}).filter(([name]) => !/^(authorization|x-forge-|x-b3-)/i.test(name));
      const headers = {
        ...Object.fromEntries(custom),
        ...invocationHeaders(fit),
        'x-forge-oauth-user': tokens.deliver('user', installation.uuid, user.accountId),
        'x-forge-oauth-system': tokens.deliver('system', installation.uuid, installation.asApp.appUserAccountId),
      };
      return platform.invokeRemote(installation, input, headers);
    },

    async signFit(claims = {}, signOptions = {}) {
      const installation = current ?? last;
      if (!installation) throw new Error('signFit needs an installation: install() first');
      const base = claimsFor(installation, { kind: 'endpoint', endpointKey: ENDPOINTS.tick.key });
      return signer.sign(mergeClaims(base, claims), signOptions);
    },

    systemToken() {
      const installation = requireInstalled();
      return tokens.deliver('system', installation.uuid, installation.asApp.appUserAccountId);
    },
    configure(changes) {
      if ('cloudId' in changes) throw new RangeError('forge.cloudId cannot change after the site exists');
      options = resolveForgeOptions(changes, options);
    },
    publicRoutes,
    gateway: gateway.middleware,
    bearer,
    close() {
      unsubscribe();
      platform.close();
    },
  };
}
