import { spawn } from 'node:child_process';
import { edgeStoresOf } from '../support/tally-testbed.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../simulator/create-simulator.js';
import { loadConfig } from '../../src/config/load-config.js';
import { composeTally, type Tally } from '../../src/compose.js';
import { systemClock } from '../../src/platform/clock.js';
import { createLogger } from '../../src/platform/logger.js';
import { timerSleep } from '../../src/jira/sleep.js';
import { createSqliteStoreProvider } from '../../src/store/sqlite-store-provider.js';
import { parseTenantId } from '../../src/tenants/tenant.js';
import { createRandom } from '../../simulator/random.js';
import { describeDifference, storedSetOf, visibleSetOf } from '../support/site-expectations.js';

/**
 * The crash test of the sync (threat catalogue F1, F3): `tally sync` runs in a child process
 * against the simulator over loopback HTTP and is SIGKILLed at 20 random instants while the site
 * keeps changing (creations, edits, moves, deletions); after a final run the store must hold
 * exactly the site's visible worklogs — no gap, no duplicate, no ghost.
 */
describe('a full sync killed at random instants', () => {
  let sim: Simulator;
  let closeSim: () => Promise<void>;
  let dataDir: string;
  let env: Record<string, string>;
  let tenantId: string;

  beforeAll(async () => {
    const holder: { tally?: Tally } = {};
    sim = createSimulator({
      clock: 'real',
      generate: { worklogs: 80_000, seed: 99, restrictedShare: 0.03 },
      // 21 restarts re-read pages; the real hourly quota would (rightly) pause the sync until the
      // top of the hour, which is a different test. Both sides are told of a Tier 2 quota.
      rateLimits: { quota: { pointsPerHour: 5_000_000 } },
      appFetch: async (input, init) => (holder.tally as Tally).app.fetch(new Request(input, init)),
    });
    const server = await sim.listen();
    closeSim = server.close;
    dataDir = mkdtempSync(join(tmpdir(), 'tally-kill-'));
    env = {
      TALLY_BASE_URL: 'https://tally.test',
      TALLY_SECRET_KEY: randomBytes(32).toString('base64'),
      TALLY_DATA_DIR: dataDir,
      TALLY_INSTALL_KEYS_URL: sim.connect.installKeysUrl,
      TALLY_ALLOWED_HOSTS: '127.0.0.1',
      TALLY_LOG_LEVEL: 'silent',
      TALLY_JIRA_POINTS_PER_HOUR: '5000000',
    };
    const config = loadConfig(env);
    holder.tally = await composeTally(config, { clock: systemClock, fetch: (i, o) => fetch(i, o), sleep: timerSleep, logger: createLogger({ level: 'silent' }) });
    const installed = await sim.connect.install(`${config.baseUrl}/atlassian-connect.json`);
    if (!installed.ok) throw new Error(`install failed: ${installed.status}`);
    tenantId = (await edgeStoresOf(holder.tally, config, systemClock).connect.findCredentialsByClientKey(installed.clientKey))!.tenant.id;
    await holder.tally.close();
  });

  afterAll(async () => {
    await closeSim?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function runSync(killAfterMs?: number, full = false): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'sync', tenantId, ...(full ? ['--full'] : [])], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk) => (stderr += String(chunk)));
      const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      child.on('exit', (code, signal) => {
        if (timer) clearTimeout(timer);
        if (code !== 0 && signal === null) process.stderr.write(stderr);
        resolve({ code, signal });
      });
    });
  }

  /** Creates, edits, moves and deletes worklogs while the full sync is under way. */
  function changeTheSite(random: ReturnType<typeof createRandom>): void {
    const { site } = sim;
    const issues = [...site.issues.keys()];
    const worklogs = [...site.worklogs.values()];
    const author = sim.generated!.users[random.int(0, 9)]!.accountId;
    site.createWorklog({ issueId: random.pick(issues), authorId: author, comment: undefined, startedMs: site.clock.now(), timeSpentSeconds: 60 * random.int(1, 90) });
    site.updateWorklog(random.pick(worklogs).id, { timeSpentSeconds: 60 * random.int(1, 480) }, author);
    site.moveWorklogs([random.pick(worklogs).id], random.pick(issues), author);
    site.deleteWorklog(random.pick(worklogs).id);
  }

  async function progress(): Promise<string> {
    const stores = createSqliteStoreProvider({ dataDir });
    try {
      const store = await stores.open(parseTenantId(tenantId)!);
      const state = await store.getSyncState();
      return `${state.phase}:${state.updatedCursorMs}:${await store.countWorklogs()}`;
    } finally {
      await stores.close();
    }
  }

  it('resumes after every kill and ends with exactly the visible set', { timeout: 240_000 }, async () => {
    const random = createRandom('kill-instants');
    // A kill counts when it landed inside a full sync: the sync had moved on since the last kill
    // and had not finished. Kills during start-up are retried with another instant; a full sync
    // that finished before 20 kills is started over (`--full`) and killed again.
    // Kill instants start after the CLI's own start-up, measured here, so that a slower machine
    // (or a busier one) still sees its kills land inside the sync rather than in module loading.
    const startupStarted = performance.now();
    await new Promise((resolve) => spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'tenants', 'list'], { env: { ...process.env, ...env }, stdio: 'ignore' }).on('exit', resolve));
    let startupMs = Math.round(performance.now() - startupStarted);
    let previous = await progress();
    let killsDuringSync = 0;
    let restart = false;
    for (let attempt = 0; attempt < 100 && killsDuringSync < 20; attempt++) {
      changeTheSite(random);
      const result = await runSync(random.int(startupMs, startupMs + 1000), restart);
      const now = await progress();
      restart = now.startsWith('incremental:');
      if (result.signal === 'SIGKILL' && now !== previous && now.startsWith('full:')) killsDuringSync++;
      // A kill before the sync moved hit start-up, which takes longer while another test file runs
      // beside this one (19 of 20 in 100 attempts once): aim the next kills later.
      if (result.signal === 'SIGKILL' && now === previous) startupMs = Math.round(startupMs * 1.15);
      previous = now;
    }
    expect(killsDuringSync).toBe(20);
    const final = await runSync();
    expect(final).toEqual({ code: 0, signal: null });
    // The last changes are inside Jira's hidden minute; the next scheduled sync sees them.
    sim.clock.advance(61_000);
    expect(await runSync()).toEqual({ code: 0, signal: null });
    const stores = createSqliteStoreProvider({ dataDir });
    try {
      const store = await stores.open(parseTenantId(tenantId)!);
      expect((await store.getSyncState()).phase).toBe('incremental');
      const expected = visibleSetOf(sim, 'io.tally.time-reports');
      const actual = await storedSetOf(store);
      expect(describeDifference(expected, actual)).toBe('missing 0 [], extra 0 [], different 0 []');
      expect(actual).toEqual(expected);
    } finally {
      await stores.close();
    }
  });
});
