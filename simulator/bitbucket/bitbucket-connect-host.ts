import { randomBytes } from 'node:crypto';
import { createQueryStringHash, encodeSymmetric, fromMethodAndUrl, SymmetricAlgorithm } from 'atlassian-jwt';
import { callRemote, outcomeStatus, type SimFetch } from '../http/remote-call.js';
import type { BbConnectInstallation, BbUser, BbWorkspace, BitbucketModel } from './bitbucket-model.js';
import { bitbucketDate, renderUser, renderWorkspaceAccount, type RenderContext } from './render.js';

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

/** The Bitbucket side of Connect: install/uninstall apps into workspaces (bitbucket-cloud.md §1.3). */
export interface BitbucketConnectHost {
  install(descriptorUrl: string, options?: BbInstallOptions): Promise<BbConnectResult>;
  uninstall(options?: BbUninstallOptions): Promise<BbConnectResult>;
  /** The live installation of `appKey` in `workspace` (with its current secret), if any. */
  findInstallation(appKey: string, workspace: string): BbConnectInstallation | undefined;
  /** Every lifecycle POST so far, oldest first. */
  readonly calls: readonly BbLifecycleCall[];
}

/** What the host needs from the simulator. */
export interface BitbucketConnectHostDeps {
  model: BitbucketModel;
  nowMs: () => number;
  /** Read on every call: `listen()` moves the API base URL. */
  render: () => RenderContext;
  appFetch: SimFetch;
  /** Real-time limit on a lifecycle POST; default 10 s. */
  requestTimeoutMs?: number;
  /** Lifetime of lifecycle JWTs; default 180 s. */
  tokenLifetimeSeconds?: number;
}

/**
 * A fixed phone number put on the payload's `principal` and `user` on purpose (with the
 * installer's e-mail): a canary that the app must neither log nor store. Bitbucket's documented
 * objects carry no phone; the e-mail is [UNVERIFIED] too.
 */
export const BB_INSTALL_CANARY_PHONE = '+1-202-555-0147';

