import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import type { JiraSite } from '../jira/jira-site.js';
import type { SimEnv } from '../http/sim-env.js';
import type { SimFetch } from './app-call.js';
import { createFailedWebhookStore } from './failed-webhooks.js';
import { createInstallKeyStore, INSTALL_KEYS_PATH, type InstallKeyStore } from './install-keys.js';
import { createLifecycleSender, type LifecycleSender } from './lifecycle-sender.js';
import { createWebhookDispatcher, type WebhookDispatcher } from './webhook-dispatcher.js';
import { defaultWebhookOptions, type WebhookOptions } from './webhook-options.js';

export type { SimFetch } from './app-call.js';
export type { InstallResult, NotifyResult, LifecycleCallOptions } from './lifecycle-sender.js';
export type { Tamper } from './connect-token.js';
export type { WebhookOptions } from './webhook-options.js';
export type { FlushResult, WebhookDispatcher } from './webhook-dispatcher.js';
export type { DeliveryAttempt, PendingDelivery } from './webhook-delivery.js';
export type { FailedWebhook } from './failed-webhooks.js';

/** How the Connect host is built; everything but `appFetch` has a default. */
export interface ConnectHostOptions {
  /** How the simulated Jira reaches the app (global fetch over HTTP, or the app's in-process fetch). */
  appFetch: SimFetch;
  /** The site's tenant id towards apps (default a random UUID, stable for this site). */
  clientKey?: string;
  /** Lifetime of product→app tokens (default 180 s; a 900 s lifetime has also been observed). */
  tokenLifetimeSeconds?: number;
  /** Real-time limit on lifecycle calls (default 10 s). */
  requestTimeoutMs?: number;
  /** Webhook delivery; `mode` defaults to `manual` with a manual clock and `auto` otherwise. */
  webhooks?: Partial<WebhookOptions>;
  /**
   * The install-keys service to sign lifecycle calls with; default one of this site's own. Atlassian
   * runs one for every site, so a fleet of simulated sites may share one (and its RSA key generation).
   */
  installKeys?: InstallKeyStore;
}

/**
 * The Connect side of the simulated Jira: install keys, the lifecycle sender and the webhook
 * dispatcher. A test installs an app with `await connect.install(descriptorUrl)`, changes
 * worklogs, then `await connect.webhooks.flush()`.
 */
export interface ConnectHost extends LifecycleSender {
  /** Routes that need no Jira authentication (the install-keys endpoint). */
  publicRoutes: Hono<SimEnv>;
  /** Routes behind Jira authentication (`/rest/api/{2,3}/webhook/failed`). */
  routes: Hono<SimEnv>;
  /** Base URL an app fetches `/<kid>` from, in place of connect-install-keys.atlassian.com. Read it after `listen()`. */
  readonly installKeysUrl: string;
  /** The clientKey this site presents to apps. */
  readonly clientKey: string;
  readonly installKeys: InstallKeyStore;
  /** Makes a new install key current and returns its kid; old kids still resolve. */
  rotateInstallKey(): Promise<string>;
  readonly webhooks: WebhookDispatcher;
}

/** Creates the Connect host of `site`. It subscribes to worklog events at once. */
export function createConnectHost(site: JiraSite, options: ConnectHostOptions): ConnectHost {
  const clientKey = options.clientKey ?? randomUUID();
  const tokenLifetimeSeconds = options.tokenLifetimeSeconds ?? 180;
  const installKeys = options.installKeys ?? createInstallKeyStore();
  const webhookOptions: WebhookOptions = {
    mode: site.clock.mode === 'manual' ? 'manual' : 'auto',
    ...defaultWebhookOptions,
    ...options.webhooks,
  };
  const failures = createFailedWebhookStore(site, () => webhooks.options.failedRetentionMs);
  const webhooks = createWebhookDispatcher({ site, appFetch: options.appFetch, failures, tokenLifetimeSeconds, options: webhookOptions });
  const lifecycle = createLifecycleSender({
    site,
    keys: installKeys,
    appFetch: options.appFetch,
    clientKey,
    tokenLifetimeSeconds,
    requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
  });

  const publicRoutes = new Hono<SimEnv>();
  publicRoutes.route('/', installKeys.routes);
  const routes = new Hono<SimEnv>();
  routes.route('/', failures.routes);

  return {
    publicRoutes,
    routes,
    get installKeysUrl() {
      return site.baseUrl + INSTALL_KEYS_PATH;
    },
    clientKey,
    installKeys,
    rotateInstallKey: async () => (await installKeys.rotate()).kid,
    webhooks,
    install: lifecycle.install,
    uninstall: lifecycle.uninstall,
    enable: lifecycle.enable,
    disable: lifecycle.disable,
  };
}
