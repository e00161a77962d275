import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The local PostgreSQL the demo uses when DATABASE_URL does not name another server. */
export const LOCAL_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh database for one demo run, on the server of `serverUrl`. */
export interface DemoDatabase {
  /** `tally_demo_<16 hex>`. */
  name: string;
  /** Its URL: the instances' `DATABASE_URL`. */
  url: string;
  /** Ends its connections and drops it. Idempotent. */
  drop(): Promise<void>;
}

/** Why the demo cannot use PostgreSQL, said so that a person can fix it. */
export class DemoDatabaseError extends Error {
  override readonly name = 'DemoDatabaseError';
}

async function runOn(serverUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl, application_name: 'tally-demo', connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    const host = new URL(serverUrl).host;
    const reason = error instanceof Error ? error.message : String(error);
    throw new DemoDatabaseError(
      `PostgreSQL is not reachable at ${host} (${reason}). Start it (on Debian: \`pg_ctlcluster <version> main start\`), ` +
        'or set DATABASE_URL to a server where this user may create databases.',
      { cause: error },
    );
  }
  try {
    await client.query(statement);
  } catch (error) {
    throw new DemoDatabaseError(`PostgreSQL at ${new URL(serverUrl).host} refused \`${statement.split(' ').slice(0, 2).join(' ')}\`: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  } finally {
    await client.end();
  }
}

/**
 * Creates `tally_demo_<random>` on the server of `serverUrl` (its own database is where the
 * statement runs). The name is generated here, never taken from input, so it is safe in DDL.
 * Throws {@link DemoDatabaseError} when the server cannot be reached or refuses.
 */
export async function createDemoDatabase(serverUrl: string): Promise<DemoDatabase> {
  const name = `tally_demo_${randomBytes(8).toString('hex')}`;
  await runOn(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let dropping: Promise<void> | undefined;
  return {
    name,
    url: url.toString(),
    drop: () => (dropping ??= runOn(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
}
