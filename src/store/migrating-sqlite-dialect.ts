import {
  CompiledQuery,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type SqliteDialectConfig,
} from 'kysely';

/**
 * Kysely's SQLite driver opens transactions with a deferred `begin`: a migrator that reads the
 * migration table and then writes fails with SQLITE_BUSY when another process migrated the same
 * file in between. `begin immediate` takes the write lock first, so the second migrator waits
 * (busy_timeout) and then finds nothing left to do.
 */
class ImmediateTransactionSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/**
 * SQLite has transactional DDL, but Kysely's adapter says it has not, which makes the Migrator run
 * migrations outside a transaction (a crash would leave half a schema). This capability flag
 * is the whole difference.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/**
 * Kysely's SQLite dialect, made safe for migrations: DDL runs inside the migration transaction,
 * and that transaction takes the write lock first. Used by the control database and every tenant
 * database.
 */
export class MigratingSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): SqliteDriver {
    return new ImmediateTransactionSqliteDriver(this.#config);
  }
  override createAdapter(): SqliteAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

