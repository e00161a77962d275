import type { Config } from '../../config/load-config.js';
import { AppError } from '../../platform/app-error.js';
import {
  controlDatabaseCatalogue,
  type DatabaseCatalogue,
  type FieldSource,
  type PersonalData,
  type RetentionSettings,
} from './field-catalogue.js';
import { introspectControlSchema, introspectPostgresTenantSchema, introspectTenantSchema, type DatabaseSchema } from './introspect-schema.js';
import { tenantCatalogueFor } from './postgres-tenant-catalogue.js';
import { serverKeyOf } from '../../store/postgres-tenant-db.js';
import type { OwnedMigrations } from '../../tenants/control-db.js';
import {
  bitbucketSummary,
  inMemoryData,
  listDeletionRules,
  listStoredPlaces,
  neverStored,
  type DeletionRule,
  type MemoryPlace,
  type StorageSettings,
  type StoredPlace,
} from './storage-facts.js';

export { renderDataStatementText } from './render-data-statement-text.js';

/** The part of the configuration the statement reads. */
export type DataStatementConfig = Pick<
  Config,
  'dataDir' | 'backupDir' | 'databaseUrl' | 'tenantStore' | 'pgServers' | 'accountRetentionDays' | 'backupRetentionDays' | 'backupIntervalHours' | 'gdprCycleDays'
>;

/** One stored column: what the database says about it, and what the catalogue says. */
export interface StatementColumn {
  name: string;
  type: string;
  nullable: boolean;
  primaryKey: boolean;
  description: string;
  personalData: PersonalData;
  source: FieldSource;
  /** The values the column may take, each described; empty when not a closed list. */
  values: { name: string; description: string }[];
  /** The described parts of a JSON value; empty for a plain column. */
  jsonFields: { name: string; description: string }[];
}

/** One table, with every column in declaration order and every index a migration creates. */
export interface StatementTable {
  name: string;
  purpose: string;
  retention: string;
  columns: StatementColumn[];
  indexes: { name: string; columns: string[]; description: string }[];
}

/** One database and every table in it. */
export interface StatementDatabase {
  name: 'tenant' | 'control';
  title: string;
  tables: StatementTable[];
}

/**
 * The Bitbucket Cloud app's part: what it keeps in a few sentences, and its tables (they live in
 * the control database, and are listed here rather than there).
 */
export interface BitbucketSection {
  title: string;
  summary: string[];
  tables: StatementTable[];
}

/** The whole data statement: plain JSON, the same content the text form shows. */
export interface DataStatement {
  title: string;
  /** The configuration the statement was written with (directories as shown; never DATABASE_URL or a server's URL). */
  settings: StorageSettings;
  storedPlaces: StoredPlace[];
  databases: StatementDatabase[];
  deletionRules: DeletionRule[];
  inMemory: MemoryPlace[];
  /** What each platform edge that Tally ships keeps (its own words; its tables are listed above). */
  edges: string[];
  neverStored: string[];
  bitbucket: BitbucketSection;
}

/** The real schemas the statement is checked against. */
export interface RealSchemas {
  /** A tenant database of the configured store: its dialect says which (a PostgreSQL one has tables of its own). */
  tenant: DatabaseSchema;
  control: DatabaseSchema;
}

/**
 * What other modules keep in the control database beside the core's tables (each platform edge's
 * installation records): their migrations, their catalogue entries, and sentences for the
 * statement. The composition root gathers it from the edges; this module never names one.
 */
export interface OwnedData {
  migrations: OwnedMigrations;
  catalogue: DatabaseCatalogue;
  /** One sentence per owner about what it keeps and for how long. */
  notes: readonly string[];
}

/** Options of {@link buildDataStatement}. */
export interface BuildDataStatementOptions {
  /** Tables and notes of the platform edges (default none). */
  owned?: OwnedData;
  /** The schemas to describe; by default read from freshly migrated scratch databases. */
  schemas?: RealSchemas;
  /**
   * `configured` shows the directories as configured (for the operator's CLI); `variables` shows
   * the variables' names instead (for the public HTTP route, which need not reveal server paths).
   */
  paths?: 'configured' | 'variables';
  /** Where scratch databases are made (default the OS temp directory). */
  scratchDir?: string;
}

/**
 * Every way `catalogue` and the real `schema` disagree, one line each: a table, column or
 * explicitly created index the catalogue does not describe, or one it describes that does not
 * exist. Indexes behind a primary key or unique constraint are the engine's and are not listed.
 * Empty when they agree. Pure.
 */
