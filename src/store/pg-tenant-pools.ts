import pg from 'pg';
import { reportErrorsOfCheckedOutClients } from '../platform/pg-pool-errors.js';
import { createConnectionBudget, type ConnectionBudget } from './pg-connection-budget.js';

/** Options of {@link createPgTenantPools}. */
export interface PgTenantPoolsOptions {
  /** Most connections open at once over every pool and administrative client (TALLY_PG_MAX_CONNECTIONS). */
  maxConnections: number;
  /** Connections per tenant database: a tenant's sync writes on one while a report reads on another. */
  connectionsPerDatabase?: number;
  /** An idle connection closes after this long; a pool with none open costs nothing. */
  idleTimeoutMs?: number;
  /** `application_name` of every connection, so an operator sees Tally's in `pg_stat_activity`. */
  applicationName?: string;
  /** How long a caller may wait for a connection under the cap before `STORE_UNAVAILABLE`. */
  waitTimeoutMs?: number;
  /** Told about errors of idle connections (server restart); the pool already dropped them. */
  onPoolError?: (error: Error) => void;
}

/** Per-database pools under one global connection budget. */
export interface PgTenantPools {
  readonly budget: ConnectionBudget;
  /** Runs `work` on a connection to `databaseUrl` (pool opened lazily), releasing it afterwards. */
  withClient<T>(databaseUrl: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  /** A pool-shaped view of one database for Kysely: `end()` leaves the real pool alone. */
  kyselyPool(databaseUrl: string): { connect(): Promise<pg.PoolClient>; end(): Promise<void> };
  /** A single connection outside the pools (CREATE/DROP DATABASE), under the same budget. Caller ends it. */
  connectOnce(url: string, applicationNameSuffix: string): Promise<pg.Client>;
  /** Closes the database's pool (its connections end); the next use opens a new one. Idempotent. */
  closePool(databaseUrl: string): Promise<void>;
  /** Closes every pool. */
  close(): Promise<void>;
}

const PG_INT8_OID = 20;
const IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000;

/**
 * `bigint` arrives from pg as a string. Every int8 of a tenant database — Jira ids, epoch ms — is
 * below 2^53 (the writer refuses others), and `count(*)` is int8 too; a value past 2^53 fails
 * the query rather than losing precision. Set on these pools only, never on pg's global parser.
 */
function parseInt8(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new RangeError(`int8 value ${value} is outside the safe integer range`);
  return parsed;
}
const tenantTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === PG_INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser,
};

/**
 * A pg Client that takes a permit from the budget before it opens its socket and gives it back
 * when the connection ends (or failed to open). pg-pool builds its clients from this class (the
 * `Client` option), so the budget counts real connections, whoever opens them.
 */
function budgetedClientClass(budget: ConnectionBudget): typeof pg.Client {
  return class BudgetedClient extends pg.Client {
    // pg's two call shapes: callback (pg-pool) or promise.
    override connect(): Promise<pg.Client>;
    override connect(callback: ((error: Error) => void) | ((error: null, client: pg.Client) => void)): void;
    override connect(callback?: ((error: Error) => void) | ((error: null, client: pg.Client) => void)): Promise<pg.Client> | void {
      const connecting = (async () => {
        const release = await budget.acquire();
        this.once('end', release);
        try {
          await super.connect();
        } catch (error) {
          release();
          throw error;
        }
        return this;
      })();
      if (callback === undefined) return connecting;
      const done = callback as (error: Error | null, client?: pg.Client) => void;
      connecting.then((client) => done(null, client), (error: Error) => done(error));
    }
  } as unknown as typeof pg.Client;
}

/**
 * Builds lazily opened, small per-database pools under one global cap. When the cap is reached
 * and someone waits, the least recently used pool whose connections are all idle is closed.
 * Pools are small (`connectionsPerDatabase`, default 2) and close idle connections after
 * `idleTimeoutMs` (default 30 s), so thousands of tenants never mean thousands of connections.
 */
export function createPgTenantPools(options: PgTenantPoolsOptions): PgTenantPools {
  const { connectionsPerDatabase = 2, idleTimeoutMs = 30_000, applicationName = 'tally-tenant', onPoolError = () => {} } = options;
  // Insertion order is recency: a used pool is moved to the end, so the first idle one is the LRU.
  const pools = new Map<string, pg.Pool>();

  const reclaimIdle = (): number => {
    for (const [url, pool] of pools) {
      if (pool.totalCount > 0 && pool.idleCount === pool.totalCount && pool.waitingCount === 0) {
        pools.delete(url);
        const closing = pool.totalCount;
        void pool.end().catch(onPoolError);
        return closing;
      }
    }
    return 0;
  };
  const budget = createConnectionBudget({ cap: options.maxConnections, reclaimIdle, ...(options.waitTimeoutMs ? { waitTimeoutMs: options.waitTimeoutMs } : {}) });
  const Client = budgetedClientClass(budget);

  const poolOf = (databaseUrl: string): pg.Pool => {
    let pool = pools.get(databaseUrl);
    if (pool !== undefined) {
      pools.delete(databaseUrl);
      pools.set(databaseUrl, pool);
      return pool;
    }
    pool = new pg.Pool({
      connectionString: databaseUrl,
      application_name: applicationName,
      max: connectionsPerDatabase,
      idleTimeoutMillis: idleTimeoutMs,
      // The server ends a session left idle inside a transaction for a minute (a leak: every Tally
      // transaction is a few round trips), so it cannot hold back an erase's VACUUM for long
      // (docs/postgres-store.md, "Erasing an account on PostgreSQL").
      idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_TIMEOUT_MS,
      // Idle connections do not keep the process alive (the CLI exits when its work is done).
      allowExitOnIdle: true,
      types: tenantTypes,
      Client,
    });
    pool.on('error', onPoolError);
    reportErrorsOfCheckedOutClients(pool, onPoolError);
    // A connection went back to its pool: if someone waits under the cap, it may now be reclaimable.
    pool.on('release', () => setImmediate(() => budget.nudge()));
    pools.set(databaseUrl, pool);
    return pool;
  };

  return {
    budget,
    async withClient(databaseUrl, work) {
      const client = await poolOf(databaseUrl).connect();
      try {
        const result = await work(client);
        client.release();
        return result;
      } catch (error) {
        // A connection that failed mid-work may be broken or mid-transaction: never reuse it.
        client.release(error instanceof Error ? error : true);
        throw error;
      }
    },
    kyselyPool(databaseUrl) {
      return { connect: () => poolOf(databaseUrl).connect(), end: async () => {} };
    },
    async connectOnce(url, applicationNameSuffix) {
      const client = new Client({ connectionString: url, application_name: `${applicationName}${applicationNameSuffix}` });
      client.on('error', onPoolError);
      await client.connect();
      return client;
    },
    async closePool(databaseUrl) {
      const pool = pools.get(databaseUrl);
      pools.delete(databaseUrl);
      await pool?.end();
    },
    async close() {
      const all = [...pools.values()];
      pools.clear();
      await Promise.all(all.map((pool) => pool.end()));
    },
  };
}
