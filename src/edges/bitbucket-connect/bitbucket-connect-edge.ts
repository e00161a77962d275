import { Hono } from 'hono';
import type { Kysely } from 'kysely';
import type { BitbucketInstallationId } from '../../bitbucket/bitbucket-installations.js';
import { DONE, type Task } from '../../jobs/task.js';
import { AppError } from '../../platform/app-error.js';
import { demoSecretKey, type SecretBox } from '../../tenants/secret-box.js';
import type { EdgeHost, EdgeModule, PlatformEdge } from '../edge.js';
import { confirmInstallation, type ConfirmDeps } from './confirm-installation.js';
import { createConnectInstallationRows } from './connect-installation-rows.js';
import { BITBUCKET_CONNECT_ROUTES, buildBitbucketDescriptor } from './descriptor.js';
import { BITBUCKET_CONNECT_CATALOGUE, BITBUCKET_CONNECT_MIGRATIONS, BITBUCKET_CONNECT_TABLE } from './installation-migrations.js';
import { bitbucketLifecycleRoutes } from './lifecycle-routes.js';
import { bitbucketPageRoutes } from './page-routes.js';
import type { RequestTokenDeps } from './request-token.js';
import { createSessionTokens } from './session-token.js';

/** The job that makes the one confirming call of a pending installation. */
export const CONFIRM_JOB = 'bitbucket-connect.confirm';
/** How often pending installations whose confirmation failed (Bitbucket down) are tried again. */
const RETRY_PENDING_EVERY_MS = 10 * 60_000;

/**
 * The Bitbucket Connect edge (issue 13): the descriptor at `/bitbucket/atlassian-connect.json`,
 * the lifecycle (unsigned first install accepted only from Bitbucket's base URLs and confirmed by
 * one call with the received secret; later calls signed with the stored secret), and three
 * server-rendered iframe pages. It delivers no Jira tenant: a workspace is linked to one.
 */
export function createBitbucketConnectEdge(host: EdgeHost & { secretBox: SecretBox; secretKey: Buffer }): PlatformEdge {
  const { config, clock, logger } = host;
  // The edge's own table is not in the core's ControlSchema type.
  const db = host.control.db as Kysely<any>;
  const rows = createConnectInstallationRows(host.secretBox);
  const installations = host.bitbucket.installations;
  const tokens: RequestTokenDeps = { db, rows, clock, baseUrlPath: new URL(config.baseUrl).pathname.replace(/\/+$/, '') };
  const confirmDeps: ConfirmDeps = { db, rows, installations, apiFor: host.bitbucket.apiFor, appKey: config.bitbucketAppKey, clock, logger };

  host.queue.register<{ installationId: BitbucketInstallationId }>(CONFIRM_JOB, async ({ installationId }) => {
    await confirmInstallation(confirmDeps, installationId);
  });
  const confirmationKey = (installationId: BitbucketInstallationId) => `bitbucket-connect:${installationId}`;
  const requestConfirmation = (installationId: BitbucketInstallationId) =>
    host.queue.enqueue({ kind: CONFIRM_JOB, key: confirmationKey(installationId), priority: 0, payload: { installationId }, dedupe: installationId });
  // The key and payload name the installation: a queue that stores jobs (pg-boss) forgets them on uninstall.
  const forgetConfirmation = async (installationId: BitbucketInstallationId) => {
    host.queue.cancel(confirmationKey(installationId));
    await host.queue.forgetKey?.(confirmationKey(installationId));
  };

  // Restart-safe retry: every installation of this edge still pending is tried again.
  const retryPending: Task<void> = async () => {
    const ids = await db.selectFrom(BITBUCKET_CONNECT_TABLE).select('installation_id').execute();
    for (const { installation_id: id } of ids) {
      if ((await installations.find(id as BitbucketInstallationId))?.state === 'pending') await confirmInstallation(confirmDeps, id as BitbucketInstallationId);
    }
    return DONE;
  };

  const routes = new Hono();
  routes.get(BITBUCKET_CONNECT_ROUTES.descriptor, (c) => c.json(buildBitbucketDescriptor(config)));
  routes.route('/', bitbucketLifecycleRoutes({ db, rows, installations, tokens, appKey: config.bitbucketAppKey, bitbucketBaseUrls: config.bitbucketBaseUrls, requestConfirmation, forgetConfirmation, logger }));
  routes.route('/', bitbucketPageRoutes({
    db,
    rows,
    installations,
    time: host.bitbucket.time,
    worklogs: host.bitbucket.worklogs,
    apiFor: host.bitbucket.apiFor,
    registry: host.registry,
    tokens,
    sessions: createSessionTokens(host.secretKey),
    appKey: config.bitbucketAppKey,
    clock,
    requestConfirmation,
    logger,
  }));

  return {
    id: 'bitbucket-connect',
    summary: `Bitbucket Connect app descriptor at ${config.baseUrl.replace(/\/+$/, '')}${BITBUCKET_CONNECT_ROUTES.descriptor}`,
    // A Bitbucket workspace is never a Tally tenant.
    owns: () => false,
    routes,
    // Bitbucket shows the panel, repository page and configure page in iframes from its own origin.
    frameAncestors: [...new Set(config.bitbucketBaseUrls.map((url) => new URL(url).origin))],
    schedules: [{ name: 'bitbucket-connect-confirm-pending', everyMs: RETRY_PENDING_EVERY_MS, firstRunAfterMs: RETRY_PENDING_EVERY_MS, task: retryPending }],
  };
}

/** The Bitbucket Connect edge as the composition root lists it: on with the Jira Connect edge's conditions. */
export const bitbucketConnectEdgeModule: EdgeModule = {
  id: 'bitbucket-connect',
  configKeys: ['TALLY_BASE_URL', 'TALLY_SECRET_KEY', 'TALLY_BITBUCKET_APP_KEY', 'TALLY_BITBUCKET_BASE_URLS'],
  requires: { secretKey: true, publicBaseUrl: true },
  isConfigured: (config) => config.baseUrlConfigured && (config.secretKey !== undefined || config.mode === 'demo'),
  controlMigrations: BITBUCKET_CONNECT_MIGRATIONS,
  controlCatalogue: BITBUCKET_CONNECT_CATALOGUE,
  dataStatement: [
    'for each Bitbucket Connect installation, its client key, the shared secret Bitbucket sends on install (sealed with AES-256-GCM under TALLY_SECRET_KEY) and Bitbucket\'s API base URL; the installing user\'s UUID, username and avatar URL are kept in `bitbucket_installations`, and no e-mail address or phone number a payload carries is kept or logged.',
    'an `uninstalled` call signed by Bitbucket deletes the installation\'s records at once; an install whose secret Bitbucket refuses is deleted at once too.',
  ],
  create(host) {
    const { secretBox } = host;
    // Demo mode has no TALLY_SECRET_KEY: the same generated key the secret box uses (read again, not made anew).
    const secretKey = host.config.secretKey ?? (host.config.mode === 'demo' ? demoSecretKey(host.config.dataDir) : undefined);
    if (!secretBox || !secretKey) {
      throw new AppError('CONFIG_INVALID', 'TALLY_SECRET_KEY: required by the Bitbucket Connect edge (it seals each installation\'s shared secret)', { expose: true });
    }
    return createBitbucketConnectEdge({ ...host, secretBox, secretKey });
  },
};
