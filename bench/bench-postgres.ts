/**
 * PostgreSQL for the store benchmarks (`bench:sync`, `bench:reports` with `--store postgres`): a
 * throw-away control database per bench run on a local server (`tally_bench_<random>`, with the
 * placement table), the production PostgreSQL store provider over it — so every tenant gets its
 * own `tally_t_…` database exactly as in Tally — and a drop that removes every tenant database the
 * run placed and then the control database. The server is `--postgres-url`, else
 * TALLY_BENCH_POSTGRES_URL, else the local server; its URL's own database is where the bench
 * connects to create and drop databases.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { openControlDb } from '../src/tenants/control-db.js';
import { STORE_PLACEMENT_MIGRATIONS } from '../src/store/placement-migrations.js';
import { createPostgresStoreProvider } from '../src/store/postgres-store-provider.js';
import { databaseUrlOn, postgresTenantDatabaseName } from '../src/store/postgres-tenant-db.js';
import type { StoreProvider } from '../src/store/tenant-store.js';
import type { TenantId } from '../src/tenants/tenant.js';

/** The stores a store benchmark can measure. */
export const BENCH_STORES = ['sqlite', 'postgres'] as const;
export type BenchStore = (typeof BENCH_STORES)[number];

const DEFAULT_SERVER_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** The server to measure on: the option, else TALLY_BENCH_POSTGRES_URL, else the local server. */
export function benchPostgresServerUrl(option: string | undefined): string {
  return option ?? process.env.TALLY_BENCH_POSTGRES_URL ?? DEFAULT_SERVER_URL;
}

/**
 * The stores named by `--store` (repeated, or comma-separated), SQLite always among them when
 * PostgreSQL is: the targets are ratios to SQLite in the same run. Throws on an unknown name.
 */
export function parseBenchStores(values: readonly string[] | undefined): BenchStore[] {
  const named = (values ?? ['sqlite']).flatMap((value) => value.split(',')).map((name) => name.trim()).filter((name) => name !== '');
  for (const name of named) {
    if (!(BENCH_STORES as readonly string[]).includes(name)) throw new Error(`--store must be sqlite or postgres, got "${name}"`);
  }
  return BENCH_STORES.filter((store) => store === 'sqlite' || named.includes(store));
}

/** The server URL without its password, for what the bench prints. */
export function describeServer(serverUrl: string): string {
  const url = new URL(serverUrl);
  return `${url.hostname}:${url.port || '5432'}${url.pathname}`;
}

async function onServer<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'tally-bench-admin' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A bench run's control database; `drop` removes it and every tenant database placed from it. */
export interface BenchControlDatabase {
  url: string;
  name: string;
  /** Drops each tenant database `store_placements` names, then the control database. Idempotent. */
  drop(): Promise<void>;
}

/**
 * Creates `tally_bench_<16 hex>` on `serverUrl` with the control migrations and the placement
 * table applied. The name is generated here and tenant database names come from
 * `postgresTenantDatabaseName` (which accepts only tenant ids), so the DDL takes no foreign text.
 */
export async function createBenchControlDatabase(serverUrl: string): Promise<BenchControlDatabase> {
  const name = `tally_bench_${randomBytes(8).toString('hex')}`;
  try {
    await onServer(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  } catch (error) {
    throw new Error(`PostgreSQL is not reachable or refuses CREATE DATABASE at ${describeServer(serverUrl)} (set --postgres-url or TALLY_BENCH_POSTGRES_URL)`, { cause: error });
  }
  const url = databaseUrlOn(serverUrl, name);
  const control = await openControlDb({ databaseUrl: url, ownedMigrations: STORE_PLACEMENT_MIGRATIONS });
  await control.close();
  let dropping: Promise<void> | undefined;
  const drop = async () => {
    const placed = await onServer(url, (client) => client.query<{ tenant_id: string }>('SELECT tenant_id FROM store_placements')).catch(() => ({ rows: [] }));
    // WITH (FORCE): a pool a crashed run left open cannot keep a database alive. One connection
    // for all of them: a thousand sites' databases are a thousand drops.
    await onServer(serverUrl, async (client) => {
      for (const { tenant_id } of placed.rows) await client.query(`DROP DATABASE IF EXISTS ${postgresTenantDatabaseName(tenant_id as TenantId)} WITH (FORCE)`);
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    });
  };
  return { url, name, drop: () => (dropping ??= drop()) };
}

/** The production PostgreSQL store provider over a bench control database, and how to close both. */
export async function openBenchPostgresStores(controlUrl: string, serverUrl: string): Promise<{ provider: StoreProvider; close(): Promise<void> }> {
  const control = await openControlDb({ databaseUrl: controlUrl, ownedMigrations: STORE_PLACEMENT_MIGRATIONS });
  const provider = createPostgresStoreProvider({ controlDb: control.db, servers: [serverUrl], maxConnections: 8, nowMs: () => Date.now() });
  return {
    provider,
    async close() {
      await provider.close();
      await control.close();
    },
  };
}

/**
 * CPU seconds (user + system) the server's backends connected to `tenantId`'s database have used
 * so far, from `/proc/<pid>/stat`; `undefined` when the server is not on this machine or /proc is
 * not readable. Only live backends count: read it while the tenant's pool holds its connections.
 */
export async function tenantBackendCpuSeconds(serverUrl: string, tenantId: TenantId): Promise<number | undefined> {
  // A remote server's pids mean nothing in this machine's /proc.
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(serverUrl).hostname)) return undefined;
  const { rows } = await onServer(serverUrl, (client) =>
    client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [postgresTenantDatabaseName(tenantId)]),
  );
  let ticks = 0;
  try {
    for (const { pid } of rows) {
      // Fields after the parenthesised command name: state is field 3, utime 14 and stime 15.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      ticks += Number(fields[11]) + Number(fields[12]);
    }
  } catch {
    return undefined;
  }
  // Linux reports these in clock ticks of 1/100 s (USER_HZ) on every common architecture.
  return ticks / 100;
}
