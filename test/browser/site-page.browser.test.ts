import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertAccessible } from '../support/axe-audit.js';
import { CHROMIUM_PATH, collectPageProblems, hasChromium, launchChromium, newOfflineContext } from '../support/browser.js';
import { focusedTestId, tabTo } from '../support/keyboard.js';
import { calendarDateIn } from './report-site.js';
import { startSelfHostedSite, type SelfHostedSite } from './self-hosted-site.js';
import type { Simulator } from '../../simulator/create-simulator.js';
import type { RunningServer } from '../../src/main.js';

/**
 * The self-hosted site's report page in a real browser (Debian's Chromium via playwright-core):
 * the real composed Tally with only the site edge on, over loopback HTTP, syncing an in-process
 * simulated site with its admin's API token. Without the access link the page is a 401; the link,
 * followed from another site the way a chat message is, signs in and the report shows the totals
 * of what the token's account can see. axe-core audits every state visited (the sign-in page,
 * the report, the paused banner, the signed-out page) and fails on any violation of impact
 * moderate or worse; one action is done by keyboard alone and the focus stays where it was.
 */

const SCREENSHOT_PATH = 'test-results/site-page.png';
// A stand-in for a chat or mail page the link is clicked in: another site, answered without network.
const CHAT_URL = 'https://chat.example.test/thread';

if (!hasChromium()) {
  console.warn(`[browser tests skipped] ${CHROMIUM_PATH} is missing. Install Debian's chromium (apt-get install chromium); .ci/run does, so CI never skips.`);
}

/** The first day of the month `months` before `date`'s month. */
function monthsBefore(date: string, months: number): string {
  const [year, month] = date.split('-').map(Number) as [number, number];
  const index = year * 12 + (month - 1) - months;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}-01`;
}

/** Signs in over HTTP the way the browser does and waits until the first full sync has finished. */
async function waitForFullSync(tallyUrl: string, link: string): Promise<void> {
  const signIn = await fetch(link, { redirect: 'manual' });
  const cookie = /tally_site_session=[^;]+/.exec(signIn.headers.get('set-cookie') ?? '')?.[0] ?? '';
  const page = await fetch(`${tallyUrl}/`, { headers: { cookie } });
  const csrf = /<meta name="tally-token" content="([^"]+)">/.exec(await page.text())?.[1] ?? '';
  const deadline = Date.now() + 90_000;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    const answer = await fetch(`${tallyUrl}/api/sync/status`, { headers: { cookie, authorization: `TallySite ${csrf}` } });
    last = `${answer.status} ${(await answer.text()).slice(0, 300)}`;
    if (answer.ok && last.includes('"phase":"incremental"')) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for the site's full sync; last answer: ${last}`);
}

