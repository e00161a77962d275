import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../simulator/create-simulator.js';
import { loadConfig } from '../../src/config/load-config.js';
import { startServer, type RunningServer } from '../../src/main.js';
import { groupTree, type SummaryWire } from '../../src/reporting/summary-wire.js';
import { prepareLoopbackTally, type LoopbackTallyPlace } from '../support/loopback-tally.js';
import { edgeStoresOf } from '../support/tally-testbed.js';

/**
 * The Forge Remote edge over real HTTP on loopback, both ways: the simulated Forge platform
 * delivers the install, ticks and the pre-uninstall to Tally's server, a Custom-UI-style call
 * reaches the report API, and Tally fetches the invocation-token keys and calls Jira at the
 * simulator's `/ex/jira/{cloudId}` gateway with the tokens it was handed.
 */
describe('Forge Remote over real HTTP', () => {
  let sim: Simulator;
  let closeSim: () => Promise<void>;
  let tally: RunningServer;
  let place: LoopbackTallyPlace;

  beforeAll(async () => {
    sim = createSimulator({ clock: 'real', generate: { worklogs: 400, seed: 21 } });
    const simServer = await sim.listen();
    closeSim = simServer.close;
    // The platform's own hosts (api.atlassian.com, the keys CDN) are the simulator here.
    sim.forge.configure({ apiOrigin: simServer.url, jwksUrl: `${simServer.url}/.well-known/jwks.json` });
    place = await prepareLoopbackTally('tally-forge-http-');
    const config = loadConfig({
      ...place.env,
      TALLY_FORGE_APP_ID: sim.forge.appId,
      TALLY_FORGE_JWKS_URL: `${simServer.url}/.well-known/jwks.json`,
      // The gateway's host and port: tokens are only ever sent there.
      TALLY_FORGE_API_HOSTS: new URL(simServer.url).host,
      TALLY_LOG_LEVEL: 'silent',
    });
    tally = await startServer(config, { hostname: '127.0.0.1' });
  }, 30_000);

  afterAll(async () => {
    await tally?.close();
    await closeSim?.();
    place?.remove();
  });

  it('installs, syncs, answers a report call, follows a tick, and purges on pre-uninstall', async () => {
    const installed = await sim.forge.install({ remoteBaseUrl: tally.url });
    expect(installed).toMatchObject({ ok: true });
    await tally.tally.queue.idle();
    const tenant = await edgeStoresOf(tally.tally, tally.tally.config, tally.runtime.clock).forge.findByInstallationId(sim.forge.installationId!);
    expect(tenant).toMatchObject({ state: 'installed', platform: 'forge' });

    const appUser = sim.site.users.get(sim.forge.appUserAccountId)!;
    const visible = [...sim.site.worklogs.values()].filter((worklog) => sim.site.canSeeWorklog(worklog, appUser));
    expect(await (await tally.tally.stores.open(tenant!.id)).countWorklogs()).toBe(visible.length);

    const admin = [...sim.site.users.values()].find((user) => user.siteAdmin && user.accountType === 'atlassian')!;
    const answer = await sim.forge.invokeRemote({ accountId: admin.accountId, path: '/api/reports/summary', method: 'POST', body: { from: '2000-01-01', to: '2030-12-31', timeZone: 'UTC', groupBy: ['user'] } });
    expect(answer.status).toBe(200);
    const wire = answer.body as SummaryWire;
    expect(wire.total.seconds).toBe(visible.reduce((sum, worklog) => sum + worklog.timeSpentSeconds, 0));
    expect(groupTree(wire.groups).length).toBe(new Set(visible.map((worklog) => worklog.authorId)).size);

    expect(await sim.forge.tick()).toMatchObject({ ok: true });
    await tally.tally.queue.idle();
    expect((await edgeStoresOf(tally.tally, tally.tally.config, tally.runtime.clock).forge.findByTenant(tenant!.id))?.forge.lastTickAtMs).toBeGreaterThan(0);

    await sim.forge.uninstall();
    await tally.tally.queue.idle();
    expect(await tally.registry.findTenant(tenant!.id)).toMatchObject({ state: 'uninstalled', purgeStep: 'done' });
    expect(existsSync(join(place.dataDir, 'tenants', `${tenant!.id}.sqlite`))).toBe(false);
  }, 60_000);
});
