import type { Config } from '../config/load-config.js';
import type { Runtime } from '../compose/runtime.js';
import { isAppError } from '../platform/app-error.js';
import type { CliIo, ExitCode } from './cli-io.js';
import type { OwnedData } from '../privacy/data-statement/data-statement.js';
import type { EdgeCliCommand } from '../edges/edge.js';
import { openControlDb } from '../tenants/control-db.js';
import { tenantsListCommand } from './tenants-list-command.js';
import { syncCommand } from './sync-command.js';
import { worklogsExportCommand } from './worklogs-export-command.js';
import { reconcileCommand } from './reconcile-command.js';
import { dataStatementCommand, DATA_STATEMENT_USAGE } from './data-statement-command.js';
import { backupCommand, BACKUP_USAGE } from './backup-command.js';

export const CLI_USAGE = `Usage: tally <command>

  serve                                   start the server and the sync (default)
  tenants list [--json]                   every tenant with its state and sync progress
  sync <tenant> [--full]                  synchronise one tenant now (a tenant id or client key)
  reconcile <tenant>                      compare with Jira's visible set now and repair drift
                                          (beside a server on PostgreSQL both wait while a job of
                                          that tenant runs, and say so; Ctrl-C stops waiting)
  worklogs export --tenant <tenant> [--format ndjson|csv]
                                          print every stored worklog, fields exactly as stored
${BACKUP_USAGE}${DATA_STATEMENT_USAGE}`;

/** What the composition root hands the CLI beside the configuration (the edges' data, for the statement). */
export interface CliWiring {
  ownedData?: OwnedData;
  /** Commands the platform edges contribute (the site edge's `access-link`). */
  edgeCommands?: readonly EdgeCliCommand[];
}

/**
 * Dispatches `tally <command>`. Bad usage prints the usage and exits 2; an expected failure
 * (unknown tenant, Jira unavailable) prints one clear line and exits 1; nothing prints a stack.
 */
export async function runCli(args: string[], config: Config, runtime: Runtime, io: CliIo, wiring: CliWiring = {}): Promise<ExitCode> {
  const [command, sub, ...rest] = args;
  try {
    if (command === 'tenants' && sub === 'list') return await tenantsListCommand(rest, config, runtime, io);
    if (command === 'sync' && sub !== undefined) return await syncCommand([sub, ...rest], config, runtime, io);
    if (command === 'reconcile' && sub !== undefined) return await reconcileCommand([sub, ...rest], config, runtime, io);
    if (command === 'backup') return await backupCommand([sub, ...rest].filter((arg): arg is string => arg !== undefined), config, runtime, io);
    if (command === 'data-statement') return await dataStatementCommand(args.slice(1), config, runtime, io, wiring.ownedData);
    if (command === 'worklogs' && sub === 'export') return await worklogsExportCommand(rest, config, runtime, io);
    const edgeCommand = wiring.edgeCommands?.find((candidate) => candidate.name === command);
    if (edgeCommand) {
      const openControl = () =>
        openControlDb({ ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir }), ...(wiring.ownedData ? { ownedMigrations: wiring.ownedData.migrations } : {}) });
      return await edgeCommand.run(args.slice(1), { config, clock: runtime.clock, io, openControl });
    }
    const usage = CLI_USAGE + (wiring.edgeCommands ?? []).map((candidate) => candidate.usage).join('');
    if (command === 'help' || command === '--help') {
      io.stdout.write(usage);
      return 0;
    }
    io.stderr.write(`tally: unknown command "${args.join(' ')}"\n\n${usage}`);
    return 2;
  } catch (error) {
    if (isAppError(error) && error.expose) {
      io.stderr.write(`tally: ${error.message}\n`);
      return error.code === 'REQUEST_INVALID' ? 2 : 1;
    }
    io.stderr.write(`tally: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
