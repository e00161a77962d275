import { Hono } from 'hono';
import type { EdgeModule, PlatformEdge } from '../edge.js';
import { AppError } from '../../platform/app-error.js';
import { createBitbucketInvocationTokenVerifier } from '../kit/bitbucket-invocation-token.js';
import type { BitbucketForgeEnv } from './bitbucket-forge-auth.js';
import { createBitbucketForgeInstallationStore, BITBUCKET_FORGE_EDGE_ID } from './bitbucket-forge-installation-store.js';
import { BITBUCKET_FORGE_CATALOGUE, BITBUCKET_FORGE_MIGRATIONS } from './bitbucket-forge-migrations.js';
import { BITBUCKET_FORGE_ROUTES, bitbucketForgeTriggerRoutes } from './bitbucket-forge-trigger-routes.js';
import { bitbucketForgeUiRoutes } from './bitbucket-forge-ui-routes.js';
import { missingTickSchedule } from './missing-tick-check.js';

/**
 * The Bitbucket Forge edge (issue 13) as the composition root lists it: on when
 * `TALLY_BITBUCKET_FORGE_APP_ID` is set. Its installations are Bitbucket workspaces, never Jira
 * tenants (`owns` is always false, no Jira credentials); Forge calls its routes with invocation
 * tokens, its Custom UI pages call `/bitbucket/forge/ui/<name>` through `invokeRemote`, and
 * Bitbucket is called with the system token each request delivers, which is never stored.
 */
export const bitbucketForgeEdgeModule: EdgeModule = {
  id: BITBUCKET_FORGE_EDGE_ID,
  configKeys: ['TALLY_BITBUCKET_FORGE_APP_ID', 'TALLY_BITBUCKET_FORGE_API_HOSTS', 'TALLY_FORGE_JWKS_URL', 'TALLY_FORGE_UNINSTALL_GRACE_HOURS'],
  // Nothing sealed (no token is kept) and no URL of its own to announce: the manifest names Tally's URL.
  requires: { secretKey: false, publicBaseUrl: false },
  dataStatement: [
    'the Forge installation id and the workspace\'s uuid, and when the last hourly tick arrived; the installing user and the Jira link are in the Bitbucket installation record. No token is stored: the app system token serves the request it came with. The pre-uninstall call, or TALLY_FORGE_UNINSTALL_GRACE_HOURS without a tick, deletes all of it.',
  ],
  isConfigured: (config) => config.bitbucketForgeAppId !== undefined,
  controlMigrations: BITBUCKET_FORGE_MIGRATIONS,
  controlCatalogue: BITBUCKET_FORGE_CATALOGUE,
  create(host): PlatformEdge {
    const { config, clock, logger } = host;
    const appId = config.bitbucketForgeAppId;
    if (!appId) throw new AppError('CONFIG_INVALID', 'TALLY_BITBUCKET_FORGE_APP_ID: required by the Bitbucket Forge edge (the app ARI `forge register` prints)', { expose: true });
    const verifier = createBitbucketInvocationTokenVerifier({ appId, jwksUrl: config.forgeJwksUrl, allowedApiHosts: config.bitbucketForgeApiHosts, fetch: host.fetch, clock, logger });
    const store = createBitbucketForgeInstallationStore({ db: host.control.db, installations: host.bitbucket.installations, clock });
    const routes = new Hono<BitbucketForgeEnv>();
    routes.route('/', bitbucketForgeTriggerRoutes({ verifier, store, bitbucket: host.bitbucket, clock, logger }));
    routes.route('/', bitbucketForgeUiRoutes({ verifier, store, bitbucket: host.bitbucket, registry: host.registry, logger }));
    return {
      id: BITBUCKET_FORGE_EDGE_ID,
      summary: `Bitbucket Forge Remote for app ${appId} (lifecycle at ${BITBUCKET_FORGE_ROUTES.lifecycle})`,
      // A workspace is linked to a Jira tenant, never one itself.
      owns: () => false,
      routes,
      schedules: [missingTickSchedule({ store, clock, logger, graceMs: config.forgeUninstallGraceHours * 3_600_000 })],
    };
  },
};
