import { mkdtempSync, rmSync } from 'node:fs';
import { findConnectTenantId } from '../src/edges/jira-connect/connect-installation-store.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load-config.js';
import { startServer, type RunningServer } from '../src/main.js';
import { findFreePort } from '../src/platform/free-port.js';
import type { TenantId } from '../src/tenants/tenant.js';
import type { RunningSimulator } from '../simulator/start-simulator.js';

/** Tally running in demo mode next to the simulator, installed on the simulated site. */
export interface DemoTally {
  server: RunningServer;
  clientKey: string;
  tenantId: TenantId;
  /** The throw-away data directory (control database and the tenant's database). */
  dataDir: string;
  close(): Promise<void>;
}

/**
 * Starts Tally in demo mode on loopback (a throw-away data directory, install keys served by the
 * simulator) and lets the simulated Jira install it through the real, signed Connect lifecycle.
 */
export async function startDemoTally(running: RunningSimulator, options: { pointsPerHour?: number; env?: Record<string, string> } = {}): Promise<DemoTally> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-demo-'));
  const port = await findFreePort();
  const config = loadConfig({
    TALLY_MODE: 'demo',
    PORT: String(port),
    TALLY_BASE_URL: `http://127.0.0.1:${port}`,
    TALLY_DATA_DIR: dataDir,
    TALLY_INSTALL_KEYS_URL: running.sim.connect.installKeysUrl,
    // Log work and the timer write as the viewer through Connect's ACT_AS_USER grant: the simulator's
    // copy of Atlassian's authorization server issues those tokens, so the demo stays offline.
    TALLY_ATLASSIAN_OAUTH_URL: running.sim.impersonation.authServerUrl,
    // Personal-data reports go to the simulator's copy of Atlassian's API: the demo is offline.
    TALLY_GDPR_API_URL: running.url,
    TALLY_ALLOWED_HOSTS: '127.0.0.1',
    TALLY_LOG_LEVEL: 'warn',
    ...(options.pointsPerHour ? { TALLY_JIRA_POINTS_PER_HOUR: String(options.pointsPerHour) } : {}),
    ...options.env,
  });
  const server = await startServer(config, { hostname: '127.0.0.1' });
  const result = await running.sim.connect.install(`${server.url}/atlassian-connect.json`);
  if (!result.ok) {
    await server.close();
    throw new Error(`the simulated site could not install Tally: ${result.status} ${result.reason}`);
  }
  const tenantId = await findConnectTenantId(server.tally.control.db, result.clientKey);
  return {
    server,
    clientKey: result.clientKey,
    tenantId: tenantId ?? ('t_unknown' as TenantId),
    dataDir,
    close: async () => {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
