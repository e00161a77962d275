import { randomBytes } from 'node:crypto';
import { createQueryStringHash, encodeSymmetric, fromMethodAndUrl, SymmetricAlgorithm } from 'atlassian-jwt';
import { callRemote, outcomeStatus, type SimFetch } from '../http/remote-call.js';
import type { BbConnectInstallation, BbUser, BbWorkspace, BitbucketModel } from './bitbucket-model.js';
import { renderPullRequest, renderRepository, renderUser, renderWorkspace, renderWorkspaceAccount, type RenderContext } from './render.js';
import { appUrl, findModuleUrl, grantsScope, parseBitbucketDescriptor, webhooksFor, type BbDescriptor } from './connect-descriptor.js';
import { lifecyclePayload } from './connect-lifecycle-payload.js';
import { buildConnectPageUrl, type BbPageSubject } from './connect-page-url.js';
import { pullRequestWebhookBody, webhookHeaders, type BbPullRequestWebhookEvent, type BbWebhookCall } from './connect-webhooks.js';
import { uuidFromText } from '../forge/forge-ids.js';

export { BB_INSTALL_CANARY_PHONE } from './connect-lifecycle-payload.js';
export { parseBitbucketDescriptor } from './connect-descriptor.js';
export type { BbPageSubject } from './connect-page-url.js';
export type { BbPullRequestWebhookEvent, BbWebhookCall } from './connect-webhooks.js';

/**
 * A forged lifecycle call, for security tests. The model never changes on a tampered call:
 * whoever sends it is not Bitbucket.
 * - `unsigned-reinstall`: an `installed` for a known installation (same clientKey, a new secret) with no JWT.
 * - `wrong-secret`: the same re-install (or `uninstalled`) signed HS256 with a secret that is not the stored one.
 * - `foreign-base-url`: a first install (new clientKey) whose `baseUrl`/`baseApiUrl` are not Bitbucket's.
 * - `unsigned` (uninstall only): an `uninstalled` with no JWT.
 */
export type BbInstallTamper = 'unsigned-reinstall' | 'wrong-secret' | 'foreign-base-url';
export type BbUninstallTamper = 'unsigned' | 'wrong-secret';

/** Options of `install()`. */
export interface BbInstallOptions {
  /** Workspace slug or `{uuid}`; default the only (or first) workspace. */
  workspace?: string;
  /** Uuid of the installing user; default the workspace's first member, else the first user. */
  installer?: string;
  tamper?: BbInstallTamper;
  /** HTML base URL of the forger for `foreign-base-url` (default `https://bitbucket.attacker.example`). */
  foreignBaseUrl?: string;
  /**
   * Install as if Bitbucket had never seen the app in this workspace: a new clientKey, unsigned.
   * Without it, the first install after an uninstall reuses the old clientKey and is signed with
   * the old secret (§1.3).
   */
  fresh?: boolean;
}

/** Options of `uninstall()`; without `appKey`/`workspace` the only installation. */
export interface BbUninstallOptions {
  appKey?: string;
  workspace?: string;
  tamper?: BbUninstallTamper;
}

/**
 * The outcome of a lifecycle call. `ok`: the app answered 200/204 (and, untampered, the model
 * changed). `status` 0 when nothing answered. `clientKey` is the one in the payload.
 */
export interface BbConnectResult {
  ok: boolean;
  status: number;
  clientKey: string | undefined;
  reason?: string;
}

/** One lifecycle POST as sent, for tests (the JWT, the body) and canary checks. */
export interface BbLifecycleCall {
  event: 'installed' | 'uninstalled';
  url: string;
  /** The `Authorization` header sent, undefined for an unsigned call. */
  authorization: string | undefined;
  body: Record<string, unknown>;
  status: number;
}


