import type { SimFetch } from '../../http/remote-call.js';
import type { SimClock } from '../../sim-clock.js';
import type { DeliveryResult } from '../../forge/delivery-queue.js';
import { mergeClaims } from '../../forge/fit-claims.js';
import type { FitSignOptions } from '../../forge/fit-signer.js';
import { createForgeAppPlatform, SIMULATED_APP_NAME, type ForgeKeysAndDeliveries } from '../../forge/forge-app-platform.js';
import { invocationHeaders, type TriggerDelivery } from '../../forge/forge-delivery.js';
import { uuidFromText } from '../../forge/forge-ids.js';
import type { InvokeRemoteResult } from '../../forge/invoke-remote.js';
import type { BearerAuthenticator } from '../authenticate.js';
import type { BbAppUser, BbUser, BbWorkspace, BitbucketModel } from '../bitbucket-model.js';
import { bracedUuid } from '../bitbucket-model.js';
import type { RenderContext } from '../render.js';
import { buildBbFitClaims, type BbFitInvocation, type BbForgeExtension } from './bb-fit-claims.js';
import { createBbForgeBearer } from './bb-forge-bearer.js';
import type { BbForgeInstallation } from './bb-forge-installation.js';
import { resolveBbForgeOptions, type BbForgeOptions, type BbForgeOptionsInput, type BbForgePullRequestEvent } from './bb-forge-options.js';
import { bbInstalledBody, bbPreUninstallBody, bbPullRequestEventBody, bbTickBody, bbUpgradedBody } from './bb-forge-payloads.js';

export type { BbForgeInstallation } from './bb-forge-installation.js';
export type { BbForgeExtension } from './bb-fit-claims.js';

/**
 * A forged or broken invocation, for security tests: `expired-fit` (issued and expired in the
 * past), `wrong-aud` (another app's ARI), `wrong-key` (signed by a key the JWKS never serves),
 * `missing-fit` (no `Authorization`), `missing-token` (no `x-forge-oauth-system`).
 */
export type BbForgeTamper = 'expired-fit' | 'wrong-aud' | 'wrong-key' | 'missing-fit' | 'missing-token';

/** Endpoint keys of the simulated manifest (the FIT's `app.module.key` on backend calls). */
const ENDPOINT_KEYS = { lifecycle: 'lifecycle-ep', events: 'events-ep', tick: 'tick-ep', preUninstall: 'uninstall-ep' } as const;
const TICK_TRIGGER_KEY = 'sync-tick';
const PRE_UNINSTALL_MODULE_KEY = 'cleanup';

/** A Custom UI `invokeRemote` as Bitbucket makes it for `viewer`. */
export interface BbInvokeRemoteInput {
  /** Absolute (`/x`), or a name under `paths.ui` (`pr-panel` → `/bitbucket/forge/ui/pr-panel`). */
  path: string;
  /** Workspace slug/`{uuid}` or installation ARI/uuid; default the only live installation. */
  installation?: string;
  /** The viewer's Atlassian account id (or uuid): the FIT's `principal`. */
  viewer: string;
  extension: BbForgeExtension;
  /** The module key; default `tally-` + the type's name (`tally-repoPullRequestOverviewPanel`). */
  moduleKey?: string;
  /** Default POST with a body, else GET. */
  method?: string;
  body?: unknown;
  tamper?: BbForgeTamper;
}

/** A pull-request product event: the full event name or its verb. */
export interface BbForgePullRequestEventInput {
  event: BbForgePullRequestEvent | 'created' | 'updated' | 'fulfilled' | 'rejected';
  /** Repository slug or `{uuid}`; its workspace's live installation gets the event. */
  repository: string;
  workspace?: string;
  pullRequestId: number;
  /** Who did it (uuid or account id); default the author. */
  actor?: string;
  selfGenerated?: boolean;
  tamper?: BbForgeTamper;
}

/** The outcome of `install()`: the first delivery's, plus the new installation's ARI. */
export type BbForgeInstallResult = DeliveryResult & { installationId: string };

