import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

/** The PostgreSQL client programs backups run (their major version must be at least the server's). */
export interface PgToolPaths {
  /** Default `pg_dump`, found on PATH. */
  pgDump?: string;
  /** Default `pg_restore`, found on PATH. */
  pgRestore?: string;
}

/**
 * A pg_dump or pg_restore run that failed. `code` is `PG_DUMP_FAILED` / `PG_RESTORE_FAILED` (or
 * the spawn error's, e.g. `ENOENT` when the program is missing); the message keeps the tool's
 * own error lines with every quoted value blanked, since pg_restore quotes row content
 * ("invalid input syntax …: "<value>"", `CONTEXT: COPY worklogs, line 1: …`).
 */
export class PgToolError extends Error {
  readonly code: string;
  constructor(message: string, code: string) {
    super(message);
    this.name = 'PgToolError';
    this.code = code;
  }
}

/** How libpq is told where to connect: a URI without the password, and the password apart. */
export interface PgConnectionArgs {
  /** For `--dbname`: visible in `ps`, so it never holds the password. */
  dbname: string;
  /** For the child's PGPASSWORD (its environment is readable only by the same user and root). */
  password: string | undefined;
}

/** Splits a `postgres://` URL into {@link PgConnectionArgs}. Query parameters pass to libpq as they are. */
export function pgConnectionArgs(databaseUrl: string): PgConnectionArgs {
  const url = new URL(databaseUrl);
  const password = url.password === '' ? undefined : decodeURIComponent(url.password);
  url.password = '';
  return { dbname: url.toString(), password };
}

/**
 * The child's environment: a child process inherits its parent's by default, and Tally's holds
 * DATABASE_URL and TALLY_SECRET_KEY. This one gets only the locale, PATH and HOME (for
 * ~/.pgpass) and the operator's libpq settings (`PG*`: PGSSLMODE, PGSSLROOTCERT, …), plus the
 * password of the URL when it has one.
 */
function childEnv(password: string | undefined): NodeJS.ProcessEnv {
  const kept = Object.entries(process.env).filter(([name]) => ['PATH', 'HOME', 'LANG', 'TZ'].includes(name) || name.startsWith('LC_') || name.startsWith('PG'));
  return { ...Object.fromEntries(kept), ...(password !== undefined && { PGPASSWORD: password }) };
}

const STDERR_LIMIT_BYTES = 16_384;
const MESSAGE_LIMIT_CHARS = 300;

/**
 * `line` with the content of every quoted string (`"…"` or `'…'`, backslash escapes honoured)
 * replaced by `…`. A value with a line break leaves its quote open on this line: from there on,
 * nothing is kept.
 */
function blankQuoted(line: string): string {
  let out = '';
  for (let i = 0; i < line.length; i++) {
    const quote = line[i] as string;
    if (quote !== '"' && quote !== "'") {
      out += quote;
      continue;
    }
    let end = i + 1;
    while (end < line.length && line[end] !== quote) end += line[end] === '\\' ? 2 : 1;
    out += end < line.length ? `${quote}…${quote}` : `${quote}…`;
    i = end;
  }
  return out;
}

/** The tool's own error lines (`pg_dump: error: …`), quoted values blanked, at most 300 characters. */
export function valueFreeToolMessage(tool: string, stderr: string): string {
  const lines = stderr
    .split('\n')
    .filter((line) => line.startsWith(`${tool}: `) && !line.startsWith(`${tool}: warning`))
    .map((line) => blankQuoted(line).trim());
  return (lines.length > 0 ? lines.slice(0, 3).join(' / ') : `${tool} failed`).slice(0, MESSAGE_LIMIT_CHARS);
}

/** What {@link runPgTool} runs. */
export interface PgToolRun<T> {
  tool: 'pg_dump' | 'pg_restore';
  /** The program (a path, or a name found on PATH). */
  command: string;
  args: readonly string[];
  /** Set as the child's PGPASSWORD. */
  password?: string | undefined;
  /** Reads the child's standard output (default: ignored); its result is the run's. */
  readStdout?: (stdout: Readable) => Promise<T>;
}

/**
 * Runs a PostgreSQL client program as a child process (the dump or restore works off Node's event
 * loop) and resolves when it exited 0 and `readStdout` finished. Rejects with a {@link PgToolError}
 * otherwise; a `readStdout` failure kills the child. Never puts a password on the command line.
 */
export function runPgTool<T = undefined>(run: PgToolRun<T>): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    const child = spawn(run.command, [...run.args], { env: childEnv(run.password), stdio: ['ignore', run.readStdout ? 'pipe' : 'ignore', 'pipe'] });
    const failureCode = run.tool === 'pg_dump' ? 'PG_DUMP_FAILED' : 'PG_RESTORE_FAILED';
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      if (stderr.length < STDERR_LIMIT_BYTES) stderr += chunk;
    });
    let spawnError: Error | undefined;
    child.once('error', (error) => (spawnError = error));
    const reading: Promise<T | undefined> = run.readStdout && child.stdout ? run.readStdout(child.stdout) : Promise.resolve(undefined);
    let readError: unknown;
    let killedForReader = false;
    reading.catch((error: unknown) => {
      readError = error ?? new Error('reading the output failed');
      // A reader that gave up must not leave the child blocked on a full pipe.
      if (child.exitCode === null && child.signalCode === null) killedForReader = child.kill('SIGKILL');
    });
    child.once('close', (exitCode, signal) => {
      // The tool's own failure explains a cut-off output better than the reader's complaint about it.
      if (readError !== undefined && (killedForReader || exitCode === 0)) {
        reject(readError);
        return;
      }
      if (spawnError !== undefined) {
        const code = (spawnError as { code?: string }).code ?? failureCode;
        const missing = code === 'ENOENT' ? ` (not found: install PostgreSQL's client programs, at least the server's major version)` : '';
        reject(new PgToolError(`${run.tool} could not be started${missing}`, code));
        return;
      }
      if (exitCode !== 0) {
        reject(new PgToolError(`${valueFreeToolMessage(run.tool, stderr)} (exit ${exitCode ?? signal})`, failureCode));
        return;
      }
      reading.then(resolve, reject);
    });
  });
}
