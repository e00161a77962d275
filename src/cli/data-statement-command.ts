import { parseArgs } from 'node:util';
import type { Config } from '../config/load-config.js';
import type { Runtime } from '../compose/runtime.js';
import { AppError } from '../platform/app-error.js';
import { buildDataStatement, renderDataStatementText, type OwnedData } from '../privacy/data-statement/data-statement.js';
import type { CliIo, ExitCode } from './cli-io.js';

/** The line `tally help` shows for this command (run-cli.ts adds it to CLI_USAGE). */
export const DATA_STATEMENT_USAGE = '  data-statement [--json]                 every stored field, where data lives, deletion and retention rules\n';

/**
 * `tally data-statement [--json]`: prints the data statement for this configuration — Markdown,
 * or the same content as JSON with `--json` — with the directories as configured. Reads no
 * tenant's data and needs no running server: the schema comes from scratch databases migrated
 * like the real ones. Fails (exit 1, via run-cli) when the schema has a field the statement does
 * not describe.
 */
export async function dataStatementCommand(args: string[], config: Config, _runtime: Runtime, io: CliIo, owned?: OwnedData): Promise<ExitCode> {
  let json: boolean;
  try {
    json = parseArgs({ args, options: { json: { type: 'boolean' } }, strict: true, allowPositionals: false }).values.json === true;
  } catch (error) {
    // Bad usage is exit 2 (run-cli maps REQUEST_INVALID), not a failure of the statement.
    throw new AppError('REQUEST_INVALID', `data-statement: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const statement = await buildDataStatement(config, { paths: 'configured', ...(owned ? { owned } : {}) });
  io.stdout.write(json ? `${JSON.stringify(statement, null, 2)}\n` : renderDataStatementText(statement));
  return 0;
}