interface BbDescriptor {
  key: string;
  baseUrl: string;
  lifecycle: { installed: string; uninstalled?: string };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The minimum Bitbucket needs: `key`, https-or-loopback `baseUrl`, `authentication.type: jwt`, `lifecycle.installed`. */
export function parseBitbucketDescriptor(value: unknown): { ok: true; descriptor: BbDescriptor } | { ok: false; reason: string } {
  if (!isRecord(value)) return { ok: false, reason: 'descriptor is not an object' };
  const { key, baseUrl, authentication, lifecycle } = value;
  if (typeof key !== 'string' || !/^[a-zA-Z0-9-._]+$/.test(key)) return { ok: false, reason: 'descriptor key missing or invalid' };
  if (typeof baseUrl !== 'string' || !URL.canParse(baseUrl)) return { ok: false, reason: 'descriptor baseUrl missing or invalid' };
  if (!isRecord(authentication) || authentication.type !== 'jwt') return { ok: false, reason: 'descriptor authentication.type is not jwt' };
  if (!isRecord(lifecycle) || typeof lifecycle.installed !== 'string') return { ok: false, reason: 'descriptor declares no lifecycle.installed' };
  const uninstalled = typeof lifecycle.uninstalled === 'string' ? lifecycle.uninstalled : undefined;
  return { ok: true, descriptor: { key, baseUrl, lifecycle: { installed: lifecycle.installed, ...(uninstalled ? { uninstalled } : {}) } } };
}

/** A lifecycle path (absolute, or relative to the app's baseUrl) as an absolute URL. */
function lifecycleUrl(baseUrl: string, path: string): string {
  if (/^https?:\/\//i.test(path)) return path;
  return `${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

interface Known {
  descriptor: BbDescriptor;
  installation: BbConnectInstallation;
  installerUuid: string;
}

/** Creates the host. Installations are keyed by (app key, workspace); the clientKey is stable across re-installs. */
export function createBitbucketConnectHost(deps: BitbucketConnectHostDeps): BitbucketConnectHost {
  const timeoutMs = deps.requestTimeoutMs ?? 10_000;
  const lifetime = deps.tokenLifetimeSeconds ?? 180;
  const known = new Map<string, Known>();
  const calls: BbLifecycleCall[] = [];
  const id = (appKey: string, workspaceUuid: string) => `${appKey} ${workspaceUuid}`;

  const live = (entry: Known | undefined): Known | undefined =>
    entry && deps.model.findInstallation(entry.installation.clientKey) === entry.installation ? entry : undefined;

  const pickWorkspace = (ref: string | undefined): BbWorkspace => {
    if (ref !== undefined) return deps.model.getWorkspace(ref);
    const first = deps.model.listWorkspaces()[0];
    if (!first) throw new Error('the simulated Bitbucket has no workspace');
    return first;
  };

  const pickInstaller = (workspace: BbWorkspace, uuid: string | undefined): BbUser => {
    const wanted = uuid ?? [...workspace.memberUuids][0] ?? deps.model.listUsers()[0]?.uuid;
    const user = wanted === undefined ? undefined : deps.model.findUser(wanted);
    if (!user) throw new Error(`no installer ${wanted ?? '(no users)'}`);
    return user;
  };

  /** HS256, `iss` = clientKey, `qsh` over the POST relative to the app's baseUrl (§1.4, Jira's algorithm). */
  const sign = (url: string, appBaseUrl: string, clientKey: string, secret: string): string => {
    const iat = Math.floor(deps.nowMs() / 1000);
    const qsh = createQueryStringHash(fromMethodAndUrl('POST', url), false, appBaseUrl);
    return `JWT ${encodeSymmetric({ iss: clientKey, iat, exp: iat + lifetime, qsh }, secret, SymmetricAlgorithm.HS256)}`;
  };

  const payload = (input: {
    event: 'installed' | 'uninstalled';
    appKey: string;
    clientKey: string;
    sharedSecret?: string;
    workspace: BbWorkspace;
    installer: BbUser;
    foreignBaseUrl?: string;
  }): Record<string, unknown> => {
    const ctx = deps.render();
    const principal = { ...renderWorkspaceAccount(ctx, input.workspace), created_on: bitbucketDate(input.workspace.createdOnMs) };
    const user = { ...renderUser(ctx, input.installer), username: input.installer.nickname };
    const canary = { email: input.installer.email, phone: BB_INSTALL_CANARY_PHONE };
    const foreign = input.foreignBaseUrl?.replace(/\/+$/, '');
    return {
      key: input.appKey,
      eventType: input.event,
      clientKey: input.clientKey,
      ...(input.sharedSecret !== undefined ? { sharedSecret: input.sharedSecret } : {}),
      baseUrl: foreign ?? ctx.htmlBaseUrl,
      baseApiUrl: foreign ? foreign.replace(/^(https?:\/\/)/, '$1api.') : ctx.apiBaseUrl,
      productType: 'bitbucket',
      principal: { ...principal, ...canary },
      user: { ...user, ...canary },
    };
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

  const fetchDescriptor = async (url: string) => {
    try {
      const response = await deps.appFetch(url, { headers: { accept: 'application/json' } });
      if (response.status !== 200) return { ok: false as const, status: response.status, reason: 'descriptor request failed' };
      return { ...parseBitbucketDescriptor(await response.json()), status: 0 };
    } catch (error) {
      return { ok: false as const, status: 0, reason: `descriptor unreachable: ${error instanceof Error ? error.message : String(error)}` };
    }
  };

  return {
    calls,

    findInstallation(appKey, workspace) {
      const found = deps.model.findWorkspace(workspace);
      return found ? live(known.get(id(appKey, found.uuid)))?.installation : undefined;
    },

    async install(descriptorUrl, options = {}) {
      const fetched = await fetchDescriptor(descriptorUrl);
      if (!fetched.ok) return { ok: false, status: fetched.status, clientKey: undefined, reason: fetched.reason };
      const { descriptor } = fetched;
      const workspace = pickWorkspace(options.workspace);
      const installer = pickInstaller(workspace, options.installer);
      const url = lifecycleUrl(descriptor.baseUrl, descriptor.lifecycle.installed);
      const previous = live(known.get(id(descriptor.key, workspace.uuid)));
      const newSecret = randomBytes(32).toString('base64url');
      const tamper = options.tamper;

      if (tamper === 'foreign-base-url') {
        const clientKey = `connection:${randomBytes(8).toString('hex')}`;
        const body = payload({ event: 'installed', appKey: descriptor.key, clientKey, sharedSecret: newSecret, workspace, installer, foreignBaseUrl: options.foreignBaseUrl ?? 'https://bitbucket.attacker.example' });
        const status = await post('installed', url, undefined, body);
        return { ok: accepted(status), status, clientKey };
      }

      if (tamper === 'unsigned-reinstall' || tamper === 'wrong-secret') {
        if (!previous) return { ok: false, status: 0, clientKey: undefined, reason: `${tamper} needs a known installation` };
        const { clientKey } = previous.installation;
        const body = payload({ event: 'installed', appKey: descriptor.key, clientKey, sharedSecret: newSecret, workspace, installer });
        const authorization = tamper === 'wrong-secret' ? sign(url, descriptor.baseUrl, clientKey, randomBytes(32).toString('base64url')) : undefined;
        const status = await post('installed', url, authorization, body);
        return { ok: accepted(status), status, clientKey };
      }

      if (previous) {
        // Second and later installs: HS256 with the secret of the preceding `installed` (§1.3).
        const { installation } = previous;
        const body = payload({ event: 'installed', appKey: descriptor.key, clientKey: installation.clientKey, sharedSecret: newSecret, workspace, installer });
        const status = await post('installed', url, sign(url, descriptor.baseUrl, installation.clientKey, installation.sharedSecret), body);
        if (!accepted(status)) return { ok: false, status, clientKey: installation.clientKey, reason: 'app refused the installation' };
        // The model has no way to replace a secret under the same clientKey; its record is this object.
        (installation as { sharedSecret: string }).sharedSecret = newSecret;
        previous.descriptor = descriptor;
        previous.installerUuid = installer.uuid;
        return { ok: true, status, clientKey: installation.clientKey };
      }

      // First install: no previous secret, so no JWT at all (§1.3).
      const installation = deps.model.installConnectApp(descriptor.key, workspace.uuid);
      const body = payload({ event: 'installed', appKey: descriptor.key, clientKey: installation.clientKey, sharedSecret: installation.sharedSecret, workspace, installer });
      const status = await post('installed', url, undefined, body);
      if (!accepted(status)) {
        deps.model.uninstallConnectApp(installation.clientKey);
        return { ok: false, status, clientKey: installation.clientKey, reason: 'app refused the installation' };
      }
      known.set(id(descriptor.key, workspace.uuid), { descriptor, installation, installerUuid: installer.uuid });
      return { ok: true, status, clientKey: installation.clientKey };
    },

    async uninstall(options = {}) {
      const workspaceUuid = options.workspace === undefined ? undefined : deps.model.getWorkspace(options.workspace).uuid;
      const candidates = [...known.values()].filter(
        (entry) =>
          live(entry) &&
          (options.appKey === undefined || entry.descriptor.key === options.appKey) &&
          (workspaceUuid === undefined || entry.installation.workspaceUuid === workspaceUuid),
      );
      const [target] = candidates;
      if (!target || candidates.length > 1) throw new Error(`expected exactly one matching installation, found ${candidates.length}`);
      const { installation, descriptor } = target;
      const workspace = deps.model.getWorkspace(installation.workspaceUuid);
      const installer = pickInstaller(workspace, target.installerUuid);
      let status = 0;
      const path = descriptor.lifecycle.uninstalled;
      if (path !== undefined) {
        const url = lifecycleUrl(descriptor.baseUrl, path);
        const body = payload({ event: 'uninstalled', appKey: descriptor.key, clientKey: installation.clientKey, workspace, installer });
        const secret = options.tamper === 'wrong-secret' ? randomBytes(32).toString('base64url') : installation.sharedSecret;
        const authorization = options.tamper === 'unsigned' ? undefined : sign(url, descriptor.baseUrl, installation.clientKey, secret);
        status = await post('uninstalled', url, authorization, body);
      }
      if (options.tamper !== undefined) return { ok: accepted(status), status, clientKey: installation.clientKey };
      // Bitbucket removes the installation whatever the app answers; its secret stops working at once.
      deps.model.uninstallConnectApp(installation.clientKey);
      known.delete(id(descriptor.key, installation.workspaceUuid));
      return { ok: path === undefined || accepted(status), status, clientKey: installation.clientKey };
    },
  };
}
