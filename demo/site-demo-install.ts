import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load-config.js';
import { startServer } from '../src/main.js';
import { runCli } from '../src/cli/run-cli.js';
import { tallyOwnedData } from '../src/compose/owned-data.js';
import { ALL_EDGE_MODULES } from '../src/edges/all-edges.js';
import { findFreePort } from '../src/platform/free-port.js';
import type { TenantId } from '../src/tenants/tenant.js';
import type { RunningSimulator } from '../simulator/start-simulator.js';
import type { DemoTally } from './demo-install.js';

/** Tally running for "your own site" (the simulator), the way a team runs it with an API token. */
export interface SiteDemoTally extends DemoTally {
  /** The sign-in link `npx tally access-link` printed. */
  accessLink: string;
  /** The environment the demo started Tally with (the token shown masked). */
  env: Record<string, string>;
}

/**
 * Starts Tally with the site edge only, as README's "Run it for your own Jira site" does:
 * a classic API token of the site admin (created on the simulated site, as a person would at
 * id.atlassian.com), an admin webhook with a secret pointed at Tally (as a Jira admin would in
 * Jira's settings), then `tally access-link` for the page.
 */
export async function startSiteDemoTally(running: RunningSimulator, options: { pointsPerHour?: number } = {}): Promise<SiteDemoTally> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-site-demo-'));
  const port = await findFreePort();
  const admin = running.sim.generated?.admin;
  if (!admin?.emailAddress) throw new Error('the simulated site has no admin to create an API token for');
  const apiToken = running.sim.site.createApiToken({ accountId: admin.accountId, kind: 'classic' });
  const webhookSecret = randomBytes(24).toString('base64url');
  const env = {
    PORT: String(port),
    TALLY_DATA_DIR: dataDir,
    TALLY_JIRA_SITE: running.url,
    TALLY_JIRA_EMAIL: admin.emailAddress,
    TALLY_JIRA_API_TOKEN: apiToken,
    // The simulator is also "api.atlassian.com" (only scoped tokens go there).
    TALLY_JIRA_API_GATEWAY_URL: running.url,
    TALLY_JIRA_WEBHOOK_SECRET: webhookSecret,
    TALLY_EDGES: 'jira-site',
    TALLY_LOG_LEVEL: 'warn',
    ...(options.pointsPerHour ? { TALLY_JIRA_POINTS_PER_HOUR: String(options.pointsPerHour) } : {}),
  };
  const config = loadConfig(env);
  const server = await startServer(config, { hostname: '127.0.0.1' });
  running.sim.adminWebhooks.register({ url: `${server.url}/site/webhooks/worklog`, events: ['worklog_created', 'worklog_updated', 'worklog_deleted'], secret: webhookSecret, name: 'Tally' });
  const [tenant] = await server.registry.listInstalled();
  let printed = '';
  const io = { stdout: { write: (text: string) => (printed += text) }, stderr: { write: (text: string) => (printed += text) } };
  const code = await runCli(['access-link'], config, server.runtime, io, { ownedData: tallyOwnedData(ALL_EDGE_MODULES), edgeCommands: ALL_EDGE_MODULES.flatMap((module) => module.cliCommands ?? []) });
  const accessLink = /(https?:\/\/\S+\/site\/access\?key=\S+)/.exec(printed)?.[1];
  if (code !== 0 || !accessLink) {
    await server.close();
    throw new Error(`tally access-link failed: ${printed.trim()}`);
  }
  return {
    server,
    clientKey: running.sim.cloudId,
    tenantId: tenant?.id ?? ('t_unknown' as TenantId),
    dataDir,
    accessLink: accessLink.replace(`http://localhost:${port}`, server.url),
    env: { ...env, TALLY_JIRA_API_TOKEN: `${apiToken.slice(0, 4)}…`, TALLY_JIRA_WEBHOOK_SECRET: '…' },
    close: async () => {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