describe.skipIf(!hasChromium())('self-hosted site page in Chromium', () => {
  let site: SelfHostedSite;
  let sim: Simulator;
  let tally: RunningServer;
  let browser: Browser;
  let link: string;

  beforeAll(async () => {
    [site, browser] = await Promise.all([startSelfHostedSite({ worklogs: 400, seed: 23 }), launchChromium()]);
    ({ sim, tally, link } = site);
    await waitForFullSync(tally.url, link);
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  it('shows a sign-in page naming npx tally access-link to a browser without the link', async () => {
    const { context } = await newOfflineContext(browser);
    const page = await context.newPage();
    const problems = collectPageProblems(page);
    const answer = await page.goto(`${tally.url}/`);
    expect(answer?.status()).toBe(401);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in to see time reports');
    expect(await page.locator('code').first().textContent()).toBe('npx tally access-link');
    expect(await page.locator('[data-testid="report"]').count()).toBe(0);
    await assertAccessible(page, 'sign-in page');
    expect(problems).toEqual([]);
    await context.close();
  }, 30_000);

  it('signs in from a link clicked on another site, drops the key from the address bar and shows the site\'s totals', async () => {
    const { context, blockedUrls } = await newOfflineContext(browser, { fulfil: { [CHAT_URL]: { contentType: 'text/html', body: `<!doctype html><title>chat</title><a id="tally-link" href="${link}">Time reports</a>` } } });
    const page = await context.newPage();
    const problems = collectPageProblems(page);
    await page.goto(CHAT_URL);
    await page.click('#tally-link');
    await page.waitForSelector('[data-testid="report"]', { timeout: 30_000 });
    expect(page.url()).toBe(`${tally.url}/`);

    const [cookie] = await context.cookies(tally.url);
    expect(cookie).toMatchObject({ name: 'tally_site_session', httpOnly: true, sameSite: 'Strict', secure: false, path: '/' });

    const timeZone = await page.getByTestId('timezone').inputValue();
    const today = calendarDateIn(Date.now(), timeZone);
    const range = { from: monthsBefore(today, 11), to: today };
    const summaryRequest = page.waitForRequest((request) => request.url().endsWith('/api/reports/summary') && request.postData()?.includes(range.from) === true);
    await page.getByTestId('range-from').fill(range.from);
    await page.getByTestId('range-to').fill(range.to);
    expect((await summaryRequest).headers().authorization).toMatch(/^TallySite [A-Za-z0-9_-]{43}$/);
    await page.waitForSelector(`[data-testid="report"][data-state="ready"][data-range="${range.from}..${range.to}"]`, { timeout: 30_000 });

    // What the admin's API token can see on the site, from the simulator's own records.
    const admin = sim.generated!.admin;
    const expected = [...sim.site.worklogs.values()].filter((worklog) => {
      const day = calendarDateIn(worklog.startedMs, timeZone);
      return day >= range.from && day <= range.to && sim.site.canSeeWorklog(worklog, admin);
    });
    expect(expected.length).toBeGreaterThan(50);
    const totalSeconds = expected.reduce((sum, worklog) => sum + worklog.timeSpentSeconds, 0);
    expect(await page.getByTestId('report-total-hours').getAttribute('data-seconds')).toBe(String(totalSeconds));
    expect(await page.getByTestId('report-total-worklogs').textContent()).toBe(expected.length.toLocaleString('en-US'));
    await assertAccessible(page, 'report, standalone with the view links');

    // One action by keyboard alone: Tab to "remove the issue level" and press Enter; the focus
    // goes to the previous level's remove button, not to the top of the page.
    await tabTo(page, 'groupby-remove-issue');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid="summary-table"][data-groupby="user"]', { timeout: 30_000 });
    await expect.poll(() => focusedTestId(page)).toBe('groupby-remove-user');
    await assertAccessible(page, 'report grouped by user');

    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: SCREENSHOT_PATH, fullPage: true });
    expect(problems).toEqual([]);
    expect(blockedUrls.filter((url) => url.startsWith('https://connect-cdn.atl-paas.net/'))).toEqual([]);

    // Signing out ends it: the page is the sign-in page again.
    await page.goto(`${tally.url}/site/sign-out`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Signed out');
    await assertAccessible(page, 'signed-out page');
    expect((await page.goto(`${tally.url}/`))?.status()).toBe(401);
    await context.close();
  }, 90_000);

  // Last: it takes the token away from the running server.
  it('says the synchronisation is paused, and why, once Jira rejects the API token', async () => {
    const admin = sim.generated!.admin;
    // The site's admin revokes the token (it stops working everywhere at once).
    admin.apiTokens = [];
    const [tenant] = await tally.registry.listInstalled();
    tally.tally.sync.requestSync(tenant!.id, 'auto');
    await tally.tally.queue.idle();
    const { context } = await newOfflineContext(browser);
    const page = await context.newPage();
    const problems = collectPageProblems(page);
    await page.goto(link);
    await page.waitForURL(`${tally.url}/`);
    const banner = page.getByTestId('sync-paused');
    await banner.waitFor({ timeout: 30_000 });
    expect(await banner.getAttribute('role')).toBe('alert');
    expect(await banner.textContent()).toMatch(/Synchronisation is paused\..*TALLY_JIRA_API_TOKEN/);
    // The report still answers from what was synchronised.
    await page.waitForSelector('[data-testid="summary-table"]', { timeout: 30_000 });
    await assertAccessible(page, 'synchronisation paused');
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);
});
