import pg from 'pg';
import { expect, it, type TestContext } from 'vitest';
import { createTestPostgresDatabase, describeWithPostgres } from '../../test/support/postgres.js';
import { loadConfig } from '../config/load-config.js';
import { createLogger } from '../platform/logger.js';
import { createConfiguredJobQueue } from './job-queue.js';

const logger = createLogger({ level: process.env.TALLY_TEST_LOG ?? 'silent' });

async function database(context: TestContext) {
  const created = await createTestPostgresDatabase();
  context.onTestFinished(() => created.drop());
  return created;
}

/** What pg-boss stored as the heartbeat of Tally's queue, and of the job sent to it. */
async function storedHeartbeats(url: string): Promise<{ queue: number; jobs: number[] }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const queue = await client.query<{ heartbeat_seconds: number }>("SELECT heartbeat_seconds FROM pgboss.queue WHERE name = 'tally-jobs'");
    const jobs = await client.query<{ heartbeat_seconds: number }>("SELECT heartbeat_seconds FROM pgboss.job WHERE name = 'tally-jobs'");
    return { queue: queue.rows[0]!.heartbeat_seconds, jobs: jobs.rows.map((row) => row.heartbeat_seconds) };
  } finally {
    await client.end();
  }
}

describeWithPostgres('the configured pg-boss queue', () => {
  it('runs with TALLY_JOB_HEARTBEAT_SECONDS as pg-boss\'s heartbeat (30 s unset)', async (context) => {
    for (const [env, expected] of [[{}, 30], [{ TALLY_JOB_HEARTBEAT_SECONDS: '12' }, 12]] as const) {
      const { url } = await database(context);
      const queue = createConfiguredJobQueue(loadConfig({ TALLY_MODE: 'demo', DATABASE_URL: url, ...env }), logger);
      try {
        // Not started: no worker takes the job; sending it creates pg-boss's queue with today's settings.
        queue.enqueue({ kind: 'not-registered-here', key: 't_0123456789abcdef01234567', priority: 0, payload: {} });
        await queue.flush?.();
        expect(await storedHeartbeats(url)).toMatchObject({ queue: expected, jobs: [expected] });
      } finally {
        await queue.stop();
      }
    }
  });
});
