/**
 * The self-hosted site for the browser tests: the real composed Tally with only the site edge on,
 * over loopback HTTP, reading an in-process simulated site with its admin's API token, and the
 * sign-in link `tally access-link` prints for it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimulator, type Simulator } from '../../simulator/create-simulator.js';
import { tallyOwnedData } from '../../src/compose/owned-data.js';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import { ALL_EDGE_MODULES } from '../../src/edges/all-edges.js';
import { accessLinkCommand } from '../../src/edges/jira-site/site-access.js';
import { machineRuntime, startServer, type RunningServer } from '../../src/main.js';
import { systemClock } from '../../src/platform/clock.js';
import { findFreePort } from '../../src/platform/free-port.js';
import { openControlDb } from '../../src/tenants/control-db.js';

/** A running self-hosted Tally, its simulated site and a sign-in link. */
export interface SelfHostedSite {
  sim: Simulator;
  tally: RunningServer;
  config: Config;
  /** The first access link, minted while the server runs. */
  link: string;
  /** Stops Tally and removes its data directory. */
  close(): Promise<void>;
}

/** Runs `tally access-link` against the server's control database (while it runs) and returns the link. */
export async function mintAccessLink(config: Config): Promise<string> {
  let out = '';
  const io = { stdout: { write: (text: string) => (out += text) }, stderr: { write: () => true } };
  const openControl = () => openControlDb({ dataDir: config.dataDir, ownedMigrations: tallyOwnedData(ALL_EDGE_MODULES).migrations });
  const code = await accessLinkCommand.run([], { config, clock: systemClock, io, openControl });
  if (code !== 0) throw new Error(`tally access-link exited ${code}`);
  return out.split('\n')[0] ?? '';
}

/** Generates a site of `worklogs` worklogs (`seed`), starts Tally on it and mints a link. */
export async function startSelfHostedSite(options: { worklogs: number; seed: number }): Promise<SelfHostedSite> {
  const sim = createSimulator({ clock: 'real', generate: { worklogs: options.worklogs, seed: options.seed } });
  const generated = sim.generated;
  if (!generated) throw new Error('the simulator generated no site');
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-site-browser-'));
  const port = await findFreePort();
  const config = loadConfig({
    TALLY_BASE_URL: `http://127.0.0.1:${port}`,
    PORT: String(port),
    TALLY_DATA_DIR: dataDir,
    TALLY_EDGES: 'jira-site',
    TALLY_JIRA_SITE: sim.site.baseUrl,
    TALLY_JIRA_EMAIL: generated.adminCredentials.email,
    TALLY_JIRA_API_TOKEN: generated.adminCredentials.apiToken,
    TALLY_LOG_LEVEL: 'silent',
  });
  // Jira is the in-process simulator; the browser reaches Tally over loopback HTTP.
  const tally = await startServer(config, { hostname: '127.0.0.1', runtime: { ...machineRuntime(config), fetch: sim.fetch } });
  const link = await mintAccessLink(config);
  return {
    sim,
    tally,
    config,
    link,
    async close() {
      await tally.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
