import { mkdirSync } from 'node:fs';
import ExcelJS from 'exceljs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, collectPageProblems, downloadBy, hasChromium, launchChromium, newOfflineContext } from '../support/browser.js';
import { serverToken } from '../support/tally-tokens.js';
import { auditAccessibility } from '../support/axe-audit.js';
import { csvObjects } from './csv-rows.js';
import { calendarDateIn, logWorklogWithComment, startReportSite, type ExpectedWorklog, type ReportSite } from './report-site.js';

/**
 * The report page in a real browser (Debian's Chromium via playwright-core) against Tally and a
 * simulated Jira site on loopback HTTP: opened the way Jira opens it, regrouped, totals checked
 * against the simulator's own data, a hostile comment shown as text, exports downloaded and read.
 */

const SCRIPT_COMMENT = '<script>window.__tallyXss = 1</script> fixed the <b>build</b> & "tests"';
const SCREENSHOT_PATH = 'test-results/report-page.png';
const CONNECT_JS_URL = 'https://connect-cdn.atl-paas.net/all.js';

if (!hasChromium()) {
  console.warn(`[browser tests skipped] ${CHROMIUM_PATH} is missing. Install Debian's chromium (apt-get install chromium); .ci/run does, so CI never skips.`);
}

function sumSeconds(worklogs: readonly ExpectedWorklog[]): number {
  return worklogs.reduce((sum, w) => sum + w.seconds, 0);
}

function secondsBy(worklogs: readonly ExpectedWorklog[], key: (w: ExpectedWorklog) => string): Map<string, number> {
  const sums = new Map<string, number>();
  for (const w of worklogs) sums.set(key(w), (sums.get(key(w)) ?? 0) + w.seconds);
  return sums;
}

