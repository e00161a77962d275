import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import type { EdgeTenantStatus } from '../edge.js';

/** What the page, `/readyz` and `tally tenants list` say while the token is refused. */
export const TOKEN_REJECTED_MESSAGE =
  'Jira rejected the API token (revoked, expired, or its account was deactivated); the sync is paused and nothing is lost: restart Tally with a new TALLY_JIRA_API_TOKEN to resume where it stopped.';

/** The paused status of a site whose token Jira refuses. */
export const TOKEN_REJECTED_STATUS: EdgeTenantStatus = Object.freeze({ state: 'paused', reason: 'token_rejected', message: TOKEN_REJECTED_MESSAGE });

/** What {@link createTokenWatch} needs. */
export interface TokenWatchDeps {
  /** Asks Jira whether it still takes the token (a cheap authenticated call); throws when Jira cannot say. */
  isTokenAccepted(): Promise<boolean>;
  /** Records the pause where other processes see it; a failure is logged, the pause stands. */
  onPaused(atMs: number): Promise<void>;
  clock: Clock;
  logger: Logger;
  /** After Jira confirmed the token, further refusals within this time are not re-checked. */
  recheckAfterMs?: number;
}

/** Watches one site's API token while Tally runs; see {@link createTokenWatch}. */
export interface TokenWatch {
  /** True once Jira refused the token: nothing calls Jira with it until a restart. */
  isPaused(): boolean;
  /** The Jira client's `onRejected`: a 401 starts a check of the token (a 403 is a permission, not the token). */
  noteRejected(rejection: { status: 401 | 403; endpoint: string }): void;
  /** Resolves when no check is running (tests, shutdown). */
  settled(): Promise<void>;
}

/**
 * Turns Jira's refusals into a pause, without a retry storm (self-hosted-site.md §1.5: "on 401 stop
 * the sync loop for that site, keep all cursors, surface credential invalid/expired"). A 401 on
 * one call is not proof: a scoped token is refused operations outside its scopes with 401 too. So
 * a 401 starts one check of the token itself (at most one at a time, and none within
 * `recheckAfterMs` of a check that found it good); only a refusal there pauses. A pause lasts
 * for the life of the process: the token comes from the environment, so a new one needs a
 * restart, whose start-up check clears it.
 */
export function createTokenWatch(deps: TokenWatchDeps): TokenWatch {
  const recheckAfterMs = deps.recheckAfterMs ?? 60_000;
  let paused = false;
  let acceptedAtMs: number | undefined;
  let checking: Promise<void> | undefined;

  async function check(endpoint: string): Promise<void> {
    let accepted: boolean;
    try {
      accepted = await deps.isTokenAccepted();
    } catch (error) {
      deps.logger.warn({ err: error, endpoint }, 'could not check the site API token after a 401; the next 401 checks again');
      return;
    }
    const nowMs = deps.clock.nowMs();
    if (accepted) {
      acceptedAtMs = nowMs;
      return;
    }
    paused = true;
    deps.logger.error({ endpoint, reason: 'token_rejected' }, 'Jira rejected the site API token; the sync is paused until Tally restarts with a new TALLY_JIRA_API_TOKEN');
    await deps.onPaused(nowMs).catch((error: unknown) => deps.logger.warn({ err: error }, 'could not record the token pause in the control database'));
  }

  return {
    isPaused: () => paused,
    noteRejected({ status, endpoint }) {
      if (status !== 401 || paused || checking) return;
      if (acceptedAtMs !== undefined && deps.clock.nowMs() - acceptedAtMs < recheckAfterMs) return;
      checking = check(endpoint).finally(() => {
        checking = undefined;
      });
    },
    settled: async () => {
      await checking;
    },
  };
}