/** What `pageUrl()` builds: a module's iframe URL as Bitbucket loads it for `viewer`. */
export interface BbPageUrlInput {
  /** The installed app; default the only one installed in the workspace. */
  appKey?: string;
  /** A module of the descriptor (any list: `webPanels`, `repoPages`, `configurePage`, …) whose `url` is the template. */
  moduleKey?: string;
  /** Or the template itself (absolute, or relative to the app's baseUrl). */
  url?: string;
  /** Workspace slug or `{uuid}`; default the only installation's. */
  workspace?: string;
  /** Repository slug or `{uuid}` in the workspace: fills `{repository.*}`. */
  repository?: string;
  /** Fills `{pullrequest.*}`; needs `repository`. */
  pullRequestId?: number;
  /** The user looking at the page (uuid or account id): fills `{user.*}`. */
  viewer?: string;
  /** The JWT's `sub`: the viewer's uuid by default ([UNVERIFIED], §6). */
  subject?: BbPageSubject;
  /** Default 180 s. */
  tokenLifetimeSeconds?: number;
}

/** What `emitPullRequestEvent()` sends to every app in the repository's workspace that subscribed. */
export interface BbPullRequestEventInput {
  event: BbPullRequestWebhookEvent;
  /** Workspace slug or `{uuid}`; default the repository's uuid decides. */
  workspace?: string;
  /** Repository slug or `{uuid}`. */
  repository: string;
  pullRequestId: number;
  /** Who did it (uuid or account id); default the pull request's author. */
  actor?: string;
}

/** The Bitbucket side of Connect: install/uninstall apps into workspaces (bitbucket-cloud.md §1.3), iframes, webhooks. */
export interface BitbucketConnectHost {
  install(descriptorUrl: string, options?: BbInstallOptions): Promise<BbConnectResult>;
  uninstall(options?: BbUninstallOptions): Promise<BbConnectResult>;
  /** The live installation of `appKey` in `workspace` (with its current secret), if any. */
  findInstallation(appKey: string, workspace: string): BbConnectInstallation | undefined;
  /** The iframe URL of a module with context parameters substituted and `jwt=` appended. Throws on unknown names. */
  pageUrl(input: BbPageUrlInput): string;
  /** POSTs the webhook to each installed app whose descriptor subscribes (one attempt each); resolves with the calls made. */
  emitPullRequestEvent(input: BbPullRequestEventInput): Promise<BbWebhookCall[]>;
  /** Every lifecycle POST so far, oldest first. */
  readonly calls: readonly BbLifecycleCall[];
  /** Every webhook POST so far, oldest first. */
  readonly webhookCalls: readonly BbWebhookCall[];
}

/** What the host needs from the simulator. */
export interface BitbucketConnectHostDeps {
  model: BitbucketModel;
  nowMs: () => number;
  /** Read on every call: `listen()` moves the API base URL. */
  render: () => RenderContext;
  appFetch: SimFetch;
  /** Real-time limit on a lifecycle or webhook POST; default 10 s. */
  requestTimeoutMs?: number;
  /** Lifetime of lifecycle JWTs; default 180 s. */
  tokenLifetimeSeconds?: number;
}

/**
 * What Bitbucket remembers of an app in a workspace, installed or not: the clientKey and the
 * secret of the last accepted `installed` outlive an uninstall, so the next install can reuse the
 * one and be signed with the other (§1.3).
 */
interface Known {
  descriptor: BbDescriptor;
  clientKey: string;
  sharedSecret: string;
  workspaceUuid: string;
  installerUuid: string;
}

