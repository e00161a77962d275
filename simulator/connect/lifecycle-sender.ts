import { randomBytes } from 'node:crypto';
import type { JiraSite, SimInstalledApp } from '../jira/jira-site.js';
import { callApp, outcomeStatus, type SimFetch } from './app-call.js';
import { appUrl, parseAppDescriptor, readStoredDescriptor, type AppDescriptor } from './app-descriptor.js';
import { signInstallToken, signSharedSecretToken, type Tamper, type TokenSubject } from './connect-token.js';
import type { InstallKeyStore } from './install-keys.js';
import { buildLifecyclePayload, pemBody, type LifecycleEvent } from './lifecycle-payload.js';

/** What the lifecycle sender needs from the Connect host. */
export interface LifecycleSenderDeps {
  site: JiraSite;
  keys: InstallKeyStore;
  appFetch: SimFetch;
  /** The site's tenant id towards apps; stable across re-installs. */
  clientKey: string;
  tokenLifetimeSeconds: number;
  requestTimeoutMs: number;
}

/** Options of one lifecycle call. */
export interface LifecycleCallOptions {
  /** Which installed app; defaults to the only one installed. */
  appKey?: string;
  /** Send a deliberately broken token (see {@link Tamper}). */
  tamper?: Tamper;
  /** Extra or replaced payload fields (e.g. a different `clientKey` for a site import). */
  payload?: Record<string, unknown>;
}

/** The outcome of `install()`: recorded only when the app answered 200 or 204. */
export type InstallResult =
  | { ok: true; status: number; appKey: string; clientKey: string; sharedSecret: string }
  | { ok: false; status: number; reason: string };

/** The outcome of an asynchronous notification; the site's state changes whatever the app says. */
export interface NotifyResult {
  appKey: string;
  /** The app's status; 0 when nothing answered; undefined when the descriptor declares no URL. */
  status: number | undefined;
}

/** Sends Connect lifecycle events to apps (jira-connect-protocol.md §4.5, §4.6). */
export interface LifecycleSender {
  /**
   * Fetches the descriptor, POSTs `installed` (RS256, new shared secret) and records the app if
   * it answers 200/204. Re-runnable: a re-install replaces the secret. Never throws.
   */
  install(descriptorUrl: string, options?: Omit<LifecycleCallOptions, 'appKey'>): Promise<InstallResult>;
  /** Removes the app, then POSTs `uninstalled` (RS256). Throws when the app is not installed (a test bug). */
  uninstall(options?: LifecycleCallOptions): Promise<NotifyResult>;
  /** Enables the app, then POSTs `enabled` (HS256). Throws when the app is not installed. */
  enable(options?: LifecycleCallOptions): Promise<NotifyResult>;
  /** Disables the app (REST 401, no webhooks), then POSTs `disabled` (HS256). Throws when not installed. */
  disable(options?: LifecycleCallOptions): Promise<NotifyResult>;
}

