import { randomUUID } from 'node:crypto';
import type { Hono } from 'hono';
import type { JiraSite, WorklogEvent } from '../jira/jira-site.js';
import type { SimEnv } from '../http/sim-env.js';
import { callRemote, outcomeStatus, type SimFetch } from '../http/remote-call.js';
import { renderWorklogWebhookBody } from '../connect/webhook-body.js';
import { isRetryableStatus } from '../connect/webhook-options.js';
import { createRandom, type Random } from '../random.js';
import { defaultAdminWebhookOptions, type AdminWebhookOptions } from './admin-webhook-options.js';
import { adminWebhookRoutes, renderAdminWebhook } from './admin-webhook-routes.js';
import { AdminWebhookStore, parseAdminWebhookInput, type AdminWebhookInput } from './admin-webhook-store.js';
import { expandWebhookUrl, passesJqlFilter, signatureHeader } from './admin-webhook-target.js';

export type { AdminWebhookOptions, HubSignatureTamper } from './admin-webhook-options.js';
export type { AdminWebhookInput } from './admin-webhook-store.js';
export { signHubSignature } from './hub-signature.js';

/** One attempt (or a delivery never sent), with exactly what went out. */
export interface AdminWebhookDelivery {
  /** `X-Atlassian-Webhook-Identifier`: the same across retries and duplicates. */
  identifier: string;
  webhookId: number;
  event: WorklogEvent['event'];
  url: string;
  /** 0 for the first attempt, else the `X-Atlassian-Webhook-Retry` value. */
  retry: number;
  /** 0 when nothing answered or nothing was sent. */
  status: number;
  outcome: 'delivered' | 'retry-scheduled' | 'failed' | 'rejected' | 'dropped' | 'abandoned';
  transportError?: 'timeout' | 'network-error';
  duplicate: boolean;
  atMs: number;
  headers: Record<string, string>;
  /** The raw body text sent (undefined with `excludeBody`). */
  body: string | undefined;
}

interface PendingDelivery {
  identifier: string;
  webhookId: number;
  event: WorklogEvent['event'];
  url: string;
  body: string | undefined;
  retry: number;
  dueMs: number;
  sequence: number;
  duplicate: boolean;
}

/** Admin webhooks of the site (`sim.adminWebhooks`): registration as in the UI, deliveries, controls. */
export interface AdminWebhooks {
  /**
   * Saves a webhook as an administrator would in Jira settings → System → WebHooks (`asAccountId`
   * defaults to the first active site administrator). Returns its id and `self`. Throws for an
   * input the REST API would refuse.
   */
  register(input: AdminWebhookInput & { asAccountId?: string }): { id: number; self: string };
  /** What `GET /rest/webhooks/1.0/webhook` answers (no secrets). */
  list(): Record<string, unknown>[];
  remove(id: number): boolean;
  /** Sends everything due by the site clock, retries that came due included; serialised; never throws. */
  flush(): Promise<{ attempts: number; delivered: number }>;
  /** Deliveries waiting for a first attempt or a retry, earliest first. */
  pending(): { identifier: string; webhookId: number; retry: number; dueMs: number }[];
  /** Every attempt so far, in order. */
  delivered(): AdminWebhookDelivery[];
  configure(changes: Partial<AdminWebhookOptions>): void;
  readonly options: Readonly<AdminWebhookOptions>;
  /** The next `count` deliveries go out twice with the same identifier. */
  duplicateNext(count?: number): void;
  /** The next `count` deliveries are lost. */
  dropNext(count?: number): void;
  /** `/rest/webhooks/1.0/webhook[/{id}]`, mounted behind authentication. */
  readonly routes: Hono<SimEnv>;
  close(): void;
}

/** Headers of one attempt: identifier, flow, retry count (absent on the first attempt), signature. */
function deliveryHeaders(d: PendingDelivery, secret: string | undefined, options: Readonly<AdminWebhookOptions>): Record<string, string> {
  const headers: Record<string, string> = { 'X-Atlassian-Webhook-Identifier': d.identifier, 'X-Atlassian-Webhook-Flow': 'Primary' };
  if (d.body !== undefined) headers['content-type'] = 'application/json';
  if (d.retry > 0) headers['X-Atlassian-Webhook-Retry'] = String(d.retry);
  const signature = signatureHeader(secret, d.body, options.tamper);
  if (signature !== undefined) headers['X-Hub-Signature'] = signature;
  return headers;
}

/**
 * Creates the site's admin webhooks and subscribes to worklog events: each change goes to every
 * enabled webhook listing its event (self-hosted-site.md §4), as the v2 body Connect webhooks
 * carry, through `appFetch`, with the Connect webhooks' retry rules (jira-connect-protocol.md §2).
 */
