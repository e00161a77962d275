import type { Queue } from 'pg-boss';

/**
 * The pg-boss settings Tally runs with, in one place (docs/jobs-on-postgres.md explains each).
 * Every value can be overridden per queue (tests shorten the timings).
 */
export interface PgBossQueueSettings {
  /** The one pg-boss queue every Tally job kind goes to (one `singleton` key space per tenant). */
  queueName: string;
  /** pg-boss's schema in the database (created and migrated by pg-boss on start). */
  schema: string;
  /**
   * A running job's heartbeat deadline: a job not heard from for this long (a killed or frozen
   * instance) is moved to `retry` by the next supervisor pass of any instance. pg-boss's minimum is 10.
   */
  heartbeatSeconds: number;
  /** How often a running job heartbeats; also how soon an instance notices a job cancelled elsewhere. */
  heartbeatRefreshSeconds: number;
  /** How often each instance's supervisor expires jobs (heartbeat and `expireInSeconds`) and refreshes counts. */
  superviseIntervalSeconds: number;
  /** The longest a job may run even while it heartbeats (a stuck handler); pg-boss allows at most 24 h. */
  expireInSeconds: number;
  /** Releases and take-overs a job survives before it is failed for good (handler errors never retry). */
  retryLimit: number;
  /** How long finished jobs stay visible in the table (inspection) before pg-boss deletes them. */
  deleteAfterSeconds: number;
  /** How long a job may wait unstarted before pg-boss deletes it. */
  retentionSeconds: number;
  /** How often an idle worker asks for a job. */
  pollingIntervalSeconds: number;
  /** Connections of the pg-boss instance's own pool (when the queue creates it). */
  bossMaxConnections: number;
  /** How long `stop()` lets pg-boss wait for handlers that ignore their abort signal. */
  stopTimeoutMs: number;
}

/** The production defaults. */
export const PGBOSS_DEFAULTS: Readonly<PgBossQueueSettings> = Object.freeze({
  queueName: 'tally-jobs',
  schema: 'pgboss',
  heartbeatSeconds: 30,
  heartbeatRefreshSeconds: 2,
  superviseIntervalSeconds: 15,
  expireInSeconds: 4 * 60 * 60,
  retryLimit: 5,
  deleteAfterSeconds: 60 * 60,
  retentionSeconds: 24 * 60 * 60,
  pollingIntervalSeconds: 1,
  bossMaxConnections: 4,
  stopTimeoutMs: 30_000,
});

/** The defaults with every defined override of `overrides` applied. */
export function resolvePgBossSettings(overrides: Partial<PgBossQueueSettings>): PgBossQueueSettings {
  const settings: PgBossQueueSettings = { ...PGBOSS_DEFAULTS };
  for (const key of Object.keys(PGBOSS_DEFAULTS) as (keyof PgBossQueueSettings)[]) {
    const value = overrides[key];
    if (value !== undefined) (settings as unknown as Record<string, unknown>)[key] = value;
  }
  return settings;
}

/** The queue-level options pg-boss stores with the queue (and applies to each job sent to it). */
export function queueOptionsOf(settings: PgBossQueueSettings): Omit<Queue, 'name' | 'policy'> {
  return {
    heartbeatSeconds: settings.heartbeatSeconds,
    expireInSeconds: settings.expireInSeconds,
    retryLimit: settings.retryLimit,
    retryDelay: 0,
    deleteAfterSeconds: settings.deleteAfterSeconds,
    retentionSeconds: settings.retentionSeconds,
  };
}
