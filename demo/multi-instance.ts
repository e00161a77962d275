/**
 * `npm run demo -- --store postgres --instances 3`: several Tally instances against the local
 * PostgreSQL — a fresh database `tally_demo_<random>` for the control data and the pg-boss jobs,
 * and one database per site — behind a round-robin load balancer, installed on several simulated
 * Jira Cloud sites at once. A live table shows which instance synchronises which site; then the
 * demo serves until Ctrl-C (`--once`: exits after checking a report page), and drops every
 * database it created on the way out.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load-config.js';
import { findConnectTenantId } from '../src/edges/jira-connect/connect-installation-store.js';
import { openTenantData } from '../src/compose/tenant-tools.js';
import { machineRuntime, startServer, type RunningServer } from '../src/main.js';
import { findFreePort } from '../src/platform/free-port.js';
import { postgresTenantDatabaseName } from '../src/store/postgres-tenant-db.js';
import type { TenantId } from '../src/tenants/tenant.js';
import { startLoadBalancer, type LoadBalancer } from '../test/support/multi-instance-load-balancer.js';
import { startHttpSiteFleet, type HttpSiteFleet } from '../test/support/multi-instance-sites.js';
import { createDemoDatabase, type DemoDatabase } from './demo-database.js';
import { createInstanceActivity, type InstanceActivity } from './instance-activity.js';
import { renderSiteTable, type SiteRow } from './site-table.js';

/** What `--store postgres` runs with. */
export interface MultiInstanceDemoOptions {
  instances: number;
  sites: number;
  worklogsPerSite: number;
  seed: string;
  once: boolean;
  /** The server the demo database goes on (DATABASE_URL, else the local PostgreSQL). */
  serverUrl: string;
  /** Tier-2-like, so the syncs take seconds (the normal demo's reasoning). */
  pointsPerHour: number;
}

/** One instance: a whole Tally (its own job workers, points coordinator and connections) on its own port. */
interface DemoInstance {
  name: string;
  server: RunningServer;
  dataDir: string;
}

/** Everything started so far, closed in reverse: the demo's one cleanup, also after a failure. */
interface Started {
  database?: DemoDatabase;
  fleet?: HttpSiteFleet;
  balancer?: LoadBalancer;
  instances: DemoInstance[];
  env?: Record<string, string>;
}

async function stopEverything(started: Started): Promise<void> {
  for (const instance of started.instances.splice(0)) {
    await instance.server.close();
    rmSync(instance.dataDir, { recursive: true, force: true });
  }
  await started.balancer?.close();
  await started.fleet?.close();
  if (started.database && started.env) {
    // The sites' databases first (each tenant's store drops its own), then the demo database.
    const runtime = machineRuntime(loadConfig(started.env));
    const data = await openTenantData(loadConfig(started.env), runtime);
    await Promise.all((await data.registry.listTenants()).map((tenant) => data.stores.destroy(tenant.id)));
    await data.close();
  }
  await started.database?.drop();
}

async function startInstances(count: number, env: Record<string, string>, activity: InstanceActivity): Promise<DemoInstance[]> {
  const instances: DemoInstance[] = [];
  for (let i = 1; i <= count; i++) {
    const name = `tally-${i}`;
    const dataDir = mkdtempSync(join(tmpdir(), `tally-demo-${name}-`));
    const config = loadConfig({ ...env, PORT: String(await findFreePort()), TALLY_DATA_DIR: dataDir });
    const runtime = { ...machineRuntime(config), fetch: activity.fetchFor(name) };
    instances.push({ name, server: await startServer(config, { hostname: '127.0.0.1', runtime }), dataDir });
  }
  return instances;
}

