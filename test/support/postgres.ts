import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A throwaway PostgreSQL database for one test (or one suite). */
export interface TestPostgresDatabase {
  /** Connection URL of the new database. */
  url: string;
  /** Its name, `tally_test_<random>`, for messages when a failed test keeps it. */
  name: string;
  /** Ends every connection to it and drops it. Idempotent. */
  drop(): Promise<void>;
}

/**
 * The server tests use: PostgreSQL on loopback with trust auth (see the project brief). A test
 * environment may point elsewhere with TALLY_TEST_POSTGRES_URL (it must name a database to
 * connect to for CREATE/DROP DATABASE, usually `postgres`), but it stays loopback: the test setup
 * fails any other host.
 */
const ADMIN_URL = process.env.TALLY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

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
