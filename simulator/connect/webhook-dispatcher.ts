import { randomUUID } from 'node:crypto';
import type { JiraSite, WorklogEvent } from '../jira/jira-site.js';
import { createRandom, type Random } from '../random.js';
import type { SimFetch } from './app-call.js';
import { listWebhookModules, readStoredDescriptor } from './app-descriptor.js';
import type { FailedWebhookStore } from './failed-webhooks.js';
import { renderWorklogWebhookBody } from './webhook-body.js';
import { deliverOnce, describeDelivery, type AttemptContext, type DeliveryAttempt, type PendingDelivery } from './webhook-delivery.js';
import type { WebhookOptions } from './webhook-options.js';

/** Counts of one `flush()`, by outcome. */
export interface FlushResult {
  attempts: number;
  delivered: number;
  retryScheduled: number;
  failed: number;
  rejected: number;
  abandoned: number;
}

/** The simulated Jira's webhook sender, with controls for tests. */
export interface WebhookDispatcher {
  /**
   * Sends every delivery due by the site clock now, including retries whose time has come, and
   * repeats until nothing is due. Serialised: concurrent calls run one after another. Never throws.
   */
  flush(): Promise<FlushResult>;
  /** Deliveries waiting (for a first attempt or a retry), earliest first. */
  pending(): PendingDelivery[];
  /** When the next pending delivery is due (site clock), or undefined when none is. */
  nextDueMs(): number | undefined;
  /** Every attempt so far, in order: the status and outcome of each. */
  delivered(): DeliveryAttempt[];
  /** Changes options from now on (`mode: 'auto'` starts the timers). */
  configure(changes: Partial<WebhookOptions>): void;
  readonly options: Readonly<WebhookOptions>;
  /** The next `count` deliveries are sent twice, with the same identifier. */
  duplicateNext(count?: number): void;
  /** The next `count` deliveries are lost: never sent, never listed as failed. */
  dropNext(count?: number): void;
  /** Stops the auto-mode timer and the event subscription. */
  close(): void;
}

/** What the dispatcher needs. */
export interface WebhookDispatcherDeps {
  site: JiraSite;
  appFetch: SimFetch;
  failures: FailedWebhookStore;
  tokenLifetimeSeconds: number;
  options: WebhookOptions;
}

const AUTO_POLL_MAX_MS = 60_000;

const OUTCOME_COUNTER = {
  delivered: 'delivered',
  'retry-scheduled': 'retryScheduled',
  failed: 'failed',
  rejected: 'rejected',
  abandoned: 'abandoned',
} as const satisfies Record<Exclude<DeliveryAttempt['outcome'], 'dropped'>, keyof FlushResult>;

function emptyResult(): FlushResult {
  return { attempts: 0, delivered: 0, retryScheduled: 0, failed: 0, rejected: 0, abandoned: 0 };
}

/** Subscribes to the site's worklog events and delivers them to installed, enabled apps. */
export function createWebhookDispatcher(deps: WebhookDispatcherDeps): WebhookDispatcher {
  const { site } = deps;
  const options: WebhookOptions = { ...deps.options, retryDelayMs: { ...deps.options.retryDelayMs } };
  let random: Random = createRandom(options.seed);
  let queue: PendingDelivery[] = [];
  const log: DeliveryAttempt[] = [];
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

  const enqueue = (event: WorklogEvent): void => {
    const now = site.clock.now();
    for (const app of site.apps.values()) {
      const descriptor = app.enabled ? readStoredDescriptor(app.descriptor) : undefined;
      if (!descriptor) continue;
      for (const module of listWebhookModules(descriptor, event.event)) {
        const delivery: PendingDelivery = {
          identifier: randomUUID(),
          appKey: app.key,
          event: event.event,
          path: module.url,
          body: module.excludeBody ? undefined : renderWorklogWebhookBody(site, event, options.deletedBody),
          flow: options.flow,
          retry: 0,
          dueMs: now,
          sequence: sequence++,
          duplicate: false,
        };
        if (dropCount > 0) {
          dropCount--;
          log.push({ ...describeDelivery(delivery), url: '', status: 0, outcome: 'dropped', atMs: now });
          continue;
        }
        queue.push(delivery);
        if (takeDuplicate()) queue.push({ ...delivery, sequence: sequence++, duplicate: true });
      }
    }
    schedule();
  };
  const unsubscribe = site.onWorklogEvent(enqueue);

  const order = (batch: PendingDelivery[]): PendingDelivery[] => {
    if (options.reorder === 'reverse') return batch.reverse();
    if (options.reorder === 'shuffle') {
      for (let i = batch.length - 1; i > 0; i--) {
        const j = random.int(0, i);
        [batch[i], batch[j]] = [batch[j] as PendingDelivery, batch[i] as PendingDelivery];
      }
    }
    return batch;
  };

  const attemptContext: AttemptContext = {
    site,
    appFetch: deps.appFetch,
    tokenLifetimeSeconds: deps.tokenLifetimeSeconds,
    options,
    failures: deps.failures,
    retryDelayMs: () => random.int(options.retryDelayMs.min, Math.max(options.retryDelayMs.min, options.retryDelayMs.max)),
    requeue: (next) => queue.push(next),
    log: (entry) => log.push(entry),
  };

  const runFlush = async (): Promise<FlushResult> => {
    const result = emptyResult();
    // Each pass takes what is due now; retries with a zero delay or new events join the next pass.
    // Bounded: every delivery has at most maxRetries + 1 attempts.
    for (;;) {
      const now = site.clock.now();
      const due = queue.filter((d) => d.dueMs <= now).sort((a, b) => a.dueMs - b.dueMs || a.sequence - b.sequence);
      if (due.length === 0) return result;
      queue = queue.filter((d) => d.dueMs > now);
      for (const delivery of order(due)) {
        const outcome = await deliverOnce(delivery, attemptContext);
        result[OUTCOME_COUNTER[outcome]]++;
        if (outcome !== 'abandoned') result.attempts++;
      }
    }
  };

  const flush = (): Promise<FlushResult> => {
    const run = chain.then(runFlush);
    chain = run.catch(() => undefined);
    return run;
  };

  function schedule(): void {
    if (options.mode !== 'auto' || timer !== undefined || queue.length === 0) return;
    const nextDue = queue.reduce((min, d) => Math.min(min, d.dueMs), Infinity);
    // Polls at least every minute: a test may move the site clock instead of waiting.
    const waitMs = Math.min(Math.max(options.autoDelayMs, nextDue - site.clock.now()), AUTO_POLL_MAX_MS);
    timer = setTimeout(() => {
      timer = undefined;
      flush()
        .catch((error: unknown) => console.error('[simulator] webhook flush failed', error))
        .finally(schedule);
    }, waitMs);
    timer.unref?.();
  }

  const stopTimer = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };

  return {
    flush,
    pending: () => [...queue].sort((a, b) => a.dueMs - b.dueMs || a.sequence - b.sequence),
    nextDueMs: () => (queue.length === 0 ? undefined : queue.reduce((min, d) => Math.min(min, d.dueMs), Infinity)),
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
    close() {
      stopTimer();
      unsubscribe();
    },
  };
}