/** Draws the table until every site has finished its full sync; returns the seconds it took. */
async function followSyncs(sites: { url: string; tenantId: TenantId }[], reader: RunningServer, activity: InstanceActivity): Promise<number> {
  const started = performance.now();
  const interactive = process.stdout.isTTY === true;
  let drawnLines = 0;
  const lastSeen = new Map<string, string>();
  for (;;) {
    const rows: SiteRow[] = [];
    for (const site of sites) {
      const state = await (await reader.tally.stores.open(site.tenantId)).getSyncState();
      rows.push({ url: site.url, state, activity: activity.of(site.url) });
    }
    const table = renderSiteTable(rows, Date.now());
    if (interactive) {
      process.stdout.write(`${drawnLines > 0 ? `\x1b[${drawnLines}A` : ''}${table.lines.map((line) => `\x1b[2K${line}\n`).join('')}`);
      drawnLines = table.lines.length;
    } else {
      // Piped: one line per change of a site's instance or phase, not a redraw.
      for (const [i, line] of table.lines.entries()) {
        const key = table.keys[i] ?? line;
        if (lastSeen.get(String(i)) !== key) process.stdout.write(`${line}\n`);
        lastSeen.set(String(i), key);
      }
    }
    if (rows.every((row) => row.state.phase === 'incremental')) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return (performance.now() - started) / 1000;
}

/** Whose calls each site saw, as the summary says it: `tally-2 (31 calls), tally-1 (2)`. */
function describeSyncers(activity: InstanceActivity, url: string): string {
  const calls = [...activity.of(url).calls].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  return calls.map(([name, n], i) => (i === 0 ? `${name} (${n} Jira calls)` : `${name} (${n})`)).join(', ');
}

/**
 * Runs the multi-instance demo; resolves with the exit code. Every failure after the database
 * was created still drops it (and the sites' databases).
 */
export async function runMultiInstanceDemo(options: MultiInstanceDemoOptions): Promise<number> {
  const started: Started = { instances: [] };
  const activity = createInstanceActivity();
  try {
    started.database = await createDemoDatabase(options.serverUrl);
    process.stdout.write(`PostgreSQL: a fresh database ${started.database.name} on ${new URL(options.serverUrl).host} (control data, jobs, points ledger; one more database per site)\n`);
    started.fleet = await startHttpSiteFleet({ sites: options.sites, worklogsPerSite: options.worklogsPerSite, pageSize: 1000, pointsPerHour: options.pointsPerHour, seedPrefix: `demo-${options.seed}` });
    const fleet = started.fleet;
    process.stdout.write(`${options.sites} simulated Jira Cloud sites, ${options.worklogsPerSite} worklogs each: ${fleet.urls.join(' ')}\n`);
    started.balancer = await startLoadBalancer(() => started.instances.map((instance) => instance.server.url));
    started.env = {
      DATABASE_URL: started.database.url,
      TALLY_BASE_URL: started.balancer.url,
      TALLY_SECRET_KEY: randomBytes(32).toString('base64'),
      TALLY_INSTALL_KEYS_URL: fleet.installKeysUrl,
      TALLY_GDPR_API_URL: fleet.urls[0]!,
      TALLY_ALLOWED_HOSTS: '127.0.0.1',
      TALLY_JIRA_POINTS_PER_HOUR: String(options.pointsPerHour),
      // Instances × (this + control pool + pg-boss + leases) stay well under PostgreSQL's default 100.
      TALLY_PG_MAX_CONNECTIONS: '8',
      TALLY_LOG_LEVEL: 'warn',
    };
    started.instances.push(...(await startInstances(options.instances, started.env, activity)));
    process.stdout.write(`${options.instances} Tally instance${options.instances > 1 ? 's' : ''} in this process, each with its own job workers, points coordinator and connections; they share only PostgreSQL:\n`);
    for (const instance of started.instances) process.stdout.write(`  ${instance.name}: ${instance.server.url}\n`);
    process.stdout.write(`Load balancer (TALLY_BASE_URL of all of them, round robin): ${started.balancer.url}\n\n`);

    const installs = await fleet.installAll(`${started.balancer.url}/atlassian-connect.json`);
    const refused = installs.filter((install) => !install.ok);
    if (refused.length > 0) throw new Error(`${refused.length} sites could not install Tally: ${JSON.stringify(refused[0])}`);
    const reader = started.instances[0]!.server;
    const sites: { url: string; tenantId: TenantId }[] = [];
    for (const [i, install] of installs.entries()) {
      const tenantId = install.ok ? await findConnectTenantId(reader.tally.control.db, install.clientKey) : undefined;
      if (!tenantId) throw new Error(`site ${fleet.urls[i]} installed but has no tenant`);
      sites.push({ url: fleet.urls[i]!, tenantId });
    }
    process.stdout.write('Every site installed Tally through the load balancer; the full syncs are jobs any instance may take (pg-boss):\n');
    const seconds = await followSyncs(sites, reader, activity);
    process.stdout.write(`\nAll ${sites.length} sites fully synchronised in ${seconds.toFixed(1)} s. Who synced what:\n`);
    for (const site of sites) process.stdout.write(`  ${site.url} (tenant ${site.tenantId}, database ${postgresTenantDatabaseName(site.tenantId)}): ${describeSyncers(activity, site.url)}\n`);

    const appKey = reader.tally.config.appKey;
    const pageUrl = `${fleet.urls[0]}/plugins/servlet/ac/${appKey}/tally-reports`;
    process.stdout.write(`\nReport page of the first site (through the load balancer; any instance answers):\n  ${pageUrl}\n`);
    process.stdout.write(`  the other sites: ${fleet.urls.slice(1).map((url) => `${url}/plugins/servlet/ac/${appKey}/tally-reports`).join(' ')}\n`);
    if (options.once) {
      const page = await fetch(pageUrl);
      process.stdout.write(`Report page answered ${page.status} (${(await page.text()).includes('tally-token') ? 'with a session token' : 'without a session token'}).\n`);
      await stopEverything(started);
      process.stdout.write(`Dropped ${started.database.name} and the sites' databases.\n`);
      return 0;
    }
    process.stdout.write(`\nServing until Ctrl-C (then ${started.database.name} and the sites' databases are dropped).\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await stopEverything(started);
    process.stdout.write(`Dropped ${started.database.name} and the sites' databases.\n`);
    return 0;
  } catch (error) {
    await stopEverything(started).catch((cleanup: unknown) => process.stderr.write(`demo: cleanup failed: ${String(cleanup)}\n`));
    throw error;
  }
}