export function listCatalogueDrift(label: string, catalogue: DatabaseCatalogue, schema: DatabaseSchema): string[] {
  const problems: string[] = [];
  const real = new Map(schema.tables.map((table) => [table.name, table]));
  for (const table of schema.tables) {
    const entry = catalogue[table.name];
    if (entry === undefined) {
      problems.push(`${label}: table ${table.name} is not described`);
      continue;
    }
    const columns = new Set(table.columns.map((column) => column.name));
    for (const column of columns) if (!(column in entry.columns)) problems.push(`${label}: column ${table.name}.${column} is not described`);
    for (const column of Object.keys(entry.columns)) if (!columns.has(column)) problems.push(`${label}: column ${table.name}.${column} is described but does not exist`);
    const indexes = new Set(table.indexes.filter((index) => index.origin === 'explicit').map((index) => index.name));
    const described = entry.indexes ?? {};
    for (const index of indexes) if (!(index in described)) problems.push(`${label}: index ${index} on ${table.name} is not described`);
    for (const index of Object.keys(described)) if (!indexes.has(index)) problems.push(`${label}: index ${index} on ${table.name} is described but does not exist`);
  }
  for (const name of Object.keys(catalogue)) if (!real.has(name)) problems.push(`${label}: table ${name} is described but does not exist`);
  return problems;
}

function describeTables(catalogue: DatabaseCatalogue, schema: DatabaseSchema, retention: RetentionSettings): StatementTable[] {
  const real = new Map(schema.tables.map((table) => [table.name, table]));
  // Catalogue order (worklogs first), which listCatalogueDrift has proven to be the same set.
  return Object.entries(catalogue).map(([name, entry]) => {
    const table = real.get(name);
    if (table === undefined) throw new AppError('INTERNAL', `Table ${name} vanished while the data statement was built`);
    return {
      name,
      purpose: entry.purpose,
      retention: entry.retention(retention),
      columns: table.columns.map((column) => {
        const described = entry.columns[column.name];
        if (described === undefined) throw new AppError('INTERNAL', `Column ${name}.${column.name} vanished while the data statement was built`);
        return {
          ...column,
          description: described.description,
          personalData: described.personalData,
          source: described.source,
          values: Object.entries(described.values ?? {}).map(([value, description]) => ({ name: value, description })),
          jsonFields: Object.entries(described.jsonFields ?? {}).map(([field, description]) => ({ name: field, description })),
        };
      }),
      indexes: table.indexes
        .filter((index) => index.origin === 'explicit')
        .map((index) => ({ name: index.name, columns: [...index.columns], description: entry.indexes?.[index.name] ?? '' })),
    };
  });
}

/**
 * The tables of the Bitbucket Cloud app: those the catalogue marks `product: 'bitbucket'`, and
 * every table whose foreign key references one of them, transitively (a Bitbucket edge's own
 * installation table references the core's `bitbucket_installations`). Read from the schema, so
 * an edge's table lands in the Bitbucket section without a naming rule or a mark of its own.
 */
export function listBitbucketTables(catalogue: DatabaseCatalogue, schema: DatabaseSchema): Set<string> {
  const tables = new Set(Object.entries(catalogue).flatMap(([name, entry]) => (entry.product === 'bitbucket' ? [name] : [])));
  for (let grew = true; grew; ) {
    grew = false;
    for (const table of schema.tables) {
      if (tables.has(table.name) || !table.references.some((referenced) => tables.has(referenced))) continue;
      tables.add(table.name);
      grew = true;
    }
  }
  return tables;
}

/** The catalogue's entries whose table is (`inSet` true) or is not in `names`, in catalogue order. */
function pickTables(catalogue: DatabaseCatalogue, names: ReadonlySet<string>, inSet: boolean): DatabaseCatalogue {
  return Object.fromEntries(Object.entries(catalogue).filter(([name]) => names.has(name) === inSet));
}

/**
 * Reads the real schemas from scratch databases migrated exactly as Tally migrates its own: the
 * tenant database as a SQLite file, or — with `postgresServerUrl` — as a PostgreSQL database
 * created on that server and dropped afterwards; the control database always as a SQLite file
 * (its catalogue is checked against PostgreSQL's by the tests).
 */
