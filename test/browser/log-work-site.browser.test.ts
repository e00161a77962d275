import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertAccessible } from '../support/axe-audit.js';
import { CHROMIUM_PATH, collectPageProblems, hasChromium, launchChromium, newOfflineContext } from '../support/browser.js';
import { focusedTestId, tabTo } from '../support/keyboard.js';
import { startSelfHostedSite, type SelfHostedSite } from './self-hosted-site.js';

/**
 * Log work where it cannot be had: the self-hosted site edge reads Jira with one API token and
 * has no viewer to write as (docs/api.md, `LOG_WORK_UNAVAILABLE`). The page then says why, in the
 * server's own words, instead of offering a form or a timer — on the report page and in the issue
 * panel. The real composed Tally with only the site edge on, in Chromium over loopback HTTP.
 */

if (!hasChromium()) {
  console.warn(`[browser tests skipped] ${CHROMIUM_PATH} is missing. Install Debian's chromium (apt-get install chromium); .ci/run does, so CI never skips.`);
}

/** Follows the access link and returns what `/api/session` told the page about log work. */
async function signIn(page: Page, link: string): Promise<{ available: boolean; reason: string | null }> {
  const session = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/session');
  await page.goto(link);
  return ((await (await session).json()) as { logWork: { available: boolean; reason: string | null } }).logWork;
}

describe.skipIf(!hasChromium())('log work on the self-hosted site in Chromium', () => {
  let site: SelfHostedSite;
  let browser: Browser;

  beforeAll(async () => {
    [site, browser] = await Promise.all([startSelfHostedSite({ worklogs: 40, seed: 61 }), launchChromium()]);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  it("says why log work is not available instead of a form, in the server's words, and offers no timer or row actions", async () => {
    const { context } = await newOfflineContext(browser);
    const page = await context.newPage();
    const problems = collectPageProblems(page);
    const logWork = await signIn(page, site.link);
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
    const logWork = await signIn(page, site.link);
    const issue = [...site.sim.site.issues.values()][0]!;
    await page.goto(`${site.tally.url}/?view=issue-panel&issueKey=${encodeURIComponent(issue.key)}`);
    await page.getByTestId('issue-panel').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('log-work-unavailable').textContent()).toBe(logWork.reason);
    expect(await page.getByTestId('log-work-form').count()).toBe(0);
    expect(await page.getByTestId('timer').count()).toBe(0);
    await assertAccessible(page, 'issue panel, log work unavailable');
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);
});
