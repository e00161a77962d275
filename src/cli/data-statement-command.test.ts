import { describe, expect, it } from 'vitest';
import type { Runtime } from '../compose.js';
import { loadConfig } from '../config/load-config.js';
import { systemClock } from '../platform/clock.js';
import { createLogger } from '../platform/logger.js';
import { isAppError } from '../platform/app-error.js';
import { dataStatementCommand } from './data-statement-command.js';

// The command needs neither Jira nor the clock; a fetch that fails proves it calls out to nothing.
const runtime: Runtime = {
  clock: systemClock,
  fetch: async () => {
    throw new Error('data-statement must not call out');
  },
  sleep: async () => {},
  logger: createLogger({ level: 'silent' }),
};

function bufferedIo() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: { write: (text: string) => out.push(text) }, stderr: { write: (text: string) => err.push(text) } }, stdout: () => out.join(''), stderr: () => err.join('') };
}

describe('tally data-statement', () => {
  const config = loadConfig({ TALLY_MODE: 'demo', TALLY_DATA_DIR: '/var/lib/tally', TALLY_BACKUP_RETENTION_DAYS: '11' });

  it('prints the statement with the configured directories', async () => {
    const { io, stdout } = bufferedIo();
    expect(await dataStatementCommand([], config, runtime, io)).toBe(0);
    expect(stdout()).toMatch(/^# Tally data statement\n/);
    expect(stdout()).toContain('`/var/lib/tally/tenants/<tenant id>.sqlite`');
    expect(stdout()).toContain('`/var/lib/tally/backups/<tenant id>/`');
    expect(stdout()).toContain('each kept 11 days');
  });

  it('prints the same statement as JSON with --json', async () => {
    const { io, stdout } = bufferedIo();
    expect(await dataStatementCommand(['--json'], config, runtime, io)).toBe(0);
    const statement = JSON.parse(stdout()) as { settings: { dataDir: string; backupRetentionDays: number }; databases: { tables: { name: string }[] }[] };
    expect(statement.settings).toMatchObject({ dataDir: '/var/lib/tally', backupRetentionDays: 11 });
    expect(statement.databases[0]?.tables[0]?.name).toBe('worklogs');
  });

  it('refuses an unknown option as bad usage', async () => {
    const { io } = bufferedIo();
    const error = await dataStatementCommand(['--yaml'], config, runtime, io).catch((caught: unknown) => caught);
    expect(isAppError(error, 'REQUEST_INVALID')).toBe(true);
  });
});