/** The Forge platform's side of the simulated Bitbucket (`bb.forge`): installations per workspace, FITs, tokens, deliveries. */
export interface BitbucketForgeHost extends ForgeKeysAndDeliveries {
  readonly appId: string;
  readonly jwksUrl: string;
  readonly options: Readonly<BbForgeOptions>;
  /** The app's bot account that system tokens act as (`GET /2.0/user` answers it). */
  readonly appUser: BbAppUser;
  /**
   * A new installation in the workspace (new uuid and tokens), then `avi:forge:installed:app` to
   * `paths.lifecycle` with a FIT and the system token. Stands whatever the remote answers.
   * Rejects when the workspace has a live installation. Resolves after the first attempt.
   */
  install(options?: { workspace?: string; installer?: string; remoteBaseUrl?: string; tamper?: BbForgeTamper }): Promise<BbForgeInstallResult>;
  /** `avi:forge:upgraded:app` (app version + 1.0.0, same installations) to one installation. */
  upgrade(options?: { workspace?: string; upgrader?: string }): Promise<DeliveryResult>;
  /**
   * Forge sends no reliable uninstall event: by default POSTs `paths.preUninstall` first (one
   * attempt, FIT, no token), then removes the installation whatever the answer — its tokens get 401.
   */
  uninstall(options?: { workspace?: string; preUninstall?: boolean }): Promise<DeliveryResult | undefined>;
  /** The scheduled trigger to every live installation (`paths.tick`, FIT and system token), in install order. */
  tick(options?: { tamper?: BbForgeTamper }): Promise<DeliveryResult[]>;
  /** One Custom UI call: FIT (principal = viewer), `x-forge-oauth-system`, `x-forge-oauth-user`, JSON body; one attempt. */
  invokeRemote(input: BbInvokeRemoteInput): Promise<InvokeRemoteResult>;
  /** A pull-request product event to `paths.events` when the manifest subscribes to it; undefined when not delivered. */
  emitPullRequestEvent(input: BbForgePullRequestEventInput): Promise<DeliveryResult | undefined>;
  /** The live installation of a workspace (slug or `{uuid}`), or by ARI/uuid. */
  findInstallation(ref: string): BbForgeInstallation | undefined;
  listInstallations(): BbForgeInstallation[];
  /** The system token deliveries carry now for an installation (default the only one). */
  systemToken(installation?: string): string;
  /** A FIT for an installation (default the only live one, else the last) with `claims` deep-merged over an endpoint FIT's. */
  signFit(claims?: Record<string, unknown>, options?: FitSignOptions & { installation?: string }): Promise<string>;
  configure(changes: BbForgeOptionsInput): void;
  /** Wiring for the simulator's `bearer` extension point. */
  readonly bearer: BearerAuthenticator;
  close(): void;
}

/** What {@link createBitbucketForgeHost} needs from the simulator. */
export interface BitbucketForgeHostDeps {
  model: BitbucketModel;
  clock: SimClock;
  /** Read on every call: `listen()` moves the API base URL the FIT carries. */
  render: () => RenderContext;
  appFetch: SimFetch;
  options?: BbForgeOptionsInput;
}

