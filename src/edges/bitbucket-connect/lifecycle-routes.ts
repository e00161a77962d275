import { Hono, type Context } from 'hono';
import type { Kysely } from 'kysely';
import type { BitbucketInstallationId, BitbucketInstallations } from '../../bitbucket/bitbucket-installations.js';
import type { TallyEnv } from '../../http/tally-env.js';
import { readJson } from '../../http/read-json.js';
import { AppError, isAppError } from '../../platform/app-error.js';
import type { Logger } from '../../platform/logger.js';
import { extractToken } from '../kit/atlassian-jwt.js';
import type { ConnectInstallationRows } from './connect-installation-rows.js';
import { BITBUCKET_CONNECT_ROUTES } from './descriptor.js';
import { parseBitbucketLifecyclePayload, type BitbucketLifecyclePayload } from './lifecycle-payload.js';
import { pathAndQueryOf, verifyBitbucketRequest, type RequestTokenDeps } from './request-token.js';

/** What the lifecycle routes need. */
export interface LifecycleDeps {
  db: Kysely<any>;
  rows: ConnectInstallationRows;
  installations: BitbucketInstallations;
  tokens: RequestTokenDeps;
  appKey: string;
  /** Bitbucket's own base URLs (TALLY_BITBUCKET_BASE_URLS): the only ones an install may name. */
  bitbucketBaseUrls: readonly string[];
  /** Queues the one confirming call for an installation (after the answer: Bitbucket may not know the secret before it). */
  requestConfirmation(installationId: BitbucketInstallationId): void;
  /** Drops the installation's confirmation job and what the job queue keeps of it (on uninstall). */
  forgetConfirmation?(installationId: BitbucketInstallationId): Promise<void>;
  logger: Logger;
}

const withoutSlash = (url: string) => url.replace(/\/+$/, '');

function refused(reason: string, cause?: unknown): AppError {
  return new AppError('BITBUCKET_INSTALL_REFUSED', `Bitbucket lifecycle call refused: ${reason}`, cause === undefined ? {} : { cause });
}

/**
 * The Bitbucket Connect lifecycle (bitbucket-cloud.md §1.3). Every check runs before any write,
 * so a refused call changes nothing:
 * - `installed` of an unknown clientKey, or of one whose installation is still pending, is
 *   accepted unsigned (Bitbucket signs a first install with nothing, and a first install after an
 *   uninstall with a secret Tally no longer has), but only from Bitbucket's base URLs; it stays
 *   pending until one call to Bitbucket with the received secret succeeds (confirm-installation.ts);
 * - `installed` of an ACTIVE installation must be HS256-signed with the stored secret (`iss` =
 *   clientKey, qsh, exp); the secret is then replaced and the installation stays active;
 * - `uninstalled` must be signed with the stored secret, and deletes the installation at once.
 */
export function bitbucketLifecycleRoutes(deps: LifecycleDeps): Hono<TallyEnv> {
  const routes = new Hono<TallyEnv>();

  const checkOrigin = (payload: BitbucketLifecyclePayload) => {
    if (payload.productType !== 'bitbucket') throw refused('the payload is not Bitbucket\'s');
    if (payload.key !== deps.appKey) throw refused('the payload is for another app key');
    const allowed = deps.bitbucketBaseUrls.map(withoutSlash);
    if (!allowed.includes(withoutSlash(payload.baseUrl)) || !allowed.includes(withoutSlash(payload.baseApiUrl))) {
      throw refused('the base URL is not Bitbucket\'s');
    }
  };

  /** The request's JWT verified with the stored secret of `clientKey`; BITBUCKET_INSTALL_REFUSED otherwise. */
  const verifySigned = async (c: Context<TallyEnv>, clientKey: string) => {
    try {
      const token = extractToken({ header: (name) => c.req.header(name), query: () => undefined }, false);
      await verifyBitbucketRequest(deps.tokens, { token, method: c.req.method, pathAndQuery: pathAndQueryOf(c.req.url) }, clientKey);
    } catch (error) {
      if (isAppError(error, 'AUTH_INVALID') || isAppError(error, 'AUTH_MISSING')) throw refused(`not signed with the stored secret (${error.message})`);
      throw error;
    }
  };

  routes.post(BITBUCKET_CONNECT_ROUTES.installed, async (c) => {
    const payload = parseBitbucketLifecyclePayload(await readJson(c), 'installed');
    checkOrigin(payload);
    const { sharedSecret, installer } = payload;
    if (sharedSecret === undefined) throw new AppError('REQUEST_INVALID', 'Invalid lifecycle payload: sharedSecret');
    if (installer === undefined) throw new AppError('REQUEST_INVALID', 'Invalid lifecycle payload: user');
    const baseApiUrl = withoutSlash(payload.baseApiUrl);
    const known = await deps.rows.findByClientKey(deps.db, payload.clientKey);
    const knownInstallation = known && (await deps.installations.find(known.installationId));
    if (known && knownInstallation?.state === 'active') await verifySigned(c, payload.clientKey);

    // A re-install of an active installation came signed with the stored secret: Bitbucket itself
    // hands over the new one, so it stays active. Making it pending again would open a window in
    // which an unsigned install (accepted for pending ones) could replace the secret and get the
    // confirmed, linked installation deleted by the failing confirmation.
    const signedReinstall = known !== undefined && knownInstallation?.state === 'active';
    const installationId = await deps.installations.transaction(async (tx) => {
      if (known) {
        await deps.rows.replaceSecret(tx.db, known.installationId, { sharedSecret, baseApiUrl });
        await tx.update(known.installationId, { state: signedReinstall ? 'active' : 'pending', installer });
        return known.installationId;
      }
      const created = await tx.create({ edge: 'bitbucket-connect', state: 'pending', installer });
      await deps.rows.insert(tx.db, { installationId: created.id, clientKey: payload.clientKey, sharedSecret, baseApiUrl });
      return created.id;
    });
    if (signedReinstall) {
      deps.logger.info({ event: 'bitbucket_reinstalled', installationId }, 'Bitbucket installation re-installed with a signed call');
    } else {
      deps.logger.info({ event: 'bitbucket_install_received', installationId, reinstall: known !== undefined }, 'Bitbucket installation pending confirmation');
      deps.requestConfirmation(installationId);
    }
    return c.body(null, 204);
  });

  routes.post(BITBUCKET_CONNECT_ROUTES.uninstalled, async (c) => {
    const payload = parseBitbucketLifecyclePayload(await readJson(c), 'uninstalled');
    if (payload.productType !== 'bitbucket') throw refused('the payload is not Bitbucket\'s');
    // An unknown clientKey is refused like a bad signature: nothing can be verified for it.
    await verifySigned(c, payload.clientKey);
    const known = await deps.rows.findByClientKey(deps.db, payload.clientKey);
    if (known) {
      await deps.installations.remove(known.installationId);
      await deps.forgetConfirmation?.(known.installationId);
    }
    deps.logger.info({ event: 'bitbucket_uninstalled', installationId: known?.installationId }, 'Bitbucket installation removed');
    return c.body(null, 204);
  });

  return routes;
}
