import { DEFAULT_MIGRATION_TABLE, Kysely, Migrator, PostgresDialect, type MigrationProvider } from 'kysely';
import type pg from 'pg';
import { AppError } from '../platform/app-error.js';
import { parseTenantId, type TenantId } from '../tenants/tenant.js';
import type { PgTenantPools } from './pg-tenant-pools.js';
import { isRetryablePgError, toStoreError } from './pg-store-errors.js';
import { createPostgresTenantMigrationProvider } from './postgres-tenant-migrations.js';
import { appliesExactly } from './tenant-migrations.js';

/**
 * The tenant's database name: `tally_` + the tenant id (`tally_t_<24 hex>`, 32 characters, well
 * under PostgreSQL's 63). Built only from a value `parseTenantId` accepts, so it is safe in DDL,
 * which takes no bind parameters. Throws `STORE_TENANT_ID_INVALID` otherwise.
 */
export function postgresTenantDatabaseName(tenantId: TenantId): string {
  const checked = typeof tenantId === 'string' ? parseTenantId(tenantId) : undefined;
  if (checked === undefined) throw new AppError('STORE_TENANT_ID_INVALID', 'Refused to open a tenant database: the tenant id is malformed');
  return `tally_${checked}`;
}

/**
 * The databases a restore works with beside the tenant's own `name`: `scratch` receives the backup,
 * `replaced` holds the old data between the swap and its drop. A crash may leave either behind;
 * the next restore and the tenant's destroy drop them.
 */
export function postgresRestoreDatabaseNames(name: string): { scratch: string; replaced: string } {
  return { scratch: `${name}_restoring`, replaced: `${name}_replaced` };
}

