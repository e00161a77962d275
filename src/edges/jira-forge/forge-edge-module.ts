import type { EdgeModule, PlatformEdge } from '../edge.js';
import { AppError } from '../../platform/app-error.js';
import { createForgeEdge } from './forge-edge.js';
import { createForgeJiraCredentials } from './forge-jira-credentials.js';
import { createForgeReportCredentials } from './forge-report-credentials.js';
import { FORGE_ROUTES } from './forge-routes.js';
import { createSqlForgeTokenStore, forgetForgeToken } from './forge-token-store.js';
import { FORGE_INSTALLATION_CATALOGUE, FORGE_INSTALLATION_MIGRATIONS } from './forge-installation-migrations.js';
import { createForgeInstallationStore, FORGE_PLATFORM } from './forge-installation-store.js';
import { createForgeUserImpersonation } from './forge-user-impersonation.js';


/**
 * The Forge Remote edge as the composition root lists it: on when `TALLY_FORGE_APP_ID` is set.
 * Its tenants are Forge installations; Jira is called through `api.atlassian.com` with the system
 * token each trigger delivers (sealed in the control database); `/api/*` calls from its Custom UI
 * arrive through `invokeRemote` with `Authorization: Bearer <invocation token>`.
 */
export const forgeEdgeModule: EdgeModule = {
  id: 'jira-forge',
  configKeys: ['TALLY_FORGE_APP_ID', 'TALLY_FORGE_JWKS_URL', 'TALLY_FORGE_UNINSTALL_GRACE_HOURS', 'TALLY_FORGE_API_HOSTS', 'TALLY_SECRET_KEY', 'TALLY_BASE_URL'],
  requires: { secretKey: true, publicBaseUrl: true },
  dataStatement: ['the installation id, the site\'s cloud id and API base URL, the time of the last scheduled tick, and the freshest app system token (sealed with AES-256-GCM under TALLY_SECRET_KEY); the uninstall purge deletes the token.'],
  isConfigured: (config) => config.forgeAppId !== undefined,
  controlMigrations: FORGE_INSTALLATION_MIGRATIONS,
  controlCatalogue: FORGE_INSTALLATION_CATALOGUE,
  forgetTenant: forgetForgeToken,
  create(host): PlatformEdge {
    const { config, registry, clock } = host;
    const forgeAppId = config.forgeAppId;
    if (!forgeAppId) throw new AppError('CONFIG_INVALID', 'TALLY_FORGE_APP_ID: required by the Forge edge (the app ARI `forge register` prints)', { expose: true });
    if (!host.secretBox) throw new AppError('CONFIG_INVALID', 'TALLY_SECRET_KEY: required by the Forge edge (it seals the system tokens Forge delivers)', { expose: true });
    const tokens = createSqlForgeTokenStore({ db: host.control.db, secretBox: host.secretBox, clock });
    const installations = createForgeInstallationStore({ db: host.control.db, registry, clock });
    const forge = createForgeEdge({
      config: { ...config, forgeAppId },
      registry,
      installations,
      tokens,
      audit: host.audit,
      events: host.events,
      queue: host.queue,
      clock,
      fetch: host.fetch,
      logger: host.logger,
      requestSync: host.requestSync,
    });
    return {
      id: 'jira-forge',
      summary: `Forge Remote for app ${forgeAppId} (lifecycle at ${FORGE_ROUTES.lifecycle})`,
      owns: (tenant) => tenant.platform === FORGE_PLATFORM,
      routes: forge.routes,
      api: {
        // Custom UI calls arrive through invokeRemote with the invocation token as a bearer.
        recognises: (c) => /^\s*Bearer\s/i.test(c.req.header('authorization') ?? ''),
        authenticate: forge.apiAuthentication,
      },
      // Log work from the Bitbucket panel: the system token exchanged for one acting as the person (offlineUserAuthToken).
      actAsUser: createForgeUserImpersonation({ installations, tokens, fetch: host.fetch, clock, logger: host.logger }).actAsUser,
      jiraCredentials: createForgeJiraCredentials({ installations, tokens, clock }),
      personalDataCredentials: createForgeReportCredentials({ registry, tokens, clock, apiUrl: config.gdprApiUrl }),
      schedules: [forge.uninstallCheck],
    };
  },
};
