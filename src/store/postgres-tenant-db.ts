import { Kysely, Migrator, PostgresDialect, type MigrationProvider } from 'kysely';
import type pg from 'pg';
import { AppError } from '../platform/app-error.js';
import { parseTenantId, type TenantId } from '../tenants/tenant.js';
import type { PgTenantPools } from './pg-tenant-pools.js';
import { toStoreError } from './pg-store-errors.js';
import { createPostgresTenantMigrationProvider } from './postgres-tenant-migrations.js';

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
    const failed = results.find((result) => result.status === 'Error')?.migrationName;
    const step = failed === undefined ? 'before any migration ran' : `in migration ${failed}`;
    throw new AppError('STORE_MIGRATION_FAILED', `Migrating the tenant database ${name} failed ${step}`, { cause: error });
  } finally {
    await kysely.destroy();
  }
}
