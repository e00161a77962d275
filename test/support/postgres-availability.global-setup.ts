/**
 * Vitest global setup: is the tests' PostgreSQL reachable? The answer is provided to every test
 * file (`postgresAvailable()` in test/support/postgres.ts), which skips the PostgreSQL tests
 * when it is not — so `npm test` runs on a machine without PostgreSQL and says so in one line.
 * `.ci/run` sets TALLY_REQUIRE_POSTGRES=1: there an unreachable server fails the run instead.
 */
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { TEST_POSTGRES_ADMIN_URL } from './postgres-url.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** True when the tests' PostgreSQL server answered before the run. */
    postgresAvailable: boolean;
  }
}

const CONNECT_TIMEOUT_MS = 3000;

async function canConnect(url: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: 'tally-test-probe' });
  try {
    await client.connect();
    await client.query('select 1');
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message || error.name : String(error) };
  } finally {
    await client.end().catch(() => {});
  }
}

export default async function probePostgres(project: TestProject): Promise<void> {
  const host = new URL(TEST_POSTGRES_ADMIN_URL).host;
  const probe = await canConnect(TEST_POSTGRES_ADMIN_URL);
  if (probe.ok) {
    project.provide('postgresAvailable', true);
    return;
  }
  if (process.env.TALLY_REQUIRE_POSTGRES === '1') {
    throw new Error(`PostgreSQL for the tests is not reachable at ${host} (${probe.reason}) and TALLY_REQUIRE_POSTGRES=1 makes its tests mandatory; start it (\`pg_ctlcluster --skip-systemctl-redirect <version> main start\`) or set TALLY_TEST_POSTGRES_URL`);
  }
  process.stdout.write(`PostgreSQL is not reachable at ${host} (${probe.reason}): skipping the PostgreSQL tests (TALLY_REQUIRE_POSTGRES=1 makes them mandatory, as .ci/run does)\n`);
  project.provide('postgresAvailable', false);
}
