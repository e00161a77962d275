import { AppError } from '../../platform/app-error.js';
import type { EdgeModule } from '../edge.js';
import { accessLinkCommand, SITE_ACCESS_CATALOGUE, SITE_ACCESS_MIGRATIONS } from './site-access.js';
import { createSiteEdge } from './site-edge.js';
import { SITE_INSTALLATION_CATALOGUE, SITE_INSTALLATION_MIGRATIONS } from './site-installation-migrations.js';

/**
 * The self-hosted site edge as the composition root lists it: on when `TALLY_JIRA_SITE` is set
 * (docs/self-hosted.md). One team's own Jira Cloud site, reached with the API token in the
 * environment; needs neither `TALLY_SECRET_KEY` (it keeps no secret) nor a public URL (it polls;
 * an admin webhook is optional). Its page is signed into with `tally access-link`.
 */
export const siteEdgeModule: EdgeModule = {
  id: 'jira-site',
  configKeys: ['TALLY_JIRA_SITE', 'TALLY_JIRA_EMAIL', 'TALLY_JIRA_API_TOKEN', 'TALLY_JIRA_TOKEN_KIND', 'TALLY_JIRA_WEBHOOK_SECRET', 'TALLY_JIRA_API_GATEWAY_URL', 'TALLY_BASE_URL'],
  requires: { secretKey: false, publicBaseUrl: false },
  isConfigured: (config) => config.jiraSite !== undefined,
  controlMigrations: { ...SITE_INSTALLATION_MIGRATIONS, ...SITE_ACCESS_MIGRATIONS },
  controlCatalogue: { ...SITE_INSTALLATION_CATALOGUE, ...SITE_ACCESS_CATALOGUE },
  dataStatement: [
    'the API token (TALLY_JIRA_API_TOKEN) is read from the environment at each start and is never stored or logged; the edge keeps the site\'s cloud id, URL and the API base the token works on, when Jira last accepted the token and whether it refused it since — no e-mail, no account id — as long as the site\'s account record.',
  ],
  cliCommands: [accessLinkCommand],
  create(host) {
    const site = host.config.jiraSite;
    if (!site) throw new AppError('CONFIG_INVALID', 'TALLY_JIRA_SITE, TALLY_JIRA_EMAIL and TALLY_JIRA_API_TOKEN: required by the jira-site edge', { expose: true });
    return createSiteEdge(host, site);
  },
};