async function fetchDescriptor(appFetch: SimFetch, url: string): Promise<{ ok: true; descriptor: AppDescriptor } | { ok: false; status: number; reason: string }> {
  try {
    const response = await appFetch(url, { headers: { accept: 'application/json' } });
    if (response.status !== 200) return { ok: false, status: response.status, reason: 'descriptor request failed' };
    const check = parseAppDescriptor(await response.json());
    return check.ok ? check : { ok: false, status: 0, reason: check.reason };
  } catch (error) {
    return { ok: false, status: 0, reason: `descriptor unreachable: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** Creates the sender. Each call is independent; `install` may be repeated (a re-install). */
export function createLifecycleSender(deps: LifecycleSenderDeps): LifecycleSender {
  const { site } = deps;

  const subject = (url: string, baseUrl: string, tamper: Tamper | undefined): TokenSubject => ({
    method: 'POST',
    url,
    appBaseUrl: baseUrl,
    clientKey: deps.clientKey,
    nowMs: site.clock.now(),
    lifetimeSeconds: deps.tokenLifetimeSeconds,
    tamper,
  });

  const findTarget = (appKey: string | undefined): SimInstalledApp => {
    const apps = [...site.apps.values()];
    const app = appKey === undefined ? (apps.length === 1 ? apps[0] : undefined) : site.findApp(appKey);
    if (!app) throw new Error(appKey === undefined ? `expected exactly one installed app, found ${apps.length}` : `app ${appKey} is not installed`);
    return app;
  };

  const notify = async (app: SimInstalledApp, eventType: LifecycleEvent, options: LifecycleCallOptions): Promise<NotifyResult> => {
    const path = readStoredDescriptor(app.descriptor)?.lifecycle?.[eventType];
    if (path === undefined) return { appKey: app.key, status: undefined };
    const url = appUrl(app.baseUrl, path);
    const key = await deps.keys.current();
    const body = buildLifecyclePayload(site, {
      eventType,
      appKey: app.key,
      clientKey: deps.clientKey,
      publicKey: pemBody(key.publicKeyPem),
      oauthClientId: app.oauthClientId,
      extra: options.payload,
    });
    // Install and uninstall are signed RS256 (signed install); enabled/disabled stay HS256 (§4.5).
    const token =
      eventType === 'uninstalled'
        ? await signInstallToken(subject(url, app.baseUrl, options.tamper), key)
        : signSharedSecretToken(subject(url, app.baseUrl, options.tamper), app.sharedSecret);
    const outcome = await callApp(deps.appFetch, { url, token, body: JSON.stringify(body) }, deps.requestTimeoutMs);
    return { appKey: app.key, status: outcomeStatus(outcome) };
  };

  return {
    async install(descriptorUrl, options = {}) {
      const fetched = await fetchDescriptor(deps.appFetch, descriptorUrl);
      if (!fetched.ok) return fetched;
      const { descriptor } = fetched;
      const path = descriptor.lifecycle?.installed;
      if (path === undefined) return { ok: false, status: 0, reason: 'descriptor declares no lifecycle.installed' };
      const url = appUrl(descriptor.baseUrl, path);
      const key = await deps.keys.current();
      // A new secret on every (re-)install, as observed on Jira Cloud (§4.5).
      const sharedSecret = randomBytes(32).toString('base64url');
      const body = buildLifecyclePayload(site, {
        eventType: 'installed',
        appKey: descriptor.key,
        clientKey: deps.clientKey,
        sharedSecret,
        publicKey: pemBody(key.publicKeyPem),
        oauthClientId: site.oauthClientIdFor(descriptor.key),
        extra: options.payload,
      });
      const token = await signInstallToken(subject(url, descriptor.baseUrl, options.tamper), key);
      const outcome = await callApp(deps.appFetch, { url, token, body: JSON.stringify(body) }, deps.requestTimeoutMs);
      const status = outcomeStatus(outcome);
      // `installed` is synchronous: anything but 200/204 marks the install incomplete (§4.5).
      if (status !== 200 && status !== 204) return { ok: false, status, reason: 'app refused the installation' };
      site.registerApp({ key: descriptor.key, clientKey: deps.clientKey, sharedSecret, baseUrl: descriptor.baseUrl, descriptor });
      return { ok: true, status, appKey: descriptor.key, clientKey: deps.clientKey, sharedSecret };
    },

    async uninstall(options = {}) {
      const app = findTarget(options.appKey);
      // Jira removes the app whatever the app answers; the callback is a notification.
      site.apps.delete(app.key);
      return notify(app, 'uninstalled', options);
    },

    async enable(options = {}) {
      const app = findTarget(options.appKey);
      app.enabled = true;
      return notify(app, 'enabled', options);
    },

    async disable(options = {}) {
      const app = findTarget(options.appKey);
      app.enabled = false;
      return notify(app, 'disabled', options);
    },
  };
}
