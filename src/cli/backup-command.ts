import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Config } from '../config/load-config.js';
import type { Runtime } from '../compose/runtime.js';
import { openTenantLease } from '../compose/job-queue.js';
import { openTenantData, type TenantData } from '../compose/tenant-tools.js';
import { AppError, isAppError } from '../platform/app-error.js';
import { createTenantBackups, type BackupInfo, type TenantBackups, type VerifyReport } from '../privacy/backups/tenant-backups.js';
import { isBackupAllowed } from '../privacy/backups/is-backup-allowed.js';
import { createReportSchedule } from '../privacy/personal-data/report-schedule.js';
import type { CliIo, ExitCode } from './cli-io.js';
import { resolveTenant } from './resolve-tenant.js';
import { restoreUnderLease } from './restore-under-lease.js';

/** The `tally backup …` lines of the CLI usage (for `CLI_USAGE` in run-cli.ts). */
export const BACKUP_USAGE = `  backup create --tenant <tenant> [--json]
                                          back up one tenant's database now
  backup list --tenant <tenant> [--json]  the tenant's backups, newest first
  backup verify --tenant <tenant> [--backup <id>] [--json]
                                          check a backup (default: the newest)
  backup restore --tenant <tenant> --backup <id> [--json]
                                          replace the tenant's data with its backup (with DATABASE_URL it
                                          waits for the servers' work on the tenant; else stop the server first)
`;

