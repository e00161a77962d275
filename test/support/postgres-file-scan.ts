import { accessSync, constants, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

/*
 * Byte scans of a PostgreSQL server's own files, for tests that promise erased values are gone
 * from disk. They work only where the test shares the server's machine and may read its data
 * directory (here: as root); `readablePostgresDataDirectory` says whether that is so, so a test
 * can skip itself elsewhere. Every scan starts with a CHECKPOINT (superuser): written pages reach
 * the data files at a checkpoint and before it may live in shared buffers and the WAL only.
 */

async function onDatabase<T extends pg.QueryResultRow>(serverUrl: string, database: string, text: string, values: unknown[] = []): Promise<T[]> {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString(), application_name: 'tally-test-file-scan' });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

const adminDatabaseOf = (serverUrl: string) => new URL(serverUrl).pathname.slice(1) || 'postgres';

/** The server's data directory when this process can read it, else undefined. */
export async function readablePostgresDataDirectory(serverUrl: string): Promise<string | undefined> {
  const [row] = await onDatabase<{ data_directory: string }>(serverUrl, adminDatabaseOf(serverUrl), 'SHOW data_directory');
  try {
    accessSync(join(row?.data_directory ?? '', 'base'), constants.R_OK);
    return row?.data_directory;
  } catch {
    return undefined;
  }
}

function holding(paths: readonly string[], text: string): string[] {
  const needle = Buffer.from(text, 'utf8');
  return paths.filter((path) => existsSync(path) && readFileSync(path).includes(needle));
}

/**
 * The files of database `database` (its directory under `base/`: every table, index, TOAST table
 * and catalog of it) that hold `text`, as names relative to that directory. After a CHECKPOINT.
 */
export async function databaseFilesHolding(serverUrl: string, dataDirectory: string, database: string, text: string): Promise<string[]> {
  await onDatabase(serverUrl, adminDatabaseOf(serverUrl), 'CHECKPOINT');
  const [row] = await onDatabase<{ oid: number }>(serverUrl, adminDatabaseOf(serverUrl), 'SELECT oid FROM pg_database WHERE datname = $1', [database]);
  if (row === undefined) return [];
  const dir = join(dataDirectory, 'base', String(row.oid));
  if (!existsSync(dir)) return [];
  return holding(readdirSync(dir).map((name) => join(dir, name)), text).map((path) => path.slice(dir.length + 1));
}

// The table, its TOAST table and the TOAST index, and every index of the table: their main-fork files.
const RELATION_FILES_SQL = `
  SELECT pg_relation_filepath(c.oid) AS path FROM pg_class c WHERE c.oid = $1::regclass
  UNION ALL SELECT pg_relation_filepath(c.reltoastrelid) FROM pg_class c WHERE c.oid = $1::regclass AND c.reltoastrelid <> 0
  UNION ALL SELECT pg_relation_filepath(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
    WHERE i.indrelid = $1::regclass OR i.indrelid = (SELECT reltoastrelid FROM pg_class WHERE oid = $1::regclass)`;

/**
 * The files of table `table` in `database` — its heap, TOAST and indexes (`pg_relation_filepath`,
 * with the 1 GB segments `.1`, `.2`, …) — that hold `text`, named by their relation file path.
 * After a CHECKPOINT.
 */
export async function relationFilesHolding(serverUrl: string, dataDirectory: string, database: string, table: string, text: string): Promise<string[]> {
  await onDatabase(serverUrl, adminDatabaseOf(serverUrl), 'CHECKPOINT');
  const relations = (await onDatabase<{ path: string }>(serverUrl, database, RELATION_FILES_SQL, [table])).map((row) => row.path);
  const files = relations.flatMap((relation) => {
    const segments = [relation];
    for (let n = 1; existsSync(join(dataDirectory, `${relation}.${n}`)); n++) segments.push(`${relation}.${n}`);
    return segments;
  });
  return holding(files.map((file) => join(dataDirectory, file)), text).map((path) => path.slice(dataDirectory.length + 1));
}
