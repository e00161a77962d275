import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, inject } from 'vitest';
import { TEST_POSTGRES_ADMIN_URL } from './postgres-url.js';

/** A throwaway PostgreSQL database for one test (or one suite). */
export interface TestPostgresDatabase {
  /** Connection URL of the new database. */
  url: string;
  /** Its name, `tally_test_<random>`, for messages when a failed test keeps it. */
  name: string;
  /** Ends every connection to it and drops it. Idempotent. */
  drop(): Promise<void>;
}

const ADMIN_URL = TEST_POSTGRES_ADMIN_URL;

/**
 * Whether the tests' PostgreSQL answered before the run (test/support/postgres-availability.global-setup.ts).
 * Without it the PostgreSQL tests are skipped, and the run said so in one line; `.ci/run` makes
 * them mandatory (TALLY_REQUIRE_POSTGRES=1), so there they always run.
 */
export function postgresAvailable(): boolean {
  return inject('postgresAvailable') !== false;
}

/** `describe` for a suite that needs PostgreSQL: skipped when it is not reachable. */
export function describeWithPostgres(name: string, suite: () => void): void {
  describe.skipIf(!postgresAvailable())(name, suite);
}

async function runAsAdmin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL, application_name: 'tally-test-admin' });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL for tests is not reachable at ${new URL(ADMIN_URL).host}; start it ` +
        '(`pg_ctlcluster --skip-systemctl-redirect <version> main start`) or set TALLY_TEST_POSTGRES_URL',
      { cause: error },
    );
  }
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/**
 * Creates a uniquely named empty database (`tally_test_` and 16 hex characters, so parallel test
 * files never meet) and returns its URL. The name is generated here, never taken from input, so
 * putting it into DDL (which cannot take bind parameters) is safe.
 */
export async function createTestPostgresDatabase(): Promise<TestPostgresDatabase> {
  const name = `tally_test_${randomBytes(8).toString('hex')}`;
  await runAsAdmin(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  let dropping: Promise<void> | undefined;
  return {
    url: url.toString(),
    name,
    // WITH (FORCE) (PostgreSQL 13+) terminates the database's remaining connections first, so a
    // pool a failed test forgot to close cannot keep it alive.
    drop: () => (dropping ??= runAsAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
}