export function createAdminWebhooks(deps: { site: JiraSite; appFetch: SimFetch; options?: Partial<AdminWebhookOptions> }): AdminWebhooks {
  const { site } = deps;
  const options: AdminWebhookOptions = { mode: site.clock.mode === 'manual' ? 'manual' : 'auto', ...defaultAdminWebhookOptions, ...deps.options };
  const store = new AdminWebhookStore(site);
  let random: Random = createRandom(options.seed);
  let queue: PendingDelivery[] = [];
  const log: AdminWebhookDelivery[] = [];
  let sequence = 0;
  let duplicateCount = 0;
  let dropCount = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let chain: Promise<unknown> = Promise.resolve();

  const takeDuplicate = (): boolean => {
    if (duplicateCount > 0) {
      duplicateCount--;
      return true;
    }
    return options.duplicateShare > 0 && random.chance(options.duplicateShare);
  };

  const unsubscribe = site.onWorklogEvent((event) => {
    const now = site.clock.now();
    for (const hook of store.list()) {
      if (!hook.enabled || !hook.events.includes(event.event)) continue;
      if (options.jqlFilterAppliesToWorklogEvents && !passesJqlFilter(site, hook, event)) continue;
      const body = hook.excludeBody ? undefined : renderWorklogWebhookBody(site, event, options.deletedBody);
      const delivery: PendingDelivery = { identifier: randomUUID(), webhookId: hook.id, event: event.event, url: expandWebhookUrl(site, hook.url, event), body, retry: 0, dueMs: now, sequence: sequence++, duplicate: false };
      if (dropCount > 0) {
        dropCount--;
        log.push({ ...delivery, status: 0, outcome: 'dropped', atMs: now, headers: {} });
        continue;
      }
      queue.push(delivery);
      if (takeDuplicate()) queue.push({ ...delivery, sequence: sequence++, duplicate: true });
    }
    schedule();
  });

  async function attempt(d: PendingDelivery): Promise<AdminWebhookDelivery['outcome']> {
    const hook = store.find(d.webhookId);
    const base = { identifier: d.identifier, webhookId: d.webhookId, event: d.event, url: d.url, retry: d.retry, duplicate: d.duplicate, body: d.body };
    if (!hook || !hook.enabled) {
      log.push({ ...base, status: 0, outcome: 'abandoned', atMs: site.clock.now(), headers: {} });
      return 'abandoned';
    }
    const headers = deliveryHeaders(d, hook.secret, options);
    const outcome = await callRemote(deps.appFetch, { url: d.url, method: 'POST', headers, body: d.body }, options.timeoutMs);
    const atMs = site.clock.now();
    const status = outcomeStatus(outcome);
    let verdict: AdminWebhookDelivery['outcome'];
    if (status >= 200 && status < 300) verdict = 'delivered';
    else if (outcome.kind === 'response' && !isRetryableStatus(status)) verdict = 'rejected';
    else if (d.retry < options.maxRetries) {
      verdict = 'retry-scheduled';
      const delayMs = random.int(options.retryDelayMs.min, Math.max(options.retryDelayMs.min, options.retryDelayMs.max));
      queue.push({ ...d, retry: d.retry + 1, dueMs: atMs + delayMs });
    } else verdict = 'failed';
    log.push({ ...base, status, outcome: verdict, atMs, headers, ...(outcome.kind === 'response' ? {} : { transportError: outcome.kind }) });
    return verdict;
  }

  const runFlush = async () => {
    const result = { attempts: 0, delivered: 0 };
    // Bounded: every delivery has at most maxRetries + 1 attempts.
    for (;;) {
      const now = site.clock.now();
      const due = queue.filter((d) => d.dueMs <= now).sort((a, b) => a.dueMs - b.dueMs || a.sequence - b.sequence);
      if (due.length === 0) return result;
      queue = queue.filter((d) => d.dueMs > now);
      for (const delivery of due) {
        const outcome = await attempt(delivery);
        if (outcome !== 'abandoned') result.attempts++;
        if (outcome === 'delivered') result.delivered++;
      }
    }
  };
  const flush = () => {
    const run = chain.then(runFlush);
    chain = run.catch(() => undefined);
    return run;
  };

  function schedule(): void {
    if (options.mode !== 'auto' || timer !== undefined || queue.length === 0) return;
    const nextDue = queue.reduce((min, d) => Math.min(min, d.dueMs), Infinity);
    // Polls at least every minute: a test may move the site clock instead of waiting.
    timer = setTimeout(() => {
      timer = undefined;
      flush()
        .catch((error: unknown) => console.error('[simulator] admin webhook flush failed', error))
        .finally(schedule);
    }, Math.min(Math.max(options.autoDelayMs, nextDue - site.clock.now()), 60_000));
    timer.unref?.();
  }
  const stopTimer = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };

  const defaultAdmin = () => [...site.users.values()].find((u) => u.siteAdmin && u.active && u.accountType === 'atlassian')?.accountId;

  return {
    register({ asAccountId, ...input }) {
      const accountId = asAccountId ?? defaultAdmin();
      if (accountId === undefined || !site.users.get(accountId)?.siteAdmin) throw new RangeError('admin webhooks are registered by a site administrator');
      const hook = store.create(parseAdminWebhookInput(input, options.requireHttps), accountId);
      return { id: hook.id, self: renderAdminWebhook(site, hook).self as string };
    },
    list: () => store.list().map((hook) => renderAdminWebhook(site, hook)),
    remove: (id) => store.remove(id),
    flush,
    pending: () => [...queue].sort((a, b) => a.dueMs - b.dueMs || a.sequence - b.sequence).map(({ identifier, webhookId, retry, dueMs }) => ({ identifier, webhookId, retry, dueMs })),
    delivered: () => [...log],
    configure(changes) {
      Object.assign(options, changes);
      if (changes.seed !== undefined) random = createRandom(changes.seed);
      stopTimer();
      schedule();
    },
    options,
    duplicateNext: (count = 1) => {
      duplicateCount += count;
    },
    dropNext: (count = 1) => {
      dropCount += count;
    },
    routes: adminWebhookRoutes(site, store, () => options.requireHttps),
    close() {
      stopTimer();
      unsubscribe();
    },
  };
}
