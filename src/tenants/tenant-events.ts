import { EventEmitter } from 'node:events';
import type { TenantId } from './tenant.js';

/** Events the platform edges emit and the sync (and later the purge) hang on. */
export interface TenantEventMap {
  /** A verified install or re-install was recorded; the sync starts a full synchronisation. */
  installed: { tenantId: TenantId; reinstalled: boolean; created: boolean };
  /** A verified uninstall was recorded; the purge deletes the tenant's data. */
  uninstalled: { tenantId: TenantId };
  /** The app was enabled or disabled on the site. */
  enabledChanged: { tenantId: TenantId; enabled: boolean };
  /** Jira announced a worklog change by webhook (a hint; polling stays the source of truth). */
  worklogWebhook: {
    tenantId: TenantId;
    event: 'worklog_created' | 'worklog_updated' | 'worklog_deleted';
    worklogId: string;
    issueId: string | undefined;
    /** `X-Atlassian-Webhook-Identifier`, the same across retries: the dedupe key. */
    deliveryId: string | undefined;
    /** Jira's `timestamp` of the event, epoch ms. */
    timestampMs: number | undefined;
    /**
     * `tally-write` when Tally itself announces a worklog it just wrote as a person
     * (src/worklog-writes/): the same hint, but no evidence that Jira's webhooks arrive, so it is
     * not counted as a webhook receipt. Absent for what the platform delivered.
     */
    source?: 'tally-write';
  };
}

/** A typed, in-process event bus for tenant lifecycle and webhook events. */
export interface TenantEvents {
  emit<K extends keyof TenantEventMap>(event: K, payload: TenantEventMap[K]): void;
  on<K extends keyof TenantEventMap>(event: K, listener: (payload: TenantEventMap[K]) => void): () => void;
}

/**
 * Creates the bus. Listeners run synchronously in emit order; a listener that throws is isolated
 * (reported to `onListenerError`) so one subscriber can never fail an install.
 */
export function createTenantEvents(onListenerError: (error: unknown, event: string) => void): TenantEvents {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(50);
  return {
    emit(event, payload) {
      for (const listener of emitter.listeners(event)) {
        try {
          (listener as (p: typeof payload) => void)(payload);
        } catch (error) {
          onListenerError(error, event);
        }
      }
    },
    on(event, listener) {
      emitter.on(event, listener);
      return () => emitter.off(event, listener);
    },
  };
}
