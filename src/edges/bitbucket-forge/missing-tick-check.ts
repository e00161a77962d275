import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import type { PeriodicSchedule } from '../../jobs/scheduler.js';
import { DONE } from '../../jobs/task.js';
import type { BitbucketForgeInstallationStore } from './bitbucket-forge-installation-store.js';

/*
 * Forge sends no reliable uninstall event (forge-migration.md §4): the pre-uninstall call is best
 * effort. Atlassian's fallback — "you can infer the app was uninstalled if it stopped receiving a
 * scheduled trigger" (`remote/calling-product-apis`) — is the rule here. Unlike the Jira Forge
 * edge, no probe of Bitbucket comes first: Tally keeps no token to probe with (it stores none),
 * and a Bitbucket installation holds no worklogs, only who installed it and the link, so deleting
 * a live one costs the admin a new pairing code at worst (a later tick re-creates it, unlinked).
 */

/** The manifest's `hour` scheduled trigger, and how often the check runs. */
export const TICK_INTERVAL_MS = 60 * 60_000;
/** However short TALLY_FORGE_UNINSTALL_GRACE_HOURS is, two missed hourly ticks at least before deleting. */
const MIN_SILENCE_MS = 2 * TICK_INTERVAL_MS;

/** What {@link checkMissingTicks} needs. */
export interface MissingTickDeps {
  store: Pick<BitbucketForgeInstallationStore, 'listSilentSince' | 'remove'>;
  clock: Clock;
  logger: Logger;
  /** TALLY_FORGE_UNINSTALL_GRACE_HOURS in ms. */
  graceMs: number;
}

/** What one check did; the check itself never throws. */
export interface MissingTickResult {
  deleted: number;
  failed: number;
}

/**
 * Deletes every installation whose last tick (or install) is older than the grace period, whole
 * and at once, as the pre-uninstall call would. Re-runnable; one that fails is tried again at the
 * next check and the others go on.
 */
export async function checkMissingTicks(deps: MissingTickDeps): Promise<MissingTickResult> {
  const result: MissingTickResult = { deleted: 0, failed: 0 };
  const silenceMs = Math.max(deps.graceMs, MIN_SILENCE_MS);
  for (const silent of await deps.store.listSilentSince(deps.clock.nowMs() - silenceMs)) {
    try {
      if (await deps.store.remove(silent.forgeInstallationId)) result.deleted++;
      deps.logger.info({ event: 'uninstalled', platform: 'bitbucket-forge', installationId: silent.installation.id, reason: 'missing_ticks' }, 'Bitbucket Forge installation silent past the grace period: deleted');
    } catch (error) {
      result.failed++;
      deps.logger.error({ err: error, installationId: silent.installation.id }, 'Bitbucket Forge missing-tick deletion failed');
    }
  }
  return result;
}

/** The check as the edge's periodic schedule (hourly). Always `done`: failures are retried next hour. */
export function missingTickSchedule(deps: MissingTickDeps): PeriodicSchedule {
  return {
    name: 'bitbucket-forge-missing-ticks',
    everyMs: TICK_INTERVAL_MS,
    task: async () => {
      await checkMissingTicks(deps);
      return DONE;
    },
  };
}
