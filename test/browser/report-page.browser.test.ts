import { mkdirSync } from 'node:fs';
import ExcelJS from 'exceljs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, collectPageProblems, downloadBy, hasChromium, launchChromium, newOfflineContext } from '../support/browser.js';
import { serverToken } from '../support/tally-tokens.js';
import { assertAccessible } from '../support/axe-audit.js';
import { focusedTestId, shiftTabTo, tabTo } from '../support/keyboard.js';
import { csvObjects } from './csv-rows.js';
import { isoWeekKey } from '../../web/src/report/calendar-date.js';
import type { TimeBucket } from '../../web/src/report/time-buckets.js';
import { calendarDateIn, logWorklogWithComment, startReportSite, type ExpectedWorklog, type ReportSite } from './report-site.js';

/**
 * The report page in a real browser (Debian's Chromium via playwright-core) against Tally and a
 * simulated Jira site on loopback HTTP: opened the way Jira opens it, regrouped, totals checked
 * against the simulator's own data, a hostile comment shown as text, exports downloaded and read.
 * axe-core audits every state the tests visit and fails on any violation of impact moderate or
 * worse; one test drives the page by keyboard alone and checks where the focus is after each step.
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

/** Seconds per bar key of the chart's data table (every bar, hidden table or not). */
async function chartTableSeconds(page: Page): Promise<Map<string, number>> {
  const rows = await page.locator('[data-testid="hours-chart-row"]').evaluateAll((elements) =>
    elements.map((row) => [row.getAttribute('data-key') ?? '', Number(row.querySelector('[data-testid="hours-chart-total"]')?.getAttribute('data-seconds'))] as const),
  );
  return nonZero(new Map(rows));
}

/** The chart bar a work date falls in (the API's keys: `YYYY-MM-DD`, ISO `YYYY-Www`, `YYYY-MM`). */
function bucketKey(workDate: string, bucket: TimeBucket): string {
  if (bucket === 'day') return workDate;
  return bucket === 'week' ? isoWeekKey(workDate) : workDate.slice(0, 7);
}

function nonZero(sums: Map<string, number>): Map<string, number> {
  return new Map([...sums].filter(([, seconds]) => seconds > 0));
}

