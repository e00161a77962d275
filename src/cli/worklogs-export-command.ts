import { parseArgs } from 'node:util';
import type { Config } from '../config/load-config.js';
import type { Runtime } from '../compose/runtime.js';
import { openTenantData } from '../compose/tenant-tools.js';
import { AppError } from '../platform/app-error.js';
import type { WorklogRow } from '../store/worklog-row.js';
import type { CliIo, ExitCode } from './cli-io.js';
import { resolveTenant } from './resolve-tenant.js';

/** The statement's field names, in its order: what an export shows and nothing else. */
export const EXPORT_FIELDS = ['client_worklog_id', 'account_id', 'client_issue_id', 'comment', 'created', 'updated', 'started', 'time_spent_seconds'] as const;

function exported(row: WorklogRow): Record<(typeof EXPORT_FIELDS)[number], string | number | null> {
  return {
    client_worklog_id: row.clientWorklogId,
    account_id: row.accountId,
    client_issue_id: row.clientIssueId,
    comment: row.comment,
    created: row.created,
    updated: row.updated,
    started: row.started,
    time_spent_seconds: row.timeSpentSeconds,
  };
}

/** RFC 4180 quoting: fields with a comma, quote, CR or LF are quoted, quotes doubled. */
function csvCell(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * `tally worklogs export --tenant <id or client key> [--format ndjson|csv]`: every stored worklog
 * with the statement's field names, exactly as stored, streamed in pages (bounded memory).
 */
export async function worklogsExportCommand(args: string[], config: Config, runtime: Runtime, io: CliIo): Promise<ExitCode> {
  const { values } = parseArgs({ args, options: { tenant: { type: 'string' }, format: { type: 'string' } }, strict: true });
  if (!values.tenant) throw new AppError('REQUEST_INVALID', 'worklogs export needs --tenant <tenant id or client key>');
  const format = values.format ?? 'ndjson';
  if (format !== 'ndjson' && format !== 'csv') throw new AppError('REQUEST_INVALID', `--format must be ndjson or csv, got "${format}"`);
  const tally = await openTenantData(config, runtime);
  try {
    const tenant = await resolveTenant(tally, values.tenant);
    const store = await tally.stores.open(tenant.id);
    if (format === 'csv') io.stdout.write(`${EXPORT_FIELDS.join(',')}\r\n`);
    for await (const page of store.streamWorklogs(1000)) {
      const text =
        format === 'csv'
          ? page.map((row) => `${EXPORT_FIELDS.map((field) => csvCell(exported(row)[field])).join(',')}\r\n`).join('')
          : page.map((row) => `${JSON.stringify(exported(row))}\n`).join('');
      io.stdout.write(text);
    }
    return 0;
  } finally {
    await tally.close();
  }
}
