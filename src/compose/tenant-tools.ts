import type { Config } from '../config/load-config.js';
import { findTenantIdByEdgeKey, type EdgeModule, type PlatformEdge } from '../edges/edge.js';
import { ALL_EDGE_MODULES } from '../edges/all-edges.js';
import { createInProcessJobQueue } from '../jobs/in-process-job-queue.js';
import type { JiraCredentials } from '../jira/jira-credentials.js';
import type { StoreProvider } from '../store/tenant-store.js';
import type { SyncTenantDeps } from '../sync/sync-tenant.js';
import type { AuditLog } from '../tenants/audit-log.js';
import type { ControlDb } from '../tenants/control-db.js';
import type { SecretBox } from '../tenants/secret-box.js';
import { createTenantEvents } from '../tenants/tenant-events.js';
import type { TenantRegistry } from '../tenants/tenant-registry.js';
import type { TenantId } from '../tenants/tenant.js';
import { tallyOwnedData } from './owned-data.js';
import { createTenantStores } from './tenant-stores.js';
import { openControlPlane } from './control-plane.js';
import { buildEdges, credentialsByEdge, listPausedTenants, type PausedTenant } from './edges.js';
import { createJiraClients, sharedPointsOf } from './jira-clients.js';
import type { Runtime } from './runtime.js';
import { createBitbucketHost } from './bitbucket.js';
import { openTenantLease, type TenantLease } from './job-queue.js';
import { createLiveJiraData } from '../reporting/live/live-jira-data.js';
import { AppError } from '../platform/app-error.js';

/*
 * What the `tally` commands get: only what each needs, never the server's graph (no report
 * columns, no scheduler, no HTTP app). They run beside a running server on the same databases.
 */

/** The tenants and their stored data: `worklogs export`, `backup`. */
export interface TenantData {
  control: ControlDb;
  registry: TenantRegistry;
  audit: AuditLog;
  /** Seals and opens the edges' secrets (undefined without `TALLY_SECRET_KEY`). */
  secretBox: SecretBox | undefined;
  stores: StoreProvider;
  /** The tenant an edge's own key names (a Connect client key, …), for operators naming tenants. */
  findTenantIdByKey(key: string): Promise<TenantId | undefined>;
  close(): Promise<void>;
}

/** Opens the control database and the tenant stores of the configuration. */
export async function openTenantData(config: Config, runtime: Runtime, edgeModules: readonly EdgeModule[] = ALL_EDGE_MODULES): Promise<TenantData> {
  const plane = await openControlPlane(config, runtime.clock, tallyOwnedData(edgeModules));
  const stores = createTenantStores(config, { controlDb: plane.control.db, clock: runtime.clock, logger: runtime.logger });
  return {
    control: plane.control,
    registry: plane.registry,
    audit: plane.audit,
    secretBox: plane.secretBox,
    stores,
    findTenantIdByKey: findTenantIdByEdgeKey(edgeModules, plane.control.db),
    async close() {
      await stores.close();
      await plane.close();
    },
  };
}

/** {@link TenantData} plus Jira access through the edges: `sync`, `reconcile`, `tenants list`. */
export interface SyncTools extends TenantData {
  credentials: JiraCredentials;
  syncDeps: SyncTenantDeps;
  edges: readonly PlatformEdge[];
  /** The tenant's lease the server's jobs hold (PostgreSQL; a pass-through on SQLite): `sync` and `reconcile` work under it. */
  lease: TenantLease;
  listPausedTenants(): Promise<PausedTenant[]>;
}

/**
 * Opens the tenant data and builds the configured edges for their Jira credentials only: their
 * routes are never served, their start is not run (a command syncs tenants the server already
 * registered), and nothing they would queue runs.
 */
export async function openSyncTools(config: Config, runtime: Runtime, edgeModules: readonly EdgeModule[] = ALL_EDGE_MODULES): Promise<SyncTools> {
  const data = await openTenantData(config, runtime, edgeModules);
  // Beside running servers on PostgreSQL a command spends the app's hour from the same ledger.
  const sharedPoints = sharedPointsOf(data.control, runtime.logger);
  const jira = createJiraClients(config, runtime, sharedPoints ? { sharedPoints } : {});
  const queue = createInProcessJobQueue({ concurrency: 1, logger: runtime.logger });
  const lease = openTenantLease(config);
  let edges: readonly PlatformEdge[] = [];
  const credentials = credentialsByEdge(data.registry, () => edges);
  // The edges get the same Bitbucket side as in the server; no command of theirs asks it for time.
  const live = createLiveJiraData({
    clock: runtime.clock,
    clientForViewer: (tenantId, access) => jira.clientFor(tenantId, access),
    clientFor: async (tenantId) => {
      const access = await credentials.forTenant(tenantId);
      if (!access) throw new AppError('JIRA_AUTH_FAILED', `No credentials to call Jira for tenant ${tenantId}`);
      return jira.clientFor(tenantId, access);
    },
  });
  const bitbucket = createBitbucketHost({ config, control: data.control, registry: data.registry, stores: data.stores, live, clock: runtime.clock, fetch: runtime.fetch });
  try {
    edges = await buildEdges(config, edgeModules, {
      config,
      clock: runtime.clock,
      fetch: runtime.fetch,
      logger: runtime.logger,
      control: data.control,
      registry: data.registry,
      audit: data.audit,
      secretBox: data.secretBox,
      events: createTenantEvents((error, event) => runtime.logger.error({ err: error, event }, 'tenant event listener failed')),
      queue,
      requestSync: () => {},
      bitbucket,
    });
  } catch (error) {
    await queue.stop();
    await lease.close();
    await jira.close();
    await data.close();
    throw error;
  }
  return {
    ...data,
    credentials,
    edges,
    lease,
    syncDeps: { stores: data.stores, credentials, logger: runtime.logger, jiraClientFor: jira.clientFor, backfill: config.backfill },
    listPausedTenants: () => listPausedTenants(data.registry, edges),
    async close() {
      for (const edge of edges) await edge.close?.();
      await queue.stop();
      await lease.close();
      await jira.close();
      await data.close();
    },
  };
}
