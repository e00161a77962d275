import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { composeTally, type Runtime, type Tally } from '../../src/compose.js';
import { loadConfig } from '../../src/config/load-config.js';
import { FAST_SETTINGS } from '../../src/jobs/pgboss-test-kit.js';
import { systemClock } from '../../src/platform/clock.js';
import { createLogger } from '../../src/platform/logger.js';
import { createTestPostgresDatabase, describeWithPostgres, type TestPostgresDatabase } from '../support/postgres.js';

/*
 * `/readyz` says "control database and job runner up" (DESIGN.md): with pg-boss it is not ready
 * until the queue has started, while its workers cannot fetch jobs, and once it has stopped.
 * Asked through the HTTP route of a composed Tally, as a load balancer's probe would.
 */

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const runtime: Runtime = {
  clock: systemClock,
  // Nothing here talks to Jira: any outbound request is a defect of the test.
  fetch: async (input) => {
    throw new Error(`unexpected request to ${String(input instanceof Request ? input.url : input)}`);
  },
  sleep: async () => {},
  logger: createLogger({ level: process.env.TALLY_TEST_LOG ?? 'silent' }),
};

async function composed(env: Record<string, string>): Promise<Tally> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-readyz-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const config = loadConfig({ TALLY_BASE_URL: 'https://tally.test', TALLY_SECRET_KEY: randomBytes(32).toString('base64'), TALLY_DATA_DIR: dataDir, ...env });
  return composeTally(config, runtime, {}, { jobQueue: { pgBoss: FAST_SETTINGS } });
}

async function readyz(tally: Tally): Promise<{ status: number; body: { status: string; detail?: { jobs?: { state: string; reason: string } } } }> {
  const response = await tally.app.request('/readyz');
  return { status: response.status, body: (await response.json()) as never };
}

async function onDatabase(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

describeWithPostgres('/readyz with jobs on pg-boss', () => {
  it('is ready only while the queue runs: not before start, not while its workers cannot fetch jobs, not after it stopped', { timeout: 60_000 }, async () => {
    const database: TestPostgresDatabase = await createTestPostgresDatabase();
    cleanups.push(() => database.drop());
    const tally = await composed({ DATABASE_URL: database.url });
    let closed = false;
    cleanups.push(() => (closed ? undefined : tally.close()));
    expect(tally.queue.mechanism).toBe('pg-boss');

    expect(await readyz(tally)).toEqual({ status: 503, body: { status: 'unavailable', detail: { jobs: { state: 'not_started', reason: 'the job queue has not been started' } } } });

    await tally.queue.start();
    expect(await readyz(tally)).toEqual({ status: 200, body: { status: 'ready' } });

    // pg-boss's tables out of reach (its schema renamed away): the workers' fetches fail.
    await onDatabase(database.url, 'ALTER SCHEMA pgboss RENAME TO pgboss_away');
    try {
      await expect.poll(async () => (await readyz(tally)).status, { timeout: 20_000, interval: 100 }).toBe(503);
      expect((await readyz(tally)).body.detail?.jobs).toEqual({ state: 'failing', reason: 'the job queue cannot fetch jobs from the database (the log says why)' });
    } finally {
      await onDatabase(database.url, 'ALTER SCHEMA pgboss_away RENAME TO pgboss');
    }
    // Back as soon as a fetch succeeds again.
    await expect.poll(async () => (await readyz(tally)).status, { timeout: 20_000, interval: 100 }).toBe(200);

    // Shutting down: the sync stops its queue first (the control database still answers).
    await tally.sync.stop();
    expect(await readyz(tally)).toEqual({ status: 503, body: { status: 'unavailable', detail: { jobs: { state: 'stopped', reason: 'the job queue has stopped' } } } });
    await tally.close();
    closed = true;
  });
});

describe('/readyz with the in-process queue', () => {
  it('is ready from composition until the queue stops', async () => {
    const tally = await composed({});
    expect(tally.queue.mechanism).toBe('in-process');
    expect(await readyz(tally)).toEqual({ status: 200, body: { status: 'ready' } });
    await tally.sync.stop();
    expect(await readyz(tally)).toEqual({ status: 503, body: { status: 'unavailable', detail: { jobs: { state: 'stopped', reason: 'the job queue has stopped (the process is shutting down)' } } } });
    await tally.close();
  });
});