/** Creates the host. Installations are keyed by (app key, workspace); the clientKey is stable across re-installs. */
export function createBitbucketConnectHost(deps: BitbucketConnectHostDeps): BitbucketConnectHost {
  const timeoutMs = deps.requestTimeoutMs ?? 10_000;
  const lifetime = deps.tokenLifetimeSeconds ?? 180;
  const known = new Map<string, Known>();
  const calls: BbLifecycleCall[] = [];
  const webhookCalls: BbWebhookCall[] = [];
  const id = (appKey: string, workspaceUuid: string) => `${appKey} ${workspaceUuid}`;

  const isLive = (entry: Known): boolean => deps.model.findInstallation(entry.clientKey) !== undefined;
  const liveEntries = () => [...known.values()].filter(isLive);

  const pickWorkspace = (ref: string | undefined): BbWorkspace => {
    if (ref !== undefined) return deps.model.getWorkspace(ref);
    const first = deps.model.listWorkspaces()[0];
    if (!first) throw new Error('the simulated Bitbucket has no workspace');
    return first;
  };

  const pickInstaller = (workspace: BbWorkspace, uuid: string | undefined): BbUser => {
    const wanted = uuid ?? [...workspace.memberUuids][0] ?? deps.model.listUsers()[0]?.uuid;
    const user = wanted === undefined ? undefined : deps.model.findUserByRef(wanted);
    if (!user) throw new Error(`no installer ${wanted ?? '(no users)'}`);
    return user;
  };

  /** HS256, `iss` = clientKey, `qsh` over the POST relative to the app's baseUrl (§1.4, Jira's algorithm). */
  const sign = (url: string, appBaseUrl: string, clientKey: string, secret: string): string => {
    const iat = Math.floor(deps.nowMs() / 1000);
    const qsh = createQueryStringHash(fromMethodAndUrl('POST', url), false, appBaseUrl);
    return `JWT ${encodeSymmetric({ iss: clientKey, iat, exp: iat + lifetime, qsh }, secret, SymmetricAlgorithm.HS256)}`;
  };

  const post = async (event: BbLifecycleCall['event'], url: string, authorization: string | undefined, body: Record<string, unknown>): Promise<number> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (authorization !== undefined) headers.authorization = authorization;
    const outcome = await callRemote(deps.appFetch, { url, method: 'POST', headers, body: JSON.stringify(body) }, timeoutMs);
    const status = outcomeStatus(outcome);
    calls.push({ event, url, authorization, body, status });
    return status;
  };

  const accepted = (status: number) => status === 200 || status === 204;
  const newSecret = () => randomBytes(32).toString('base64url');

  const fetchDescriptor = async (url: string) => {
    try {
      const response = await deps.appFetch(url, { headers: { accept: 'application/json' } });
      if (response.status !== 200) return { ok: false as const, status: response.status, reason: 'descriptor request failed' };
      return { ...parseBitbucketDescriptor(await response.json()), status: 0 };
    } catch (error) {
      return { ok: false as const, status: 0, reason: `descriptor unreachable: ${error instanceof Error ? error.message : String(error)}` };
    }
  };

  /** The one live installation matching the filters; throws unless exactly one does. */
  const pickLive = (appKey: string | undefined, workspaceUuid: string | undefined): Known => {
    const candidates = liveEntries().filter(
      (entry) => (appKey === undefined || entry.descriptor.key === appKey) && (workspaceUuid === undefined || entry.workspaceUuid === workspaceUuid),
    );
    const [target] = candidates;
    if (!target || candidates.length > 1) throw new Error(`expected exactly one matching installation, found ${candidates.length}`);
    return target;
  };

  return {
    calls,
    webhookCalls,

    findInstallation(appKey, workspace) {
      const found = deps.model.findWorkspace(workspace);
      const entry = found ? known.get(id(appKey, found.uuid)) : undefined;
      return entry ? deps.model.findInstallation(entry.clientKey) : undefined;
    },

    async install(descriptorUrl, options = {}) {
      const fetched = await fetchDescriptor(descriptorUrl);
      if (!fetched.ok) return { ok: false, status: fetched.status, clientKey: undefined, reason: fetched.reason };
      const { descriptor } = fetched;
      const workspace = pickWorkspace(options.workspace);
      const installer = pickInstaller(workspace, options.installer);
      const url = appUrl(descriptor.baseUrl, descriptor.lifecycle.installed);
      const key = id(descriptor.key, workspace.uuid);
      const previous = options.fresh ? undefined : known.get(key);
      const secret = newSecret();
      const tamper = options.tamper;
      const body = (clientKey: string, extra: { foreignBaseUrl?: string; sharedSecret?: string } = {}) =>
        lifecyclePayload(deps.render(), { event: 'installed', appKey: descriptor.key, clientKey, sharedSecret: secret, workspace, installer, ...extra });

      if (tamper === 'foreign-base-url') {
        const clientKey = `connection:${randomBytes(8).toString('hex')}`;
        const status = await post('installed', url, undefined, body(clientKey, { foreignBaseUrl: options.foreignBaseUrl ?? 'https://bitbucket.attacker.example' }));
        return { ok: accepted(status), status, clientKey };
      }

      if (tamper === 'unsigned-reinstall' || tamper === 'wrong-secret') {
        if (!previous) return { ok: false, status: 0, clientKey: undefined, reason: `${tamper} needs a known installation` };
        const { clientKey } = previous;
        const authorization = tamper === 'wrong-secret' ? sign(url, descriptor.baseUrl, clientKey, newSecret()) : undefined;
        const status = await post('installed', url, authorization, body(clientKey));
        return { ok: accepted(status), status, clientKey };
      }

      if (previous && isLive(previous)) {
        // Second and later installs: HS256 with the secret of the preceding `installed` (§1.3).
        const { clientKey } = previous;
        const status = await post('installed', url, sign(url, descriptor.baseUrl, clientKey, previous.sharedSecret), body(clientKey));
        if (!accepted(status)) return { ok: false, status, clientKey, reason: 'app refused the installation' };
        deps.model.replaceSharedSecret(clientKey, secret);
        Object.assign(previous, { descriptor, sharedSecret: secret, installerUuid: installer.uuid });
        return { ok: true, status, clientKey };
      }

      // A first install — or the first after an uninstall, which keeps the clientKey and is signed
      // with the old secret (§1.3). Registered before the POST, so the app can confirm the new
      // secret with a REST call while it handles it; dropped again if the app refuses.
      const installation = deps.model.installConnectApp(descriptor.key, workspace.uuid, previous ? { clientKey: previous.clientKey, sharedSecret: secret } : undefined);
      const { clientKey, sharedSecret } = installation;
      const authorization = previous ? sign(url, descriptor.baseUrl, clientKey, previous.sharedSecret) : undefined;
      const status = await post('installed', url, authorization, body(clientKey, { sharedSecret }));
      if (!accepted(status)) {
        deps.model.uninstallConnectApp(clientKey);
        return { ok: false, status, clientKey, reason: 'app refused the installation' };
      }
      known.set(key, { descriptor, clientKey, sharedSecret, workspaceUuid: workspace.uuid, installerUuid: installer.uuid });
      return { ok: true, status, clientKey };
    },

    async uninstall(options = {}) {
      const workspaceUuid = options.workspace === undefined ? undefined : deps.model.getWorkspace(options.workspace).uuid;
      const target = pickLive(options.appKey, workspaceUuid);
      const { descriptor, clientKey } = target;
      const workspace = deps.model.getWorkspace(target.workspaceUuid);
      const installer = pickInstaller(workspace, target.installerUuid);
      let status = 0;
      const path = descriptor.lifecycle.uninstalled;
      if (path !== undefined) {
        const url = appUrl(descriptor.baseUrl, path);
        const body = lifecyclePayload(deps.render(), { event: 'uninstalled', appKey: descriptor.key, clientKey, workspace, installer });
        const secret = options.tamper === 'wrong-secret' ? newSecret() : target.sharedSecret;
        const authorization = options.tamper === 'unsigned' ? undefined : sign(url, descriptor.baseUrl, clientKey, secret);
        status = await post('uninstalled', url, authorization, body);
      }
      if (options.tamper !== undefined) return { ok: accepted(status), status, clientKey };
      // Bitbucket removes the installation whatever the app answers; its secret stops working at
      // once, but Bitbucket keeps the clientKey and secret for the next install (§1.3).
      deps.model.uninstallConnectApp(clientKey);
      return { ok: path === undefined || accepted(status), status, clientKey };
    },

    pageUrl(input) {
      const ctx = deps.render();
      const target = pickLive(input.appKey, input.workspace === undefined ? undefined : deps.model.getWorkspace(input.workspace).uuid);
      const workspace = deps.model.getWorkspace(target.workspaceUuid);
      const template = input.url ?? (input.moduleKey === undefined ? undefined : findModuleUrl(target.descriptor, input.moduleKey));
      if (template === undefined) throw new Error(`pageUrl: no module ${input.moduleKey ?? '(none given)'} with a url in ${target.descriptor.key}`);
      const context: Record<string, unknown> = { workspace: renderWorkspace(ctx, workspace), principal: renderWorkspaceAccount(ctx, workspace) };
      const viewer = input.viewer === undefined ? undefined : deps.model.findUserByRef(input.viewer);
      if (input.viewer !== undefined && !viewer) throw new Error(`pageUrl: no user ${input.viewer}`);
      if (viewer) context.user = renderUser(ctx, viewer);
      if (input.repository !== undefined) {
        const repository = deps.model.findRepository(workspace.uuid, input.repository);
        if (!repository) throw new Error(`pageUrl: no repository ${input.repository} in ${workspace.slug}`);
        context.repository = { ...renderRepository(ctx, repository), owner: renderWorkspaceAccount(ctx, workspace) };
        if (input.pullRequestId !== undefined) {
          const pr = deps.model.findPullRequest(repository.uuid, input.pullRequestId);
          if (!pr) throw new Error(`pageUrl: no pull request ${input.pullRequestId} in ${repository.slug}`);
          context.pullrequest = renderPullRequest(ctx, pr, false);
        }
      }
      const subjectKind = input.subject ?? 'user-uuid';
      const subject = !viewer || subjectKind === 'none' ? undefined : subjectKind === 'user-uuid' ? viewer.uuid : viewer.accountId;
      return buildConnectPageUrl({
        descriptor: target.descriptor,
        template,
        clientKey: target.clientKey,
        sharedSecret: target.sharedSecret,
        context,
        subject,
        nowMs: deps.nowMs(),
        tokenLifetimeSeconds: input.tokenLifetimeSeconds ?? lifetime,
      });
    },

    async emitPullRequestEvent(input) {
      const workspace = input.workspace === undefined ? undefined : deps.model.getWorkspace(input.workspace);
      const repository = workspace
        ? deps.model.findRepository(workspace.uuid, input.repository)
        : deps.model.listWorkspaces().map((w) => deps.model.findRepository(w.uuid, input.repository)).find((r) => r !== undefined);
      if (!repository) throw new Error(`emitPullRequestEvent: no repository ${input.repository}`);
      const pr = deps.model.findPullRequest(repository.uuid, input.pullRequestId);
      if (!pr) throw new Error(`emitPullRequestEvent: no pull request ${input.pullRequestId} in ${repository.slug}`);
      const actor = deps.model.findUserByRef(input.actor ?? pr.authorUuid);
      if (!actor) throw new Error(`emitPullRequestEvent: no user ${input.actor ?? pr.authorUuid}`);
      const sent: BbWebhookCall[] = [];
      for (const entry of liveEntries().filter((e) => e.workspaceUuid === repository.workspaceUuid)) {
        // Since 2020-07-01 Bitbucket filters webhooks by the app's scopes (jira-connect-protocol.md §8).
        if (!grantsScope(entry.descriptor, 'pullrequest')) continue;
        for (const hook of webhooksFor(entry.descriptor, input.event)) {
          const url = appUrl(entry.descriptor.baseUrl, hook.url);
          const body = pullRequestWebhookBody(deps.render(), repository, pr, actor);
          const headers = { ...webhookHeaders(input.event, `{${uuidFromText(`${entry.clientKey} ${hook.event} ${hook.url}`)}}`), authorization: sign(url, entry.descriptor.baseUrl, entry.clientKey, entry.sharedSecret) };
          // Best effort: one attempt, no retries (Bitbucket's retry policy for Connect webhooks is not modelled).
          const outcome = await callRemote(deps.appFetch, { url, method: 'POST', headers, body: JSON.stringify(body) }, timeoutMs);
          const call: BbWebhookCall = { event: input.event, clientKey: entry.clientKey, url, headers, body, status: outcomeStatus(outcome) };
          webhookCalls.push(call);
          sent.push(call);
        }
      }
      return sent;
    },
  };
}
