import { parseArgs } from 'node:util';
import type { Config } from '../config/load-config.js';
import type { Runtime } from '../compose/runtime.js';
import { openSyncTools } from '../compose/tenant-tools.js';
import { syncTenant } from '../sync/sync-tenant.js';
import type { CliIo, ExitCode } from './cli-io.js';
import { resolveTenant } from './resolve-tenant.js';
import { renderProgress } from './sync-progress.js';
import { describeSyncStatus } from '../sync/sync-status.js';
import { sayOnceWhenBusy } from './tenant-busy.js';

/** Pages between progress updates (each page is up to 1000 worklogs); also how long a server job of the tenant may wait for this command. */
const PAGES_PER_STEP = 5;

/**
 * `tally sync <tenant> [--full]`: synchronises one tenant now, in this process, printing a
 * progress bar with an ETA during a full sync. Interrupting it loses nothing: every page is
 * committed with its cursor, and the next run (or the server) resumes there.
 *
 * On PostgreSQL each step runs under the tenant's lease, the one the server's jobs hold: while a
 * server job of the tenant runs, the command waits (and says so once); while a step runs, the
 * server's job of the tenant waits. Steps, not the whole run, so a server worker never waits
 * longer than one step for a long `--full`; both advance the same cursors, so nothing is read twice.
 */
export async function syncCommand(args: string[], config: Config, runtime: Runtime, io: CliIo): Promise<ExitCode> {
  const { values, positionals } = parseArgs({ args, options: { full: { type: 'boolean' } }, allowPositionals: true, strict: true });
  const tally = await openSyncTools(config, runtime);
  try {
    const tenant = await resolveTenant(tally, positionals[0] ?? '');
    const store = await tally.stores.open(tenant.id);
    const onWait = sayOnceWhenBusy(io, tenant.id);
    let mode: 'auto' | 'full' = values.full ? 'full' : 'auto';
    for (;;) {
      const stepMode = mode;
      const outcome = await tally.lease.runExclusive(tenant.id, (signal) => syncTenant(tally.syncDeps, tenant.id, { mode: stepMode, maxPages: PAGES_PER_STEP, signal }), { onWait });
      mode = 'auto';
      if (outcome.status === 'skipped') {
        io.stderr.write(`tally: tenant ${tenant.id} is not installed; nothing to sync\n`);
        return 1;
      }
      const state = await store.getSyncState();
      const line = renderProgress(describeSyncStatus(state, runtime.clock.nowMs(), config.jiraPointsPerHour));
      io.stdout.write(io.stdout.isTTY ? `\r${line}` : `${line}\n`);
      if (outcome.status === 'synced') break;
    }
    const count = await store.countWorklogs();
    io.stdout.write(`${io.stdout.isTTY ? '\n' : ''}Synced ${tenant.id}: ${count} worklogs stored.\n`);
    return 0;
  } finally {
    await tally.close();
  }
}