function hoursText(seconds: number): string {
  return (seconds / 3600).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/** The first day of the month `months` before `date`'s month. */
function monthsBefore(date: string, months: number): string {
  const [year, month] = date.split('-').map(Number) as [number, number];
  const index = year * 12 + (month - 1) - months;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}-01`;
}

/** Waits until the page shows a finished summary for exactly this range and grouping. */
async function waitForReport(page: Page, range: { from: string; to: string }, groupBy: readonly string[]): Promise<void> {
  await page.waitForSelector(`[data-testid="report"][data-state="ready"][data-range="${range.from}..${range.to}"]`, { timeout: 30_000 });
  await page.waitForSelector(`[data-testid="summary-table"][data-groupby="${groupBy.join(',')}"]`, { timeout: 30_000 });
}

/**
 * Seconds per `data-key` of the summary rows matching `selector`, scrolling the windowed table
 * from top to bottom so rows outside the window are read too.
 */
async function rowSeconds(page: Page, selector: string): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  const table = page.getByTestId('summary-table');
  await table.evaluate((element) => element.scrollTo({ top: 0 }));
  for (;;) {
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    const rows = await page.locator(selector).evaluateAll((elements) =>
      elements.map((row) => [row.getAttribute('data-key') ?? '', Number(row.querySelector('[data-testid="summary-hours"]')?.getAttribute('data-seconds'))] as const),
    );
    for (const [key, seconds] of rows) seen.set(key, seconds);
    const atEnd = await table.evaluate((element) => {
      if (element.scrollTop + element.clientHeight >= element.scrollHeight - 1) return true;
      element.scrollTop += element.clientHeight / 2;
      return false;
    });
    if (atEnd) return seen;
  }
}

describe.skipIf(!hasChromium())('report page in Chromium', () => {
  let site: ReportSite;
  let browser: Browser;
  let scriptWorklogId: number;

  beforeAll(async () => {
    [site, browser] = await Promise.all([startReportSite({ worklogs: 3000, seed: 11 }), launchChromium()]);
    scriptWorklogId = await logWorklogWithComment(site, SCRIPT_COMMENT, 5400);
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  it('opens from Jira, regroups, totals what the site holds, shows a <script> comment as text and exports CSV and XLSX', async () => {
    const { context, blockedUrls } = await newOfflineContext(browser);
    const page = await context.newPage();
    const problems = collectPageProblems(page);

    // The simulated Jira's page host answers with a 302 to Tally's page and a freshly signed ?jwt=.
    await page.goto(`${site.simUrl}/plugins/servlet/ac/${site.appKey}/tally-reports`);
    expect(new URL(page.url()).origin).toBe(site.tally.url);
    await page.waitForSelector('[data-testid="report"]', { timeout: 30_000 });

    const timeZone = await page.getByTestId('timezone').inputValue();
    const today = calendarDateIn(Date.now(), timeZone);
    const range = { from: monthsBefore(today, 11), to: today };
    await page.getByTestId('range-from').fill(range.from);
    await page.getByTestId('range-to').fill(range.to);
    await waitForReport(page, range, ['user', 'issue']);

    const expected = site.expectedWorklogs(range, timeZone);
    expect(expected.length).toBeGreaterThan(500);
    expect(expected.some((w) => w.id === scriptWorklogId)).toBe(true);
    const total = sumSeconds(expected);
    const totalCell = page.getByTestId('report-total-hours');
    expect(await totalCell.getAttribute('data-seconds')).toBe(String(total));
    expect(await totalCell.textContent()).toBe(hoursText(total));
    expect(await page.getByTestId('report-total-worklogs').textContent()).toBe(expected.length.toLocaleString('en-US'));

    // Regroup: drop both levels, then project › user.
    await page.getByTestId('groupby-remove-issue').click();
    await page.getByTestId('groupby-remove-user').click();
    await page.getByTestId('groupby-add').selectOption('project');
    await page.getByTestId('groupby-add').selectOption('user');
    await waitForReport(page, range, ['project', 'user']);
    expect(await page.getByTestId('groupby').getAttribute('data-levels')).toBe('project,user');

    const byProject = secondsBy(expected, (w) => w.projectId);
    expect(await rowSeconds(page, '[data-testid="summary-row"][data-level="1"]')).toEqual(byProject);
    expect(await totalCell.getAttribute('data-seconds')).toBe(String(total));

    // Expand the largest project: its users' subtotals are the site's own sums.
    const firstRow = page.locator('[data-testid="summary-row"][data-level="1"]').first();
    const projectId = (await firstRow.getAttribute('data-key')) ?? '';
    await firstRow.getByRole('button', { name: /^Expand / }).press('Enter');
    await page.waitForSelector('[data-testid="summary-row"][data-level="2"]');
    const expectedUsers = secondsBy(expected.filter((w) => w.projectId === projectId), (w) => w.accountId);
    expect(await rowSeconds(page, '[data-testid="summary-row"][data-level="2"]')).toEqual(expectedUsers);

    // Every subtotal open: hundreds of rows, but only a window of them is in the DOM.
    await page.getByTestId('summary-expand-all').click();
    const shownRows = Number(/([\d,]+) rows/.exec((await page.getByTestId('summary-row-count').textContent()) ?? '')?.[1]?.replace(/,/g, ''));
    expect(shownRows).toBe(byProject.size + [...byProject.keys()].reduce((n, id) => n + secondsBy(expected.filter((w) => w.projectId === id), (w) => w.accountId).size, 0));
    expect(shownRows).toBeGreaterThan(100);
    expect(await page.locator('[data-testid="summary-row"]').count()).toBeLessThan(80);
    await page.getByTestId('summary-collapse-all').click();
    await firstRow.getByRole('button', { name: /^Expand / }).press('Enter');
    expect(await page.locator('[data-testid="hours-chart"] rect').count()).toBeGreaterThan(0);

    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: SCREENSHOT_PATH, fullPage: true });

    // Details: newest first, so the worklog just logged leads; its markup is text, not HTML.
    await page.getByTestId('tab-details').click();
    const scriptRow = page.locator(`[data-testid="details-row"][data-worklog-id="${scriptWorklogId}"]`);
    await scriptRow.waitFor({ timeout: 30_000 });
    expect(await scriptRow.getByTestId('details-comment').textContent()).toBe(SCRIPT_COMMENT);
    expect(await page.locator('#root script, #root b').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __tallyXss?: number }).__tallyXss)).toBeUndefined();
    await expect.poll(() => page.getByTestId('details-count').textContent()).toBe(`Showing 200 of ${expected.length.toLocaleString('en-US')} worklogs`);
    await page.getByTestId('details-load-more').click();
    await expect.poll(() => page.getByTestId('details-count').textContent()).toBe(`Showing 400 of ${expected.length.toLocaleString('en-US')} worklogs`);

    // Details CSV: one record per worklog of the period, the same seconds, the comment verbatim.
    const csv = await downloadBy(page, () => page.getByTestId('export-details-csv').click());
    expect(csv.filename).toMatch(/\.csv$/);
    const records = csvObjects(csv.bytes.toString('utf8'));
    expect(records.map((r) => Number(r['Worklog ID'])).sort((a, b) => a - b)).toEqual(expected.map((w) => w.id).sort((a, b) => a - b));
    expect(records.reduce((sum, r) => sum + Number(r.Seconds), 0)).toBe(total);
    expect(records.find((r) => Number(r['Worklog ID']) === scriptWorklogId)?.Comment).toBe(SCRIPT_COMMENT);

    // Summary XLSX: a row per project (level 1) with the site's sums, and the grand total.
    const xlsx = await downloadBy(page, () => page.getByTestId('export-summary-xlsx').click());
    expect(xlsx.filename).toMatch(/\.xlsx$/);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx.bytes as unknown as ArrayBuffer);
    const sheet = book.worksheets[0];
    if (!sheet) throw new Error('the XLSX export has no sheet');
    const header = (sheet.getRow(1).values as unknown[]).map(String);
    const column = (name: string) => header.indexOf(name);
    const projectLabels = new Map([...site.sim.site.projects.values()].map((p) => [`${p.key} ${p.name}`, p.id]));
    const xlsxProjects = new Map<string, number>();
    let xlsxTotal: number | undefined;
    sheet.eachRow((row, rowNumber) => {
      if (rowNumber === 1) return;
      const level = Number(row.getCell(column('Level')).value);
      const seconds = Number(row.getCell(column('Seconds')).value);
      if (level === 1) xlsxProjects.set(projectLabels.get(String(row.getCell(column('Project')).value)) ?? 'unknown label', seconds);
      if (level === 0) xlsxTotal = seconds;
    });
    expect(xlsxProjects).toEqual(byProject);
    expect(xlsxTotal).toBe(total);

    expect(problems).toEqual([]);
    // Standalone (no xdm_e): Atlassian's all.js is never requested.
    expect(blockedUrls.filter((url) => url.startsWith('https://connect-cdn.atl-paas.net/'))).toEqual([]);
    expect(await page.locator('script[src*="connect-cdn"]').count()).toBe(0);
    await context.close();
  }, 120_000);

  it('while the history loads, says which range is complete and calls a longer range partial, not a total', async () => {
    const { context } = await newOfflineContext(browser);
    const page = await context.newPage();
    const problems = collectPageProblems(page);
    // The server's answers with the state a recent-first sync is in at 40%: its real sums, the
    // coverage a range reaching before 30 Sep would get (report-coverage.ts is tested on its own).
    const completeFromMs = Date.parse('2026-09-30T00:00:00Z');
    await page.route('**/api/sync/status', async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, json: { ...(await response.json()), phase: 'full', fraction: 0.4, etaSeconds: 50_400, completeFromMs } });
    });
    await page.route('**/api/reports/summary', async (route) => {
      const response = await route.fetch();
      const coverage = { complete: false, completeFrom: new Date(completeFromMs).toISOString(), completeFromDate: '2026-10-01', loading: true, etaSeconds: 50_400 };
      const notices = [{ code: 'JIRA_INTERACTIVE_BUDGET_SPENT', message: 'Some names and keys show as ids: this site spent its share of this hour’s Jira look-ups.', retryAfterSeconds: 1200 }];
      await route.fulfill({ response, json: { ...(await response.json()), coverage, notices } });
    });
    await page.route('**/api/reports/details', async (route) => {
      const response = await route.fetch();
      const coverage = { complete: false, completeFrom: new Date(completeFromMs).toISOString(), completeFromDate: '2026-10-01', loading: true, etaSeconds: 50_400 };
      await route.fulfill({ response, json: { ...(await response.json()), coverage } });
    });
    await page.goto(`${site.simUrl}/plugins/servlet/ac/${site.appKey}/tally-reports`);
    await page.waitForSelector('[data-testid="report"][data-state="ready"]', { timeout: 30_000 });
    await expect.poll(() => page.getByTestId('sync-banner').textContent()).toContain('Recent months are complete');
    expect(await page.getByTestId('sync-banner').textContent()).toContain('40% — about 14 hours left');
    expect(await page.getByTestId('partial-range').textContent()).toBe('Partial: Worklogs from 1 Oct 2026 on are complete; earlier ones are still loading, so this range’s sums are not its totals yet.');
    expect(await page.getByTestId('summary-total').locator('th').textContent()).toBe('Partial total');
    expect(await page.getByTestId('report-notice').textContent()).toBe('Some names and keys show as ids: this site spent its share of this hour’s Jira look-ups.');
    expect(await page.getByTestId('report').getAttribute('data-complete')).toBe('false');
    expect(await auditAccessibility(page)).toEqual([]);
    // The details list says so too, reached by keyboard.
    await page.getByTestId('tab-details').focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid="details"] [data-testid="partial-range"]', { timeout: 30_000 });
    expect(await auditAccessibility(page)).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("inside Jira's iframe loads all.js, takes its tokens from AP and resizes the frame", async () => {
    // A stand-in for all.js (no network in tests): AP's token comes from the test, signed with the
    // tenant's shared secret the way Jira's context tokens are.
    const stub = `window.__apResizes = 0;
      window.AP = {
        resize: function () { window.__apResizes++; },
        theming: { initializeTheming: function () { window.__apTheming = true; } },
        context: { getToken: function (callback) { var p = window.tallyContextToken(); p.then(function (t) { if (callback) callback(t); }); return p; } }
      };`;
    const { context } = await newOfflineContext(browser, { fulfil: { [CONNECT_JS_URL]: { contentType: 'text/javascript', body: stub } } });
    const page = await context.newPage();
    const problems = collectPageProblems(page);
    const issued = new Set<string>();
    await page.exposeFunction('tallyContextToken', () => {
      const token = site.contextToken();
      issued.add(token);
      return token;
    });
    const pathAndQuery = `/pages/reports?xdm_e=${encodeURIComponent(site.simUrl)}&xdm_c=channel-tally-reports&cp=&lic=none`;
    const jwt = serverToken({ clientKey: site.clientKey, sharedSecret: site.sharedSecret, nowMs: Date.now(), accountId: site.viewerAccountId, method: 'GET', pathAndQuery });
    await page.goto(`${site.tally.url}${pathAndQuery}&jwt=${encodeURIComponent(jwt)}`);
    await page.waitForSelector('[data-testid="report"][data-state="ready"]', { timeout: 30_000 });
    expect(await page.locator(`script[src="${CONNECT_JS_URL}"]`).getAttribute('data-options')).toBe('sizeToParent:true');
    await expect.poll(() => page.evaluate(() => (window as unknown as { __apTheming?: boolean }).__apTheming)).toBe(true);

    const summaryRequest = page.waitForRequest((request) => request.url().endsWith('/api/reports/summary'));
    await page.getByTestId('groupby-remove-issue').click();
    const authorization = (await summaryRequest).headers().authorization ?? '';
    expect(issued.has(authorization.replace(/^JWT /, ''))).toBe(true);
    await page.waitForSelector('[data-testid="summary-table"][data-groupby="user"]', { timeout: 30_000 });
    await expect.poll(() => page.evaluate(() => (window as unknown as { __apResizes: number }).__apResizes)).toBeGreaterThan(0);
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);
});