/** The first `aria-rowindex` of the details rows in the DOM: which part of the windowed list is drawn. */
function firstDrawnDetailsRow(page: Page): Promise<number> {
  return page.locator('[data-testid="details-row"]').first().evaluate((row) => Number(row.getAttribute('aria-rowindex')));
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
    // The chart's values are in its data table (what a screen reader reads): per month, the site's own sums.
    await expect.poll(() => chartTableSeconds(page)).toEqual(nonZero(secondsBy(expected, (w) => w.workDate.slice(0, 7))));
    await assertAccessible(page, 'summary');

    // Regroup: drop both levels, then project › user.
    await page.getByTestId('groupby-remove-issue').click();
    await page.getByTestId('groupby-remove-user').click();
    await page.getByTestId('groupby-add').selectOption('project');
    await page.getByTestId('groupby-add').selectOption('user');
    await waitForReport(page, range, ['project', 'user']);
    expect(await page.getByTestId('groupby').getAttribute('data-levels')).toBe('project,user');
    await assertAccessible(page, 'regrouped by project, user');

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
    await assertAccessible(page, 'every subtotal expanded');
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
    await assertAccessible(page, 'details, two pages');

    // Details CSV: one record per worklog of the period, the same seconds, the comment verbatim.
    const csv = await downloadBy(page, () => page.getByTestId('export-details-csv').click());
    expect(csv.filename).toMatch(/\.csv$/);
    const records = csvObjects(csv.bytes.toString('utf8'));
    expect(records.map((r) => Number(r['Worklog ID'])).sort((a, b) => a - b)).toEqual(expected.map((w) => w.id).sort((a, b) => a - b));
    expect(records.reduce((sum, r) => sum + Number(r.Seconds), 0)).toBe(total);
    expect(records.find((r) => Number(r['Worklog ID']) === scriptWorklogId)?.Comment).toBe(SCRIPT_COMMENT);
    await expect.poll(() => page.getByTestId('export-message').textContent()).toBe(`Downloaded ${csv.filename}`);
    await assertAccessible(page, 'after the details CSV export');

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

  it('works by keyboard alone: regroups, exports, filters by a user, shows the chart\'s values and scrolls the details, keeping the focus where the user was', async () => {
    const { context } = await newOfflineContext(browser);
    const page = await context.newPage();
    const problems = collectPageProblems(page);
    await page.goto(`${site.simUrl}/plugins/servlet/ac/${site.appKey}/tally-reports`);
    await page.waitForSelector('[data-testid="report"][data-state="ready"]', { timeout: 30_000 });
    const focusIs = (testId: string) => expect.poll(() => focusedTestId(page), { timeout: 10_000 }).toBe(testId);
    const levelsAre = (levels: string) => expect.poll(() => page.getByTestId('groupby').getAttribute('data-levels')).toBe(levels);

    // This year, chosen with the arrow keys on the closed select.
    await tabTo(page, 'range-preset');
    for (let press = 0; press < 6 && (await page.getByTestId('range-preset').inputValue()) !== 'this-year'; press++) await page.keyboard.press('ArrowDown');
    const range = { from: await page.getByTestId('range-from').inputValue(), to: await page.getByTestId('range-to').inputValue() };
    const timeZone = await page.getByTestId('timezone').inputValue();
    expect(range.from).toMatch(/-01-01$/);
    await waitForReport(page, range, ['user', 'issue']);
    await focusIs('range-preset');
    const expected = site.expectedWorklogs(range, timeZone);
    expect(await page.getByTestId('report-total-hours').getAttribute('data-seconds')).toBe(String(sumSeconds(expected)));
    await assertAccessible(page, 'summary, this year');

    // Add a level with the arrow keys: the select keeps the focus.
    await tabTo(page, 'groupby-add');
    await page.keyboard.press('ArrowDown');
    await levelsAre('user,issue,project');
    await waitForReport(page, range, ['user', 'issue', 'project']);
    await focusIs('groupby-add');
    await assertAccessible(page, 'three levels');

    // Remove the middle level: the focus goes to the previous level's remove button; remove that
    // one (now the first) and it goes to the "add level" select.
    await shiftTabTo(page, 'groupby-remove-issue');
    await page.keyboard.press('Enter');
    await levelsAre('user,project');
    await focusIs('groupby-remove-user');
    await page.keyboard.press('Enter');
    await levelsAre('project');
    await focusIs('groupby-add');
    await waitForReport(page, range, ['project']);
    await assertAccessible(page, 'one level left');

    // Add the user back and move it first: the moved level keeps the focus on its chip.
    await page.keyboard.press('ArrowDown');
    await levelsAre('project,user');
    await shiftTabTo(page, 'groupby-earlier-user');
    await page.keyboard.press('Enter');
    await levelsAre('user,project');
    // "Earlier" is disabled on the first level, so its "later" button has the focus.
    await focusIs('groupby-later-user');
    await waitForReport(page, range, ['user', 'project']);

    // Export: the focus stays on the button pressed, and the result is announced beside it.
    await shiftTabTo(page, 'export-summary-csv');
    const csv = await downloadBy(page, () => page.keyboard.press('Enter'));
    expect(csv.filename).toMatch(/\.csv$/);
    await expect.poll(() => page.getByTestId('export-message').textContent()).toBe(`Downloaded ${csv.filename}`);
    await focusIs('export-summary-csv');
    await assertAccessible(page, 'after the summary CSV export');

    // The user filter: Enter opens it on its search box; Space picks a user; Escape closes it
    // and gives the focus back to the button that opened it.
    await tabTo(page, 'filter-users');
    await page.keyboard.press('Enter');
    await focusIs('filter-users-search');
    expect(await page.getByTestId('filter-users').getAttribute('aria-expanded')).toBe('true');
    await assertAccessible(page, 'user filter open');
    await tabTo(page, 'filter-user-option', 3);
    const accountId = (await page.evaluate(() => document.activeElement?.getAttribute('data-account-id'))) ?? '';
    await page.keyboard.press('Space');
    const oneUser = expected.filter((w) => w.accountId === accountId);
    expect(oneUser.length).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('report-total-hours').getAttribute('data-seconds'), { timeout: 30_000 }).toBe(String(sumSeconds(oneUser)));
    await focusIs('filter-user-option');
    await assertAccessible(page, 'user filter open, one user picked');
    await page.keyboard.press('Escape');
    await focusIs('filter-users');
    expect(await page.getByTestId('filter-users').getAttribute('aria-expanded')).toBe('false');
    await assertAccessible(page, 'user filter closed');
    // "Show all users" goes away once pressed: the focus moves to the search box, not the page top.
    await page.keyboard.press('Enter');
    await focusIs('filter-users-search');
    await tabTo(page, 'filter-users-all');
    await page.keyboard.press('Enter');
    await focusIs('filter-users-search');
    await page.keyboard.press('Escape');
    await focusIs('filter-users');
    await expect.poll(() => page.getByTestId('report-total-hours').getAttribute('data-seconds'), { timeout: 30_000 }).toBe(String(sumSeconds(expected)));

    // The chart's values, shown as a table: per month, the site's own sums.
    await tabTo(page, 'hours-chart-table-toggle');
    await page.keyboard.press('Enter');
    expect(await page.getByTestId('hours-chart-table-toggle').getAttribute('aria-pressed')).toBe('true');
    expect(await page.getByTestId('hours-chart-table').isVisible()).toBe(true);
    const bucket = (await page.getByTestId('hours-chart').getAttribute('data-bucket')) as TimeBucket;
    await expect.poll(() => chartTableSeconds(page)).toEqual(nonZero(secondsBy(expected, (w) => bucketKey(w.workDate, bucket))));
    await focusIs('hours-chart-table-toggle');
    await assertAccessible(page, 'chart values shown');

    // Details by the tabs' arrow keys, then the list's scroll region by Tab, scrolled by arrows.
    await shiftTabTo(page, 'tab-summary');
    await page.keyboard.press('ArrowRight');
    await focusIs('tab-details');
    await page.waitForSelector('[data-testid="details"][data-state="ready"]', { timeout: 30_000 });
    await assertAccessible(page, 'details');
    await tabTo(page, 'details-table', 3);
    const scrollTop = () => page.getByTestId('details-table').evaluate((element) => element.scrollTop);
    expect(await scrollTop()).toBe(0);
    for (let press = 0; press < 4; press++) await page.keyboard.press('ArrowDown');
    await expect.poll(scrollTop).toBeGreaterThan(0);
    await page.keyboard.press('End');
    await expect.poll(() => firstDrawnDetailsRow(page)).toBeGreaterThan(100);
    await focusIs('details-table');
    await page.keyboard.press('Home');
    await expect.poll(scrollTop).toBe(0);
    await focusIs('details-table');

    // "Load more" (above the list) keeps the focus while the next page loads and after.
    await shiftTabTo(page, 'details-load-more', 3);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('details-count').textContent(), { timeout: 30_000 }).toBe(`Showing 400 of ${expected.length.toLocaleString('en-US')} worklogs`);
    await focusIs('details-load-more');
    await assertAccessible(page, 'details, two pages, by keyboard');
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it('gives the worklog list the focus when "Load more" has brought the last page and goes away', async () => {
    const { context } = await newOfflineContext(browser);
    const page = await context.newPage();
    const problems = collectPageProblems(page);
    await page.goto(`${site.simUrl}/plugins/servlet/ac/${site.appKey}/tally-reports`);
    await page.waitForSelector('[data-testid="report"][data-state="ready"]', { timeout: 30_000 });
    // The shortest range back from today holding two pages (a page is 200 worklogs), by the site's own data.
    const timeZone = await page.getByTestId('timezone').inputValue();
    const today = calendarDateIn(Date.now(), timeZone);
    const ranges = Array.from({ length: 12 }, (_, months) => ({ from: monthsBefore(today, months), to: today }));
    const range = ranges.find((candidate) => site.expectedWorklogs(candidate, timeZone).length > 200);
    if (!range) throw new Error('the generated site has no year with more than 200 worklogs');
    const count = site.expectedWorklogs(range, timeZone).length;
    expect(count).toBeLessThanOrEqual(400);
    await page.getByTestId('range-from').fill(range.from);
    await page.getByTestId('range-to').fill(range.to);
    await waitForReport(page, range, ['user', 'issue']);
    await page.getByTestId('tab-details').click();
    await page.waitForSelector('[data-testid="details"][data-state="ready"]', { timeout: 30_000 });
    await tabTo(page, 'details-load-more', 5);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('details-count').textContent(), { timeout: 30_000 }).toBe(`Showing ${count.toLocaleString('en-US')} of ${count.toLocaleString('en-US')} worklogs`);
    expect(await page.getByTestId('details-load-more').count()).toBe(0);
    await expect.poll(() => focusedTestId(page)).toBe('details-table');
    await assertAccessible(page, 'details, every page loaded');
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);

  it('stays accessible while it opens, when the session or the report fails (Try again keeps the focus), for an empty period and for a filter the API refuses', async () => {
    const { context } = await newOfflineContext(browser);
    const reportUrl = `${site.simUrl}/plugins/servlet/ac/${site.appKey}/tally-reports`;

    // Opening: the session has not answered yet (held back here), the page says so inside its main.
    const opening = await context.newPage();
    await opening.route('**/api/session', () => undefined);
    await opening.goto(reportUrl);
    await opening.getByTestId('report-loading').waitFor({ timeout: 30_000 });
    await assertAccessible(opening, 'opening');
    await opening.close();

    // The session fails: the API's message, inside the page's main.
    const failing = await context.newPage();
    await failing.route('**/api/session', (route) => route.fulfill({ status: 503, json: { error: { code: 'SERVICE_UNAVAILABLE', message: 'Tally is starting; try again in a moment.' } } }));
    await failing.goto(reportUrl);
    await failing.getByTestId('report-error').waitFor({ timeout: 30_000 });
    await assertAccessible(failing, 'session failed');
    await failing.close();

    const page = await context.newPage();
    const problems = collectPageProblems(page);
    // The report fails until Tally answers again (held back here): "Try again", by keyboard, gives
    // the focus to the report area it reloads instead of dropping it to the top of the page.
    let summaryDown = true;
    await page.route('**/api/reports/summary', (route) =>
      summaryDown ? route.fulfill({ status: 503, json: { error: { code: 'SERVICE_UNAVAILABLE', message: 'Tally is busy; try again in a moment.' } } }) : route.continue(),
    );
    await page.goto(reportUrl);
    await page.getByTestId('report-retry').waitFor({ timeout: 30_000 });
    await assertAccessible(page, 'report failed');
    summaryDown = false;
    await tabTo(page, 'report-retry');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid="report"][data-state="ready"]', { timeout: 30_000 });
    await expect.poll(() => focusedTestId(page)).toBe('report');
    // A month long before the site's history: nothing to report, and the page says what to try.
    await page.getByTestId('range-from').fill('2001-01-01');
    await page.getByTestId('range-to').fill('2001-01-31');
    await page.getByTestId('report-empty').waitFor({ timeout: 30_000 });
    await assertAccessible(page, 'empty period');
    // An issue filter that is no issue key: Tally's own refusal, with what was wrong.
    await page.getByTestId('range-preset').selectOption('this-month');
    await page.getByTestId('filter-issues').fill('not a key');
    await page.getByTestId('filter-issues').press('Enter');
    await page.getByTestId('report-error').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('report-error').textContent()).toContain('expected an issue key or id');
    await assertAccessible(page, 'report refused');
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);

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
    // Stricter than elsewhere (minor too): this state has always audited clean.
    await assertAccessible(page, 'partial summary', 'minor');
    // The details list says so too, reached by keyboard.
    await page.getByTestId('tab-details').focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid="details"] [data-testid="partial-range"]', { timeout: 30_000 });
    await assertAccessible(page, 'partial details', 'minor');
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
    await assertAccessible(page, "inside Jira's iframe, grouped by user");
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);
});
