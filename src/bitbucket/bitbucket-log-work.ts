/**
 * Log work from a Bitbucket pull request (issue 16): the core's half. A Bitbucket edge verifies
 * who is asking (the account id the platform signed into the page's URL, or the invocation
 * token's principal) and hands that account id here; the worklog is written to the
 * workspace's linked Jira site *as that person*, through Jira access one of the Jira edges makes
 * for the account (`actAsUser`). The Bitbucket and Jira users are the same Atlassian account, so
 * the account id joins them (bitbucket-cloud.md §5.1) — never a name or an e-mail address.
 *
 * Any issue key may be logged to, not only the pull request's: Jira checks, as the person, whether
 * they may (Browse, Work on issues, time tracking on), exactly as its own dialog would.
 */
import { AppError } from '../platform/app-error.js';
import type { Clock } from '../platform/clock.js';
import type { TenantJiraAccess } from '../jira/jira-credentials.js';
import { parseJiraDateTime } from '../jira/jira-date-time.js';
import type { Sleep } from '../jira/sleep.js';
import type { StoreProvider } from '../store/tenant-store.js';
import type { TenantRegistry } from '../tenants/tenant-registry.js';
import type { TenantId } from '../tenants/tenant.js';
import type { OwnWorklog } from '../worklog-writes/own-worklog.js';
import { checkLogWorkInput, type LogWorkInput } from '../worklog-writes/worklog-input.js';
import type { WorklogWriteService } from '../worklog-writes/worklog-write-service.js';
import type { BitbucketInstallation } from './bitbucket-installations.js';
import { linkedTenant } from './bitbucket-time-service.js';

/**
 * Jira access acting as `accountId` on the tenant, made by the tenant's own edge; throws
 * `LOG_WORK_UNAVAILABLE` with the reason when that edge cannot act as people (the composition
 * root gathers it over the Jira edges: `compose/edges.ts`).
 */
export type ActAsUser = (tenantId: TenantId, accountId: string) => Promise<TenantJiraAccess>;

/** A worklog just written, and whether the linked tenant's store (so the panel's totals) holds it yet. */
export interface LoggedWork {
  worklog: OwnWorklog;
  /** False when the sync had not stored it within {@link SHOWN_WAIT_MS}: it shows on a later load. */
  shown: boolean;
}

/**
 * How long a write waits for the sync to store it, so the panel shown next includes it: the write
 * announces itself to the sync at once (`worklogWebhook`), which stores it well within a second.
 */
export const SHOWN_WAIT_MS = 2_000;
const SHOWN_POLL_MS = 50;

/** What the Bitbucket edges ask to log work. */
export interface BitbucketLogWork {
  /**
   * Writes one worklog to the installation's linked Jira site as `accountId`. In order, before
   * anything reaches Jira: the input (`WORKLOG_INPUT_INVALID`), a viewer at all
   * (`LOG_WORK_UNAVAILABLE`), the link (`BITBUCKET_INSTALLATION_PENDING`, `BITBUCKET_NOT_LINKED`),
   * the Jira edge's ability to act as the person (`LOG_WORK_UNAVAILABLE`). Jira's refusals come back
   * as `JIRA_WORKLOG_REFUSED` with its words; one Jira write, so nothing is half-written. Not
   * idempotent: each call that succeeds writes a worklog.
   */
  logWork(request: {
    installation: BitbucketInstallation;
    /** The viewer's Atlassian account id as the edge verified it; undefined for an anonymous viewer. */
    accountId: string | undefined;
    input: LogWorkInput;
  }): Promise<LoggedWork>;
}

/** What {@link createBitbucketLogWork} needs. */
export interface BitbucketLogWorkDeps {
  registry: Pick<TenantRegistry, 'findTenant'>;
  actAsUser: ActAsUser;
  worklogs: Pick<WorklogWriteService, 'logWork'>;
  /** The tenants' stores, to see the written worklog arrive; without them `shown` is false at once. */
  stores?: Pick<StoreProvider, 'open'>;
  clock: Clock;
  sleep: Sleep;
}

/** The {@link BitbucketLogWork} over the worklog-writes service (src/worklog-writes/). */
export function createBitbucketLogWork(deps: BitbucketLogWorkDeps): BitbucketLogWork {
  return {
    async logWork({ installation, accountId, input }) {
      const checked = checkLogWorkInput(input);
      if (accountId === undefined || accountId === '') throw new AppError('LOG_WORK_UNAVAILABLE', 'Log in to Bitbucket to log work: Tally writes it to Jira as you.');
      const tenant = await linkedTenant(deps.registry, installation);
      const access = await deps.actAsUser(tenant.id, accountId);
      const worklog = await deps.worklogs.logWork({ tenantId: tenant.id, accountId, access }, checked);
      return { worklog, shown: await waitUntilStored(tenant.id, worklog) };
    },
  };

  /**
   * Whether the store holds the worklog within {@link SHOWN_WAIT_MS}, recognised by issue, author,
   * start and duration (the store keeps no worklog id where the panel reads). Never throws: the
   * worklog is written whatever the store says.
   */
  async function waitUntilStored(tenantId: TenantId, worklog: OwnWorklog): Promise<boolean> {
    const startedMs = parseJiraDateTime(worklog.started);
    if (!deps.stores || startedMs === undefined) return false;
    const deadlineMs = deps.clock.nowMs() + SHOWN_WAIT_MS;
    try {
      const store = await deps.stores.open(tenantId);
      for (;;) {
        const rows = await store.getWorklogsOfIssues([worklog.issueId]);
        if (rows.some((row) => row.accountId === worklog.authorAccountId && row.startedMs === startedMs && row.timeSpentSeconds === worklog.timeSpentSeconds)) return true;
        if (deps.clock.nowMs() >= deadlineMs) return false;
        await deps.sleep(SHOWN_POLL_MS);
      }
    } catch {
      return false;
    }
  }
}