/** Creates the host; nothing is installed until `install()`. Facts: bitbucket-cloud.md §2, forge-migration.md §3–§5. */
export function createBitbucketForgeHost(deps: BitbucketForgeHostDeps): BitbucketForgeHost {
  const { model, clock } = deps;
  let options = resolveBbForgeOptions(deps.options);
  const platform = createForgeAppPlatform({ clock, appFetch: deps.appFetch, options: () => options });
  const { signer, tokens } = platform;
  const live = new Map<string, BbForgeInstallation>(); // by workspace uuid
  const all: BbForgeInstallation[] = [];

  const appUser = (): BbAppUser => {
    const seed = `bitbucket-app-user:${options.appId}`;
    return { uuid: bracedUuid(uuidFromText(seed).replace(/-/g, '')), accountId: `557058:${uuidFromText(seed)}`, displayName: SIMULATED_APP_NAME };
  };
  const eventContext = (workspaceUuid: string) =>
    options.eventContext === 'workspace-ari' ? `ari:cloud:bitbucket::workspace/${workspaceUuid.replace(/^\{|\}$/g, '')}` : workspaceUuid;

  const claimsFor = (installation: BbForgeInstallation, invocation: BbFitInvocation) =>
    buildBbFitClaims(
      { appId: options.appId, appVersion: platform.appVersion(), environmentId: platform.environmentId(), installationId: installation.ari, workspaceUuid: installation.workspaceUuid, apiBaseUrl: deps.render().apiBaseUrl },
      invocation,
      clock.now(),
      options.fitTtlMs,
    );

  /** The FIT (tampered when asked) as request headers. */
  const fitHeaders = async (installation: BbForgeInstallation, invocation: BbFitInvocation, tamper: BbForgeTamper | undefined): Promise<Record<string, string>> => {
    let claims = claimsFor(installation, invocation);
    if (tamper === 'expired-fit') {
      const iat = Math.floor(clock.now() / 1000) - Math.ceil(options.fitTtlMs / 1000) - 120;
      claims = mergeClaims(claims, { iat, nbf: iat, exp: iat + Math.ceil(options.fitTtlMs / 1000) });
    }
    if (tamper === 'wrong-aud') claims = mergeClaims(claims, { aud: `ari:cloud:ecosystem::app/${uuidFromText('some-other-app')}` });
    const headers = invocationHeaders(await signer.sign(claims, tamper === 'wrong-key' ? { key: 'unknown' } : {}));
    if (tamper === 'missing-fit') delete headers.authorization;
    return headers;
  };

  const systemTokenOf = (installation: BbForgeInstallation) => tokens.deliver('system', installation.uuid, appUser().accountId);

  const findInstallation = (ref: string): BbForgeInstallation | undefined => {
    const byId = [...live.values()].find((i) => i.ari === ref || i.uuid === ref);
    if (byId) return byId;
    const workspace = model.findWorkspace(ref);
    return workspace ? live.get(workspace.uuid) : undefined;
  };

  const requireInstallation = (ref: string | undefined): BbForgeInstallation => {
    if (ref !== undefined) {
      const found = findInstallation(ref);
      if (!found) throw new Error(`The Bitbucket Forge app is not installed for ${ref}`);
      return found;
    }
    const [only, ...more] = live.values();
    if (!only || more.length > 0) throw new Error(`expected exactly one live Bitbucket Forge installation, found ${live.size}`);
    return only;
  };

  const resolveUser = (ref: string, what: string): BbUser => {
    const user = model.findUserByRef(ref);
    if (!user) throw new Error(`${what}: no user ${ref}`);
    return user;
  };

  /** Queues a POST to a backend endpoint; fresh FIT and token per attempt; abandoned once the installation is gone (pre-uninstall excepted). */
  const deliver = (installation: BbForgeInstallation, endpointKey: string, delivery: TriggerDelivery, withToken: boolean, tamper?: BbForgeTamper): Promise<DeliveryResult> =>
    platform.deliver(installation, delivery, {
      isLive: () => live.get(installation.workspaceUuid)?.uuid === installation.uuid,
      async headers() {
        const headers = await fitHeaders(installation, { kind: 'endpoint', endpointKey }, tamper);
        if (withToken && tamper !== 'missing-token') headers['x-forge-oauth-system'] = systemTokenOf(installation);
        return headers;
      },
    });
  const triggerDelivery = platform.triggerDelivery;

  const defaultInstaller = (workspace: BbWorkspace): string => {
    const uuid = [...workspace.memberUuids][0];
    const user = uuid === undefined ? undefined : model.findUser(uuid);
    return user?.accountId ?? platform.lifecycleApp().ownerAccountId;
  };

  const bearer = createBbForgeBearer({
    model,
    tokens,
    appUser,
    findLiveInstallation: (uuid) => [...live.values()].find((i) => i.uuid === uuid),
  });

  return {
    get appId() {
      return options.appId;
    },
    get jwksUrl() {
      return options.jwksUrl;
    },
    get options() {
      return options;
    },
    get appUser() {
      return appUser();
    },
    ...platform.keysAndDeliveries,

    async install(installOptions = {}) {
      const workspace = installOptions.workspace === undefined ? model.listWorkspaces()[0] : model.getWorkspace(installOptions.workspace);
      if (!workspace) throw new Error('the simulated Bitbucket has no workspace');
      if (live.has(workspace.uuid)) throw new Error(`The Bitbucket Forge app is already installed in ${workspace.slug}; uninstall() first`);
      const installation: BbForgeInstallation = {
        ...platform.newInstallation(installOptions.remoteBaseUrl),
        workspaceUuid: workspace.uuid,
        installerAccountId: installOptions.installer === undefined ? defaultInstaller(workspace) : resolveUser(installOptions.installer, 'install').accountId,
      };
      live.set(workspace.uuid, installation);
      all.push(installation);
      const body = bbInstalledBody(platform.lifecycleApp(), eventContext(workspace.uuid), installation.uuid, installation.installerAccountId);
      const result = await deliver(installation, ENDPOINT_KEYS.lifecycle, triggerDelivery('installed', options.paths.lifecycle, body), true, installOptions.tamper);
      return { ...result, installationId: installation.ari };
    },

    async upgrade(upgradeOptions = {}) {
      const installation = requireInstallation(upgradeOptions.workspace);
      platform.upgradeAppVersion();
      const upgrader = upgradeOptions.upgrader === undefined ? installation.installerAccountId : resolveUser(upgradeOptions.upgrader, 'upgrade').accountId;
      const body = bbUpgradedBody(platform.lifecycleApp(), eventContext(installation.workspaceUuid), installation.uuid, installation.installerAccountId, upgrader);
      return deliver(installation, ENDPOINT_KEYS.lifecycle, triggerDelivery('upgraded', options.paths.lifecycle, body), true);
    },

    async uninstall(uninstallOptions = {}) {
      const installation = requireInstallation(uninstallOptions.workspace);
      let result: DeliveryResult | undefined;
      if (uninstallOptions.preUninstall ?? true) {
        const body = bbPreUninstallBody(installation.workspaceUuid, PRE_UNINSTALL_MODULE_KEY);
        // Non-blocking in Forge: one attempt, and the uninstall goes on whatever the answer.
        result = await deliver(installation, ENDPOINT_KEYS.preUninstall, platform.preUninstallDelivery(options.paths.preUninstall, body), false);
      }
      live.delete(installation.workspaceUuid);
      tokens.forget(installation.uuid);
      return result;
    },

    async tick(tickOptions = {}) {
      const results: DeliveryResult[] = [];
      for (const installation of [...live.values()]) {
        const body = bbTickBody(installation.workspaceUuid, TICK_TRIGGER_KEY);
        results.push(await deliver(installation, ENDPOINT_KEYS.tick, triggerDelivery('tick', options.paths.tick, body), true, tickOptions.tamper));
      }
      return results;
    },

    async invokeRemote(input) {
      const installation = requireInstallation(input.installation);
      const viewer = resolveUser(input.viewer, 'invokeRemote');
      const moduleKey = input.moduleKey ?? `tally-${input.extension.type.split(':').pop() ?? 'ui'}`;
      const localId = platform.localIdOf(moduleKey);
      const headers = await fitHeaders(installation, { kind: 'ui', moduleKey, localId, extension: input.extension, accountId: viewer.accountId }, input.tamper);
      if (input.tamper !== 'missing-token') headers['x-forge-oauth-system'] = systemTokenOf(installation);
      headers['x-forge-oauth-user'] = tokens.deliver('user', installation.uuid, viewer.accountId);
      const path = input.path.startsWith('/') ? input.path : `${options.paths.ui}/${input.path}`;
      return platform.invokeRemote(installation, { accountId: viewer.accountId, path, body: input.body, ...(input.method ? { method: input.method } : {}) }, headers);
    },

    async emitPullRequestEvent(input) {
      const event = (input.event.startsWith('avi:') ? input.event : `avi:bitbucket:${input.event}:pullrequest`) as BbForgePullRequestEvent;
      const workspaces = input.workspace === undefined ? model.listWorkspaces() : [model.getWorkspace(input.workspace)];
      const repository = workspaces.map((w) => model.findRepository(w.uuid, input.repository)).find((r) => r !== undefined);
      if (!repository) throw new Error(`emitPullRequestEvent: no repository ${input.repository}`);
      const pullRequest = model.findPullRequest(repository.uuid, input.pullRequestId);
      if (!pullRequest) throw new Error(`emitPullRequestEvent: no pull request ${input.pullRequestId} in ${repository.slug}`);
      const installation = live.get(repository.workspaceUuid);
      if (!installation || !options.subscribedEvents.includes(event)) return undefined;
      const author = resolveUser(pullRequest.authorUuid, 'emitPullRequestEvent');
      const actor = input.actor === undefined ? author : resolveUser(input.actor, 'emitPullRequestEvent');
      const projectUuid = bracedUuid(uuidFromText(`project:${repository.uuid}`).replace(/-/g, ''));
      const body = bbPullRequestEventBody(
        { event, context: eventContext(repository.workspaceUuid), workspaceUuid: repository.workspaceUuid, repository, pullRequest, actor, author, nowMs: clock.now(), selfGenerated: input.selfGenerated ?? false },
        projectUuid,
      );
      return deliver(installation, ENDPOINT_KEYS.events, triggerDelivery('event', options.paths.events, body), true, input.tamper);
    },

    findInstallation,
    listInstallations: () => [...live.values()],
    systemToken: (ref) => systemTokenOf(requireInstallation(ref)),

    async signFit(claims = {}, signOptions = {}) {
      const { installation: ref, ...fitOptions } = signOptions;
      const installation = ref !== undefined || live.size > 0 ? requireInstallation(ref) : all[all.length - 1];
      if (!installation) throw new Error('signFit needs an installation: install() first');
      return signer.sign(mergeClaims(claimsFor(installation, { kind: 'endpoint', endpointKey: ENDPOINT_KEYS.tick }), claims), fitOptions);
    },
    configure(changes) {
      options = resolveBbForgeOptions(changes, options);
    },
    bearer,
    close: () => platform.close(),
  };
}
