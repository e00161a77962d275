import type { Kysely } from 'kysely';
import type { BitbucketInstallationId, BitbucketInstallations } from '../../bitbucket/bitbucket-installations.js';
import { isAppError } from '../../platform/app-error.js';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import type { BitbucketHost } from '../edge.js';
import type { ConnectInstallationRows } from './connect-installation-rows.js';
import { connectAuthorizer } from './outbound-authorizer.js';

/**
 * How one confirmation went: `active` (Bitbucket accepted the secret), `removed` (Bitbucket
 * refused it: the install did not come from Bitbucket, or not with this secret), `pending`
 * (Bitbucket was unreachable or failing: tried again later), `gone` (nothing to confirm).
 */
export type ConfirmationOutcome = 'active' | 'removed' | 'pending' | 'gone';

/** What confirming needs. */
export interface ConfirmDeps {
  db: Kysely<any>;
  rows: Pick<ConnectInstallationRows, 'findByInstallationId'>;
  installations: Pick<BitbucketInstallations, 'find' | 'transaction'>;
  apiFor: BitbucketHost['apiFor'];
  appKey: string;
  clock: Clock;
  logger: Logger;
}

/**
 * Bitbucket's answer meant "these credentials are not mine" (a 401): the client reports it as a
 * non-retryable BITBUCKET_UNAVAILABLE (bitbucket-client.ts `errorFor`), whereas network failures,
 * timeouts, 429 and 5xx are retryable. Any other non-retryable answer (an unreadable body) is
 * treated the same way: the installation was never usable, and Bitbucket can install again.
 */
function isRefusedByBitbucket(error: unknown): boolean {
  return isAppError(error, 'BITBUCKET_UNAVAILABLE') && !error.retryable;
}

/**
 * Confirms a pending Connect installation with ONE call, `GET /2.0/user`, signed with the secret
 * it stored (bitbucket-cloud.md §1.3: the first install is unsigned, so only Bitbucket accepting
 * the secret proves the install was Bitbucket's). The outcome is written only if the stored
 * secret is still the one that was tried (a re-install meanwhile queues its own confirmation).
 * Idempotent; never throws for Bitbucket's failures (they are the `pending` outcome).
 */
export async function confirmInstallation(deps: ConfirmDeps, installationId: BitbucketInstallationId): Promise<ConfirmationOutcome> {
  const installation = await deps.installations.find(installationId);
  const row = await deps.rows.findByInstallationId(deps.db, installationId);
  if (!installation || !row) return 'gone';
  if (installation.state === 'active') return 'active';
  const authorize = connectAuthorizer({ appKey: deps.appKey, clientKey: row.clientKey, sharedSecret: row.sharedSecret, baseApiUrl: row.baseApiUrl, clock: deps.clock });
  let refused = false;
  try {
    await deps.apiFor(row.baseApiUrl, authorize).getCurrentUser();
  } catch (error) {
    if (!isRefusedByBitbucket(error)) {
      deps.logger.warn({ event: 'bitbucket_confirm_failed', installationId, code: isAppError(error) ? error.code : 'unknown' }, 'Bitbucket installation not confirmed yet');
      return 'pending';
    }
    refused = true;
  }
  return deps.installations.transaction(async (tx) => {
    const current = await deps.rows.findByInstallationId(tx.db, installationId);
    if (!current || current.sharedSecret !== row.sharedSecret) return 'gone';
    if (refused) {
      await tx.remove(installationId);
      deps.logger.warn({ event: 'bitbucket_install_refused', installationId, reason: 'Bitbucket refused the received secret' }, 'pending Bitbucket installation removed');
      return 'removed';
    }
    await tx.update(installationId, { state: 'active' });
    deps.logger.info({ event: 'bitbucket_installed', installationId }, 'Bitbucket installation confirmed');
    return 'active';
  });
}
