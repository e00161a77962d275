/**
 * Test helpers for the pg-boss queue: a throwaway database per test and queues with short timings
 * (pg-boss's shortest heartbeat is 10 s). Only imported by tests and the kill fixture.
 */
import type { PgBoss } from 'pg-boss';
import { createLogger } from '../platform/logger.js';
import { createPgBossJobQueue, type PgBossJobQueue } from './pgboss-job-queue.js';
import type { PgBossQueueSettings } from './pgboss-settings.js';

/** Timings that keep the tests short: cancels noticed within half a second, a dead instance's job back within ~12 s. */
export const FAST_SETTINGS: Partial<PgBossQueueSettings> = {
  heartbeatSeconds: 10,
  heartbeatRefreshSeconds: 0.5,
  superviseIntervalSeconds: 1,
  pollingIntervalSeconds: 0.5,
  stopTimeoutMs: 5_000,
};

/** A queue on `url` with {@link FAST_SETTINGS} (on `boss` when given), silent unless `TALLY_TEST_LOG` is set. */
export function createTestPgBossQueue(url: string, concurrency = 2, overrides: Partial<PgBossQueueSettings> = {}, boss?: PgBoss): PgBossJobQueue {
  return createPgBossJobQueue({
    connectionString: url,
    ...(boss ? { boss } : {}),
    concurrency,
    logger: createLogger({ level: process.env.TALLY_TEST_LOG ?? 'silent' }),
    ...FAST_SETTINGS,
    ...overrides,
  });
}
