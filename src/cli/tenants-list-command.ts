import { parseArgs } from 'node:util';
import type { Config } from '../config/load-config.js';
import type { Runtime } from '../compose/runtime.js';
import { openSyncTools } from '../compose/tenant-tools.js';
import type { CliIo, ExitCode } from './cli-io.js';

/**
 * `tally tenants list [--json]`: every tenant, its state and where its sync stands, and for a
 * tenant its edge cannot serve now (a site whose API token Jira rejected) why and what to do.
 */
export async function tenantsListCommand(args: string[], config: Config, runtime: Runtime, io: CliIo): Promise<ExitCode> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' } }, strict: true });
  const tally = await openSyncTools(config, runtime);
  try {
    const rows = [];
    const paused = new Map((await tally.listPausedTenants()).map((entry) => [entry.tenantId as string, entry]));
    for (const tenant of await tally.registry.listTenants()) {
      const store = tenant.state === 'installed' ? await tally.stores.open(tenant.id) : undefined;
      const state = await store?.getSyncState();
      rows.push({
        tenantId: tenant.id,
        site: tenant.baseUrl,
        product: tenant.product,
        state: tenant.state,
        enabled: tenant.enabled,
        installedAt: new Date(tenant.installedAtMs).toISOString(),
        syncPhase: state?.phase ?? null,
        worklogs: store ? await store.countWorklogs() : null,
        lastFullSyncAt: state?.fullSyncCompletedAtMs ? new Date(state.fullSyncCompletedAtMs).toISOString() : null,
        paused: paused.has(tenant.id) ? { reason: paused.get(tenant.id)?.reason ?? null, message: paused.get(tenant.id)?.message ?? null } : null,
      });
    }
    if (values.json) {
      io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return 0;
    }
    if (rows.length === 0) {
      io.stdout.write('No tenants yet: install Tally on a site (see README).\n');
      return 0;
    }
    const header = ['tenant', 'site', 'state', 'sync', 'worklogs', 'last full sync'];
    const stateOf = (r: { state: string; enabled: boolean; paused: { reason: string | null } | null }) => (r.paused ? `${r.state} (paused: ${r.paused.reason ?? 'edge'})` : r.enabled ? r.state : `${r.state} (disabled)`);
    const lines = rows.map((r) => [r.tenantId, r.site, stateOf(r), r.syncPhase ?? '-', String(r.worklogs ?? '-'), r.lastFullSyncAt ?? '-']);
    const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
    for (const line of [header, ...lines]) io.stdout.write(`${line.map((cell, i) => cell.padEnd(widths[i] as number)).join('  ').trimEnd()}\n`);
    for (const r of rows) if (r.paused?.message) io.stdout.write(`\n${r.tenantId}: ${r.paused.message}\n`);
    return 0;
  } finally {
    await tally.close();
  }
}
