import type { Clock } from '../platform/clock.js';
import type { Fetch } from '../platform/fetch.js';
import type { RateLimitCoordinator } from '../jira/rate-limit-coordinator.js';
import type { TenantEvents } from '../tenants/tenant-events.js';
import { createViewerJiraCalls } from './viewer-jira-calls.js';
import { createWorklogOps } from './worklog-jira-ops.js';
import { createWorklogTimer, type WorklogTimer } from './worklog-timer.js';
import { createWorklogWriteService, type WorklogWriteService } from './worklog-write-service.js';

/** Log work and the timer, as the composition root wires them. */
export interface WorklogWrites {
  worklogs: WorklogWriteService;
  timer: WorklogTimer;
}

/** What {@link createWorklogWrites} needs: all I/O injected. */
export interface WorklogWritesDeps {
  fetch: Fetch;
  clock: Clock;
  /** The process's one coordinator: writes are charged like every Jira call. */
  coordinator?: RateLimitCoordinator;
  /** Where a successful write is announced (`worklogWebhook`), so the sync stores it at once. */
  events: Pick<TenantEvents, 'emit'>;
}

/** Builds the worklog-writes module (src/worklog-writes/): the service and the timer over one viewer-call client. */
export function createWorklogWrites(deps: WorklogWritesDeps): WorklogWrites {
  const calls = createViewerJiraCalls({ fetch: deps.fetch, clock: deps.clock, ...(deps.coordinator ? { coordinator: deps.coordinator } : {}) });
  const ops = createWorklogOps({ calls, events: deps.events, clock: deps.clock });
  return { worklogs: createWorklogWriteService(ops), timer: createWorklogTimer({ ops, clock: deps.clock }) };
}
