import type { Config } from '../config/load-config.js';
import type { Runtime } from '../compose/runtime.js';
import { openSyncTools } from '../compose/tenant-tools.js';
import { AppError } from '../platform/app-error.js';
import { reconcileTenant } from '../sync/reconcile.js';
import type { CliIo, ExitCode } from './cli-io.js';
import { resolveTenant } from './resolve-tenant.js';
import { sayOnceWhenBusy } from './tenant-busy.js';

/**
 * `tally reconcile <tenant>`: compares the tenant's stored worklogs with Jira's visible set now,
 * repairs drift, and prints what it found. Worklogs that only became invisible to the app are
 * listed and kept. On PostgreSQL it waits while a server job of the tenant runs (and says so).
 */
export async function reconcileCommand(args: string[], config: Config, runtime: Runtime, io: CliIo): Promise<ExitCode> {
  const [name] = args;
  if (!name) throw new AppError('REQUEST_INVALID', 'reconcile needs a tenant id or client key');
  const tally = await openSyncTools(config, runtime);
  try {
    const tenant = await resolveTenant(tally, name);
    const access = await tally.credentials.forTenant(tenant.id);
    if (!access) throw new AppError('NOT_FOUND', `tenant ${tenant.id} is not installed`);
    const store = await tally.stores.open(tenant.id);
    // Under the tenant's lease (PostgreSQL): never beside a server job of the tenant (see sync-command.ts).
    const report = await tally.lease.runExclusive(
      tenant.id,
      async (signal) => {
        if ((await store.getSyncState()).phase !== 'incremental') throw new AppError('REQUEST_INVALID', `tenant ${tenant.id} has not finished its full sync yet (run \`tally sync ${tenant.id}\`)`);
        return reconcileTenant({ tenantId: tenant.id, store, jira: tally.syncDeps.jiraClientFor(tenant.id, access), logger: runtime.logger, signal });
      },
      { onWait: sayOnceWhenBusy(io, tenant.id) },
    );
    io.stdout.write(
      `Reconciled ${tenant.id}: Jira shows ${report.jiraVisible} worklogs, ${report.stored} were stored; ` +
        `${report.repaired} repaired, ${report.removedDeleted} deletions applied, ${report.invisible.length} no longer visible to the app (kept).\n`,
    );
    if (report.invisible.length > 0) io.stdout.write(`Invisible to the app: ${report.invisible.slice(0, 50).join(', ')}${report.invisible.length > 50 ? ', …' : ''}\n`);
    return 0;
  } finally {
    await tally.close();
  }
}
