import { Hono } from 'hono';
import type { EdgeHost, EdgeModule, PlatformEdge } from '../edge.js';
import type { TallyEnv } from '../../http/tally-env.js';
import { AppError } from '../../platform/app-error.js';
import type { SecretBox } from '../../tenants/secret-box.js';
import { connectAuth, type ConnectAuthDeps } from './connect-auth.js';
import { CONNECT_INSTALLATION_CATALOGUE, CONNECT_INSTALLATION_MIGRATIONS } from './connect-installation-migrations.js';
import { CONNECT_PLATFORM, createConnectInstallationStore, findConnectTenantId, forgetConnectSecret } from './connect-installation-store.js';
import { createConnectJiraCredentials } from './connect-jira-credentials.js';
import { createConnectUserTokens, unavailableWithoutClientId } from './connect-user-tokens.js';
import { createConnectReportCredentials } from './connect-report-credentials.js';
import { buildJiraDescriptor, CONNECT_ROUTES } from './descriptor.js';
import { createInstallKeyProvider } from './install-keys.js';
import { lifecycleRoutes } from './lifecycle-routes.js';
import { pageRoutes } from './page-routes.js';
import { webhookRoutes } from './webhook-routes.js';
import { DEFAULT_FRAME_ANCESTORS } from '../../http/security-headers.js';


/** Clock skew tolerated on every Connect token Tally verifies. */
const LEEWAY_SECONDS = 30;

/**
 * The Jira Connect edge: the app descriptor, the signed lifecycle, webhooks, the iframe pages, and
 * `/api/*` for its page (`Authorization: JWT <context or session token>`). Tenants are Connect
 * installations (client key and sealed shared secret); Jira is called with an HS256 JWT per request.
 */
export function createConnectEdge(host: EdgeHost & { secretBox: SecretBox }): PlatformEdge {
  const { config, registry, clock } = host;
  const installations = createConnectInstallationStore({ db: host.control.db, registry, secretBox: host.secretBox });
  const installKeys = createInstallKeyProvider({ baseUrl: config.installKeysUrl, fetch: host.fetch, clock });
  const auth: ConnectAuthDeps = { installations, installKeys, clock, baseUrl: config.baseUrl, leewaySeconds: LEEWAY_SECONDS };
  // Writes (log work, the timer) go as the viewer by user impersonation; the token exchange waits for the first write.
  const userTokens = createConnectUserTokens({ installations, oauthUrl: config.atlassianOauthUrl, fetch: host.fetch, clock });

  const routes = new Hono<TallyEnv>();
  routes.get(CONNECT_ROUTES.descriptor, (c) => c.json(buildJiraDescriptor(config)));
  routes.route('/', lifecycleRoutes({ auth, config, registry, installations, events: host.events, audit: host.audit, logger: host.logger }));
  routes.route('/', webhookRoutes({ auth, events: host.events, logger: host.logger }));
  routes.route('/', pageRoutes(auth));

  return {
    id: 'jira-connect',
    summary: `Connect app descriptor at ${config.baseUrl}${CONNECT_ROUTES.descriptor}`,
    owns: (tenant) => tenant.platform === CONNECT_PLATFORM,
    routes,
    // Jira Cloud shows Connect pages in iframes from the site's own host.
    frameAncestors: DEFAULT_FRAME_ANCESTORS,
    api: {
      // Connect pages send `Authorization: JWT <token>` (AP.context.getToken() or a session token).
      recognises: (c) => /^\s*JWT\s/i.test(c.req.header('authorization') ?? ''),
      authenticate: connectAuth(auth, {
        tokenClass: 'context',
        issueSessionToken: true,
        writeAccess: (credentials, accountId) => {
          if (accountId === undefined) return { access: undefined, reason: 'Sign in to Jira to log work.' };
          if (!credentials.oauthClientId) return { access: undefined, reason: unavailableWithoutClientId };
          return { access: userTokens.accessFor(credentials.tenant.id, credentials.tenant.baseUrl, accountId), reason: undefined };
        },
      }),
    },
    // The same user impersonation, for a write in a person's name from outside Jira (the Bitbucket panel).
    async actAsUser(tenantId, accountId) {
      const credentials = await installations.findCredentials(tenantId);
      if (!credentials || credentials.tenant.state !== 'installed') return undefined;
      if (!credentials.oauthClientId) throw new AppError('LOG_WORK_UNAVAILABLE', unavailableWithoutClientId);
      return userTokens.accessFor(tenantId, credentials.tenant.baseUrl, accountId);
    },
    jiraCredentials: createConnectJiraCredentials({ installations, appKey: config.appKey, clock }),
    personalDataCredentials: createConnectReportCredentials({ installations, appKey: config.appKey, clock, apiUrl: config.gdprApiUrl }),
  };
}

/** The Connect edge as the composition root lists it: on with a public base URL (and a secret key outside demo mode). */
export const connectEdgeModule: EdgeModule = {
  id: 'jira-connect',
  configKeys: ['TALLY_BASE_URL', 'TALLY_SECRET_KEY', 'TALLY_APP_KEY', 'TALLY_APP_NAME', 'TALLY_INSTALL_KEYS_URL', 'TALLY_ALLOWED_HOSTS', 'TALLY_ATLASSIAN_OAUTH_URL'],
  requires: { secretKey: true, publicBaseUrl: true },
  dataStatement: [
    'the client key and the shared secret Jira sends on install (sealed with AES-256-GCM under TALLY_SECRET_KEY); the uninstall purge wipes the secret.',
    "the OAuth client id Jira sends on install (not a secret); the tokens that act as a person logging work are held in memory only, until they expire.",
  ],
  isConfigured: (config) => config.baseUrlConfigured && (config.secretKey !== undefined || config.mode === 'demo'),
  controlMigrations: CONNECT_INSTALLATION_MIGRATIONS,
  controlCatalogue: CONNECT_INSTALLATION_CATALOGUE,
  forgetTenant: forgetConnectSecret,
  findTenantIdByKey: (db, key) => findConnectTenantId(db, key),
  create(host) {
    const { secretBox } = host;
    if (!secretBox) throw new AppError('CONFIG_INVALID', 'TALLY_SECRET_KEY: required by the Connect edge (it seals each installation\'s shared secret)', { expose: true });
    return createConnectEdge({ ...host, secretBox });
  },
};
