import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../simulator/create-simulator.js';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import { ALL_EDGE_MODULES } from '../../src/edges/all-edges.js';
import { accessLinkCommand } from '../../src/edges/jira-site/site-access.js';
import { tallyOwnedData } from '../../src/compose/owned-data.js';
import { machineRuntime, startServer, type RunningServer } from '../../src/main.js';
import { systemClock } from '../../src/platform/clock.js';
import { findFreePort } from '../../src/platform/free-port.js';
import { openControlDb } from '../../src/tenants/control-db.js';
import { assertAccessible } from '../support/axe-audit.js';
import { CHROMIUM_PATH, collectPageProblems, hasChromium, launchChromium, newOfflineContext } from '../support/browser.js';
import { focusedTestId, tabTo } from '../support/keyboard.js';

/**
 * Log work where it cannot be had: the self-hosted site edge reads Jira with one API token and
 * has no viewer to write as (docs/api.md, `LOG_WORK_UNAVAILABLE`). The page then says why, in the
 * server's own words, instead of offering a form or a timer — on the report page and in the issue
 * panel. The real composed Tally with only the site edge on, in Chromium over loopback HTTP.
 */

if (!hasChromium()) {
  console.warn(`[browser tests skipped] ${CHROMIUM_PATH} is missing. Install Debian's chromium (apt-get install chromium); .ci/run does, so CI never skips.`);
}

/** Runs `tally access-link` against the server's control database (while it runs) and returns the link. */
async function mintAccessLink(config: Config): Promise<string> {
  let out = '';
  const io = { stdout: { write: (text: string) => (out += text) }, stderr: { write: () => true } };
  const openControl = () => openControlDb({ dataDir: config.dataDir, ownedMigrations: tallyOwnedData(ALL_EDGE_MODULES).migrations });
  const code = await accessLinkCommand.run([], { config, clock: systemClock, io, openControl });
  if (code !== 0) throw new Error(`tally access-link exited ${code}`);
  return out.split('\n')[0] ?? '';
}

/** Follows the access link and returns what `/api/session` told the page about log work. */
async function signIn(page: Page, link: string): Promise<{ available: boolean; reason: string | null }> {
  const session = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/session');
  await page.goto(link);
  return ((await (await session).json()) as { logWork: { available: boolean; reason: string | null } }).logWork;
}

describe.skipIf(!hasChromium())('log work on the self-hosted site in Chromium', () => {
  let sim: Simulator;
  let tally: RunningServer;
  let browser: Browser;
  let link: string;
  let dataDir: string;

  beforeAll(async () => {
    sim = createSimulator({ clock: 'real', generate: { worklogs: 40, seed: 61 } });
    const generated = sim.generated;
    if (!generated) throw new Error('the simulator generated no site');
    dataDir = mkdtempSync(join(tmpdir(), 'tally-site-log-work-'));
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
    [tally, browser] = await Promise.all([startServer(config, { hostname: '127.0.0.1', runtime: { ...machineRuntime(config), fetch: sim.fetch } }), launchChromium()]);
    link = await mintAccessLink(config);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await tally?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("says why log work is not available instead of a form, in the server's words, and offers no timer or row actions", async () => {
    const { context } = await newOfflineContext(browser);
    const page = await context.newPage();
    const problems = collectPageProblems(page);
    const logWork = await signIn(page, link);
    expect(logWork.available).toBe(false);
    expect(logWork.reason).toEqual(expect.any(String));

    await page.getByTestId('log-work-open').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('timer').count()).toBe(0);
    await tabTo(page, 'log-work-open');
    await page.keyboard.press('Enter');
    await page.getByTestId('log-work-unavailable').waitFor();
    expect(await page.getByTestId('log-work-unavailable').textContent()).toBe(logWork.reason);
    expect(await page.getByTestId('log-work-form').count()).toBe(0);
    expect(await focusedTestId(page)).toBe('log-work-close');
    await assertAccessible(page, 'log work unavailable');
    await page.keyboard.press('Escape');
    await expect.poll(() => focusedTestId(page)).toBe('log-work-open');

    await page.getByTestId('tab-details').click();
    await page.getByTestId('details').or(page.getByTestId('report-empty')).first().waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('worklog-log-here').count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);

  it('says the same in the issue panel', async () => {
    const { context } = await newOfflineContext(browser);
    const page = await context.newPage();
    const problems = collectPageProblems(page);
    const logWork = await signIn(page, link);
    const issue = [...sim.site.issues.values()][0]!;
    await page.goto(`${tally.url}/?view=issue-panel&issueKey=${encodeURIComponent(issue.key)}`);
    await page.getByTestId('issue-panel').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('log-work-unavailable').textContent()).toBe(logWork.reason);
    expect(await page.getByTestId('log-work-form').count()).toBe(0);
    expect(await page.getByTestId('timer').count()).toBe(0);
    await assertAccessible(page, 'issue panel, log work unavailable');
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);
});
