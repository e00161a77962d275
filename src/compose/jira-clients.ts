import type { Config } from '../config/load-config.js';
import { createHttpJiraClient } from '../jira/http-jira-client.js';
import type { JiraClient } from '../jira/jira-client.js';
import type { TenantJiraAccess } from '../jira/jira-credentials.js';
import { createWorklogParsePool } from '../jira/parse-workers/worklog-parse-pool.js';
import { createRateLimitCoordinator, type OwnedRateLimitCoordinator, type RateLimitCoordinator } from '../jira/rate-limit-coordinator.js';
import type { SharedPointsOptions } from '../jira/shared-points-account.js';
import type { JiraPointsTables } from '../jira/shared-points-migrations.js';
import { createSqlPointsLedger } from '../jira/shared-points-sql-ledger.js';
import type { ControlDb } from '../tenants/control-db.js';
import { inlineWorklogListDecoder } from '../jira/worklog-list-decoder.js';
import type { TenantId } from '../tenants/tenant.js';
import type { Runtime } from './runtime.js';

/** Jira clients of one process: one rate-limit coordinator (the points quota is one pool for the app). */
export interface JiraClients {
  coordinator: RateLimitCoordinator;
  clientFor(tenantId: TenantId, access: TenantJiraAccess): JiraClient;
  /** Stops the parse workers, if any. */
  close(): Promise<void>;
}

/**
 * The shared points ledger of a PostgreSQL control database: every Tally process on it — each
 * server instance and each `tally sync` beside them — spends the app's hour from one budget
 * (docs/shared-points.md). Undefined on SQLite, where one process spends the hour alone.
 */
export function sharedPointsOf(control: ControlDb, logger: Runtime['logger']): SharedPointsOptions | undefined {
  if (control.dialect !== 'postgres') return undefined;
  return {
    ledger: createSqlPointsLedger({ db: control.db.withTables<JiraPointsTables>() }),
    onLedgerError: (error: unknown) => logger.warn({ err: error }, 'shared points ledger unavailable; Jira calls wait'),
  };
}

/** Builds the process's Jira clients: shared coordinator, `/worklog/list` decoding inline or on workers. */
export function createJiraClients(
  config: Config,
  runtime: Runtime,
  options: { wrapCoordinator?: (coordinator: RateLimitCoordinator) => RateLimitCoordinator; sharedPoints?: SharedPointsOptions } = {},
): JiraClients {
  // With a shared ledger (several instances on one PostgreSQL) the hour's points are one budget for all of them.
  const owned: OwnedRateLimitCoordinator = createRateLimitCoordinator({
    clock: runtime.clock,
    sleep: runtime.sleep,
    pointsPerHour: config.jiraPointsPerHour,
    ...(options.sharedPoints ? { sharedPoints: options.sharedPoints } : {}),
  });
  const created: RateLimitCoordinator = owned;
  // Metrics count every call through the one coordinator all clients share.
  const coordinator = options.wrapCoordinator ? options.wrapCoordinator(created) : created;
  const worklogListDecoder = config.parseThreads > 0 ? createWorklogParsePool(config.parseThreads) : inlineWorklogListDecoder;
  return {
    coordinator,
    clientFor: (tenantId, access) =>
      createHttpJiraClient({ tenantId, access, fetch: runtime.fetch, clock: runtime.clock, sleep: runtime.sleep, coordinator, requestTimeoutMs: config.jiraTimeoutMs, worklogListDecoder }),
    // Gives the hour's unspent reservation back to the shared ledger, then stops the decoders.
    close: async () => {
      await owned.close();
      await worklogListDecoder.close();
    },
  };
}