/** `url` with its database replaced by `database` (user, password, host, options kept). */
export function databaseUrlOn(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** The placement key of a server URL: `host:port`, no credentials. */
export function serverKeyOf(serverUrl: string): string {
  const url = new URL(serverUrl);
  return `${url.hostname}:${url.port || '5432'}`;
}

const DUPLICATE_DATABASE = '42P04';
const UNIQUE_VIOLATION = '23505';

async function withAdmin<T>(pools: PgTenantPools, serverUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await pools.connectOnce(serverUrl, '-admin');
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Creates the database on `serverUrl` unless it exists; idempotent and safe against another
 * instance doing the same at once (the loser's duplicate error is success). `TEMPLATE template0`
 * with the `C` collation: text compares as bytes, which is the order `listAccountIds` promises,
 * and the cheapest comparison for the account index.
 */
export async function ensurePostgresDatabase(pools: PgTenantPools, serverUrl: string, name: string): Promise<void> {
  try {
    await withAdmin(pools, serverUrl, async (client) => {
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (exists.rowCount !== 0) return;
      try {
        await client.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`);
      } catch (error) {
        // Two creators at once: PostgreSQL reports the loser as a duplicate (or, in the catalog race, a unique violation).
        const code = (error as { code?: string }).code;
        if (code !== DUPLICATE_DATABASE && code !== UNIQUE_VIOLATION) throw error;
      }
    });
  } catch (error) {
    throw toStoreError(error, `Cannot create the tenant database ${name}`, 'STORE_UNAVAILABLE');
  }
}

/**
 * Drops the database (`WITH (FORCE)`: other instances' idle connections to it are ended too);
 * idempotent. The caller closes its own pool first.
 */
export async function dropPostgresDatabase(pools: PgTenantPools, serverUrl: string, name: string): Promise<void> {
  try {
    await withAdmin(pools, serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  } catch (error) {
    throw toStoreError(error, `Cannot drop the tenant database ${name}`, 'STORE_UNAVAILABLE');
  }
}

/** True when a database of that name exists on the server. */
export async function postgresDatabaseExists(pools: PgTenantPools, serverUrl: string, name: string): Promise<boolean> {
  try {
    return await withAdmin(pools, serverUrl, async (client) => (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount !== 0);
  } catch (error) {
    throw toStoreError(error, `Cannot look up the tenant database ${name}`, 'STORE_UNAVAILABLE');
  }
}

/**
 * How many client sessions, anyone's, are connected to the database now (pg_stat_activity shows
 * every role's `datname`). Autovacuum workers do not count: a rename or drop stops them itself.
 */
export async function countPostgresSessions(pools: PgTenantPools, serverUrl: string, name: string): Promise<number> {
  try {
    const sql = "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'";
    return await withAdmin(pools, serverUrl, async (client) => Number((await client.query<{ n: string }>(sql, [name])).rows[0]?.n ?? 0));
  } catch (error) {
    throw toStoreError(error, `Cannot count the sessions of the tenant database ${name}`, 'STORE_UNAVAILABLE');
  }
}

const OBJECT_IN_USE = '55006';

/**
 * Puts `scratch` in the place of `live` in ONE transaction: `live` (when it exists) is renamed to
 * `replaced`, then `scratch` to `live` — either both renames commit or neither. `in_use` when a
 * session is connected to either database (PostgreSQL refuses to rename it after waiting up to
 * 5 s for it to go); nothing changed then. `replaced` must not exist. Names come from
 * {@link postgresTenantDatabaseName}, so they are safe in DDL.
 */
export async function swapPostgresDatabases(pools: PgTenantPools, serverUrl: string, names: { live: string; scratch: string; replaced: string }): Promise<'swapped' | 'in_use'> {
  try {
    return await withAdmin(pools, serverUrl, async (client) => {
      await client.query('BEGIN');
      try {
        const live = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [names.live]);
        if (live.rowCount !== 0) await client.query(`ALTER DATABASE ${names.live} RENAME TO ${names.replaced}`);
        await client.query(`ALTER DATABASE ${names.scratch} RENAME TO ${names.live}`);
        await client.query('COMMIT');
        return 'swapped';
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        if ((error as { code?: string }).code === OBJECT_IN_USE) return 'in_use';
        throw error;
      }
    });
  } catch (error) {
    throw toStoreError(error, `Cannot put the restored database in the place of ${names.live}`, 'STORE_UNAVAILABLE');
  }
}

/**
 * Whether the tenant database at `databaseUrl` exists and has exactly the code's migrations
 * (`names`, {@link appliesExactly}) applied: then creating and migrating it would do nothing. One
 * statement on the tenant's own pool, whose connection the store then uses — instead of an admin
 * connection to look for the database and the migrator's dozen statements (its lock, DDL and
 * reads) on every open, which at 1,000 sites is every scheduled sync. No such database or no
 * migration table answers false and leaves the decision to the full path; a server that cannot be
 * reached or refuses more connections throws `STORE_UNAVAILABLE` (retryable) at once — the full
 * path would only ask it for one more, administrative, connection. Kysely's migrator commits a run's rows with its DDL in one
 * transaction, so a database read as current here is current.
 */
export async function isPostgresTenantDbCurrent(pools: PgTenantPools, databaseUrl: string, names: readonly string[]): Promise<boolean> {
  try {
    const applied = await pools.withClient(databaseUrl, (client) => client.query<[string]>({ name: 'tally_migrations', text: `SELECT name FROM ${DEFAULT_MIGRATION_TABLE}`, rowMode: 'array' }));
    return appliesExactly(applied.rows.map(([name]) => name), names);
  } catch (error) {
    if (isRetryablePgError(error)) throw toStoreError(error, 'Cannot reach the tenant database', 'STORE_UNAVAILABLE');
    return false;
  }
}

/**
 * Migrates the tenant database at `databaseUrl` to the latest version through its pool. Resumable:
 * each migration is one transaction, so after a crash the next open finishes what is missing.
 * Throws `STORE_MIGRATION_FAILED` naming the failed migration.
 */
export async function migratePostgresTenantDb(pools: PgTenantPools, databaseUrl: string, name: string, provider: MigrationProvider = createPostgresTenantMigrationProvider()): Promise<void> {
  const kysely = new Kysely<any>({ dialect: new PostgresDialect({ pool: pools.kyselyPool(databaseUrl) as never }) });
  try {
    const { error, results = [] } = await new Migrator({ db: kysely, provider, allowUnorderedMigrations: true }).migrateToLatest();
    if (error === undefined) return;
    // The server refused or lost the connection (too many clients, a restart): nothing is wrong
    // with the database or a migration, and a later open finishes the job.
    if (isRetryablePgError(error)) throw toStoreError(error, `Migrating the tenant database ${name} could not reach its server`, 'STORE_UNAVAILABLE');
    const failed = results.find((result) => result.status === 'Error')?.migrationName;
    const step = failed === undefined ? 'before any migration ran' : `in migration ${failed}`;
    throw new AppError('STORE_MIGRATION_FAILED', `Migrating the tenant database ${name} failed ${step}`, { cause: error });
  } finally {
    await kysely.destroy();
  }
}
