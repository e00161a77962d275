import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/** What a dump's data holds, read from pg_restore's SQL script of it. */
export interface DumpContents {
  /** Rows per table (unqualified name), for every table the dump has data of. */
  rows: Map<string, number>;
  /** The `name` column of `kysely_migration`: every migration the dumped schema went through. */
  migrations: string[];
}

/** `COPY public.worklogs (client_worklog_id, …) FROM stdin;` → table and columns. */
const COPY_START = /^COPY (?:"?[A-Za-z_][A-Za-z0-9_]*"?\.)?"?([A-Za-z_][A-Za-z0-9_]*)"? \((.*)\) FROM stdin;$/;
const COPY_END = '\\.';

/**
 * Counts the rows of every table in a plain SQL script as `pg_restore --file=-` writes it from a
 * dump: each table's data is a `COPY … FROM stdin;` block of one line per row (COPY's text format
 * escapes newlines inside values as `\n`) ended by `\.`. Reading the script makes pg_restore
 * decompress every block, so a damaged archive fails there. Row content is looked at only for
 * `kysely_migration` names; nothing is kept or logged. Rejects on a block that never ends.
 */
export async function readDumpContents(script: Readable): Promise<DumpContents> {
  const rows = new Map<string, number>();
  const migrations: string[] = [];
  let table: string | undefined;
  let nameColumn = -1;
  let count = 0;
  for await (const line of createInterface({ input: script, crlfDelay: Infinity })) {
    if (table === undefined) {
      const start = COPY_START.exec(line);
      if (start === null) continue;
      table = start[1] as string;
      nameColumn = table === 'kysely_migration' ? (start[2] as string).split(', ').map((column) => column.replace(/"/g, '')).indexOf('name') : -1;
      count = 0;
    } else if (line === COPY_END) {
      rows.set(table, (rows.get(table) ?? 0) + count);
      table = undefined;
    } else {
      count++;
      if (nameColumn >= 0) migrations.push(line.split('\t')[nameColumn] as string);
    }
  }
  if (table !== undefined) throw new Error(`The dump's data of table ${table} is cut off`);
  return { rows, migrations };
}