export async function introspectRealSchemas(options: { scratchDir?: string; ownedMigrations?: OwnedMigrations; postgresServerUrl?: string } = {}): Promise<RealSchemas> {
  const scratch = options.scratchDir === undefined ? {} : { scratchDir: options.scratchDir };
  const owned = options.ownedMigrations === undefined ? {} : { ownedMigrations: options.ownedMigrations };
  const tenant = options.postgresServerUrl === undefined ? await introspectTenantSchema(scratch) : await introspectPostgresTenantSchema(options.postgresServerUrl);
  return { tenant, control: await introspectControlSchema({ ...scratch, ...owned }) };
}

/** Where the scratch tenant database of `config`'s store is made: the first PostgreSQL server, or none (a SQLite file). */
function postgresServerOf(config: DataStatementConfig): { postgresServerUrl?: string } {
  const server = config.pgServers[0];
  return config.tenantStore === 'postgres' && server !== undefined ? { postgresServerUrl: server } : {};
}

/**
 * Builds the data statement for `config` from the real schema (by default migrated into scratch
 * databases: no tenant's data is read). Throws `INTERNAL`, listing every difference in `details`,
 * when the schema has a table, column or index that field-catalogue.ts does not describe, or the
 * catalogue describes one that no longer exists — the statement never silently omits a field.
 */
export async function buildDataStatement(config: DataStatementConfig, options: BuildDataStatementOptions = {}): Promise<DataStatement> {
  const owned = options.owned;
  const schemas =
    options.schemas ??
    (await introspectRealSchemas({
      ...(options.scratchDir === undefined ? {} : { scratchDir: options.scratchDir }),
      ...(owned ? { ownedMigrations: owned.migrations } : {}),
      ...postgresServerOf(config),
    }));
  if (schemas.tenant.dialect !== config.tenantStore) {
    throw new AppError('INTERNAL', `The data statement for the ${config.tenantStore} tenant store was given a ${schemas.tenant.dialect} tenant schema`);
  }
  const tenantCatalogue = tenantCatalogueFor(config.tenantStore);
  const controlCatalogue: DatabaseCatalogue = { ...controlDatabaseCatalogue, ...owned?.catalogue };
  const problems = [
    ...listCatalogueDrift('tenant database', tenantCatalogue, schemas.tenant),
    ...listCatalogueDrift('control database', controlCatalogue, schemas.control),
  ];
  if (problems.length > 0) {
    throw new AppError('INTERNAL', `The data statement does not match the database schema; describe every change in src/privacy/data-statement/field-catalogue.ts:\n  ${problems.join('\n  ')}`, {
      details: problems,
    });
  }

  const bitbucketTables = listBitbucketTables(controlCatalogue, schemas.control);
  const variables = options.paths === 'variables';
  const settings: StorageSettings = {
    dataDir: variables ? '$TALLY_DATA_DIR' : config.dataDir.replace(/(.)\/+$/, '$1'),
    backupDir: variables ? '$TALLY_BACKUP_DIR' : config.backupDir.replace(/(.)\/+$/, '$1'),
    controlDb: config.databaseUrl === undefined ? 'sqlite' : 'postgres',
    tenantStore: config.tenantStore,
    // host:port only: a server's URL may carry its password.
    pgServers: config.tenantStore !== 'postgres' ? [] : variables ? ['$TALLY_PG_SERVERS'] : config.pgServers.map(serverKeyOf),
    accountRetentionDays: config.accountRetentionDays,
    backupRetentionDays: config.backupRetentionDays,
    backupIntervalHours: config.backupIntervalHours,
    gdprCycleDays: config.gdprCycleDays,
  };
  return {
    title: 'Tally data statement',
    settings,
    storedPlaces: listStoredPlaces(settings),
    databases: [
      { name: 'tenant', title: 'Tenant database (one per Atlassian product instance)', tables: describeTables(tenantCatalogue, schemas.tenant, settings) },
      { name: 'control', title: 'Control database (shared by all installations)', tables: describeTables(pickTables(controlCatalogue, bitbucketTables, false), schemas.control, settings) },
    ],
    deletionRules: listDeletionRules(settings),
    inMemory: [...inMemoryData],
    edges: [...(owned?.notes ?? [])],
    neverStored: [...neverStored],
    bitbucket: { title: 'Bitbucket Cloud app', summary: [...bitbucketSummary], tables: describeTables(pickTables(controlCatalogue, bitbucketTables, true), schemas.control, settings) },
  };
}