const SUBCOMMANDS = ['create', 'list', 'verify', 'restore'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

interface BackupArgs {
  subcommand: Subcommand;
  tenant: string;
  backup: string | undefined;
  json: boolean;
}

function usageError(message: string): AppError {
  return new AppError('REQUEST_INVALID', `${message}\n\n${BACKUP_USAGE}`);
}

function parseBackupArgs(args: string[]): BackupArgs {
  const [subcommand, ...rest] = args;
  if (!SUBCOMMANDS.includes(subcommand as Subcommand)) throw usageError(`backup needs one of ${SUBCOMMANDS.join(', ')}${subcommand ? `, got "${subcommand}"` : ''}`);
  let values: { tenant?: string; backup?: string; json?: boolean };
  try {
    ({ values } = parseArgs({ args: rest, options: { tenant: { type: 'string' }, backup: { type: 'string' }, json: { type: 'boolean' } }, strict: true }));
  } catch (error) {
    throw usageError(error instanceof Error ? error.message : String(error));
  }
  if (!values.tenant) throw usageError(`backup ${subcommand} needs --tenant <tenant id or client key>`);
  if (subcommand === 'restore' && !values.backup) throw usageError('backup restore needs --backup <id> (see `tally backup list`)');
  if ((subcommand === 'create' || subcommand === 'list') && values.backup !== undefined) throw usageError(`backup ${subcommand} takes no --backup`);
  return { subcommand: subcommand as Subcommand, tenant: values.tenant, backup: values.backup, json: values.json ?? false };
}

const megabytes = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;
const iso = (ms: number) => new Date(ms).toISOString();
const asJson = (info: BackupInfo) => ({ ...info, createdAt: iso(info.createdAtMs) });

function writeTable(io: CliIo, header: string[], lines: string[][]): void {
  const widths = header.map((cell, i) => Math.max(cell.length, ...lines.map((line) => (line[i] as string).length)));
  for (const line of [header, ...lines]) io.stdout.write(`${line.map((cell, i) => cell.padEnd(widths[i] as number)).join('  ').trimEnd()}\n`);
}

function writeVerifyReport(io: CliIo, report: VerifyReport): void {
  for (const check of report.checks) io.stdout.write(`  ${check.ok ? 'ok    ' : 'FAILED'}  ${check.name}${check.detail ? `: ${check.detail}` : ''}\n`);
  const failed = report.checks.filter((check) => !check.ok).map((check) => check.name);
  io.stdout.write(failed.length === 0 ? `Backup ${report.backupId} of ${report.tenantId} is sound.\n` : `Backup ${report.backupId} of ${report.tenantId} failed verification (${failed.join(', ')}).\n`);
}

/** The tenant's backups over the tenant data; a tenant that is not installed gets no new backup or restore. */
function backupsOf(tally: TenantData, config: Config, runtime: Runtime): TenantBackups {
  return createTenantBackups({
    backupDir: config.backupDir,
    dataDir: config.dataDir,
    stores: tally.stores,
    clock: runtime.clock,
    audit: tally.audit,
    retentionDays: config.backupRetentionDays,
    logger: runtime.logger,
    isPurging: async (tenantId) => !isBackupAllowed(await tally.registry.findTenant(tenantId)),
    // A restored backup may hold data of accounts closed since: without its row the tenant is due
    // for personal-data reporting at the server's next check, which erases them again.
    onRestored: (tenantId) => createReportSchedule(tally.control.db).deleteTenantJob(tenantId),
  });
}

/** Options of {@link backupCommand} (tests shorten the restore's wait; the CLI passes none). */
export interface BackupCommandOptions {
  /** How long a restore waits for other processes' idle connections (default 35 s, restore-under-lease.ts). */
  idleConnectionsWaitMs?: number;
}

async function run(parsed: BackupArgs, config: Config, runtime: Runtime, io: CliIo, options: BackupCommandOptions): Promise<ExitCode> {
  const tally = await openTenantData(config, runtime);
  try {
    const tenant = await resolveTenant(tally, parsed.tenant);
    const backups = backupsOf(tally, config, runtime);
    switch (parsed.subcommand) {
      case 'create': {
        const info = await backups.create(tenant.id);
        if (parsed.json) io.stdout.write(`${JSON.stringify(asJson(info), null, 2)}\n`);
        else io.stdout.write(`Backed up ${tenant.id}: backup ${info.backupId}, ${info.worklogs} worklogs, ${megabytes(info.bytes)}, in ${join(config.backupDir, tenant.id)}.\n`);
        return 0;
      }
      case 'list': {
        const list = await backups.list(tenant.id);
        if (parsed.json) io.stdout.write(`${JSON.stringify(list.map(asJson), null, 2)}\n`);
        else if (list.length === 0) io.stdout.write(`No backups of ${tenant.id} yet (\`tally backup create --tenant ${tenant.id}\`).\n`);
        else writeTable(io, ['backup', 'created', 'worklogs', 'size', 'sha256'], list.map((info) => [info.backupId, iso(info.createdAtMs), String(info.worklogs), megabytes(info.bytes), info.sha256.slice(0, 12)]));
        return 0;
      }
      case 'verify': {
        const report = await backups.verify(tenant.id, parsed.backup);
        if (parsed.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else writeVerifyReport(io, report);
        return report.ok ? 0 : 1;
      }
      case 'restore': {
        const lease = openTenantLease(config);
        const report = await restoreUnderLease({ backups, stores: tally.stores, lease, io, ...options }, tenant.id, parsed.backup as string).finally(() => lease.close());
        if (parsed.json) {
          io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
          return 0;
        }
        const cursor = report.syncState.updatedCursorMs > 0 ? `from ${iso(report.syncState.updatedCursorMs)}` : 'from the start';
        io.stdout.write(`Restored ${tenant.id} from backup ${report.backupId}: ${report.worklogs} worklogs; the next sync catches up ${cursor} (Jira time).\n`);
        if (report.safetyBackupId) io.stdout.write(`The data as it was before the restore is backup ${report.safetyBackupId}.\n`);
        return 0;
      }
    }
  } finally {
    await tally.close();
  }
}

/**
 * `tally backup create|list|verify|restore --tenant <tenant id or client key> [--backup <id>] [--json]`
 * (`args` starts with the subcommand). Bad usage prints why and the usage and exits 2; an expected
 * failure (unknown tenant or backup, a backup that fails verification, a restore refused) prints
 * one line and exits 1. A restore holds the tenant's lease throughout (PostgreSQL control
 * database: it waits for a server job of the tenant, and the server's jobs wait for it), and needs
 * the tenant's database closed everywhere else: an open one refuses it (see docs/backups.md).
 */
export async function backupCommand(args: string[], config: Config, runtime: Runtime, io: CliIo, options: BackupCommandOptions = {}): Promise<ExitCode> {
  try {
    return await run(parseBackupArgs(args), config, runtime, io, options);
  } catch (error) {
    if (!isAppError(error)) throw error;
    // Backup messages name ids, counts and checks only, so they are shown whatever their status.
    io.stderr.write(`tally: ${error.message}\n`);
    return error.code === 'REQUEST_INVALID' || error.code === 'BACKUP_ID_INVALID' ? 2 : 1;
  }
}
