import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readDumpContents } from './pg-dump-contents.js';
import { pgConnectionArgs, valueFreeToolMessage } from './pg-tools.js';

describe('pgConnectionArgs', () => {
  it('takes the password out of the URL and decodes it, keeping everything else', () => {
    expect(pgConnectionArgs('postgres://tally:p%40ss%3Aw%2Frd@db.internal:6432/tally_t_0123?sslmode=require')).toEqual({
      dbname: 'postgres://tally@db.internal:6432/tally_t_0123?sslmode=require',
      password: 'p@ss:w/rd',
    });
    expect(pgConnectionArgs('postgres://tally@db.internal/tally_t_0123')).toEqual({ dbname: 'postgres://tally@db.internal/tally_t_0123', password: undefined });
  });
});

describe('valueFreeToolMessage', () => {
  it("keeps the tool's own error lines with every quoted value blanked, and nothing else", () => {
    const stderr = [
      'pg_restore: while PROCESSING TOC:',
      'pg_restore: error: could not execute query: ERROR:  invalid input syntax for type bigint: "a comment\'s \\"text\\""',
      'CONTEXT:  COPY worklogs, line 1, column client_worklog_id: "a comment"',
      'Command was: COPY public.worklogs (client_worklog_id, comment) FROM stdin;',
      "pg_restore: warning: errors ignored on restore: 'x'",
    ].join('\n');
    expect(valueFreeToolMessage('pg_restore', stderr)).toBe('pg_restore: while PROCESSING TOC: / pg_restore: error: could not execute query: ERROR:  invalid input syntax for type bigint: "…"');
    expect(valueFreeToolMessage('pg_dump', 'something else entirely')).toBe('pg_dump failed');
    // A value with a line break: its quote never closes on the tool's line.
    expect(valueFreeToolMessage('pg_restore', 'pg_restore: error: invalid input: "first line of a comment\nsecond line"')).toBe('pg_restore: error: invalid input: "…');
    expect(valueFreeToolMessage('pg_dump', 'pg_dump: error: connection to server at "127.0.0.1", port 5432 failed: FATAL:  role "tally" does not exist')).toBe('pg_dump: error: connection to server at "…", port 5432 failed: FATAL:  role "…" does not exist');
  });
});

const script = (lines: string[]) => Readable.from([lines.join('\n'), '\n']);

describe('readDumpContents', () => {
  it('counts the rows of each COPY block and reads the migration names', async () => {
    const contents = await readDumpContents(
      script([
        'SET client_encoding = \'UTF8\';',
        'COPY public.kysely_migration (name, "timestamp") FROM stdin;',
        '001_worklogs\t2026-11-23T08:00:00.000Z',
        'postgres/001_write_version\t2026-11-23T08:00:00.000Z',
        '\\.',
        'COPY public.worklogs (client_worklog_id, comment) FROM stdin;',
        '1\tline one\\nstill row one',
        '2\t\\N',
        '3\tCOPY public.other (x) FROM stdin;',
        '\\.',
        'COPY public.sync_state (key, value) FROM stdin;',
        '\\.',
      ]),
    );
    expect(Object.fromEntries(contents.rows)).toEqual({ kysely_migration: 2, worklogs: 3, sync_state: 0 });
    expect(contents.migrations).toEqual(['001_worklogs', 'postgres/001_write_version']);
  });

  it('refuses a script whose data block never ends', async () => {
    await expect(readDumpContents(script(['COPY public.worklogs (client_worklog_id) FROM stdin;', '1', '2']))).rejects.toThrow("The dump's data of table worklogs is cut off");
  });
});
