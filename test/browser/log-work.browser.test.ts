import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adfToText, isAdfDoc, textToAdf } from '../../simulator/jira/adf.js';
import type { SimIssue, SimUser, SimWorklog } from '../../simulator/jira/jira-site.js';
import { WORKLOG_PERMISSION_MESSAGES } from '../../simulator/jira/routes/worklog-write-permission.js';
import { assertAccessible } from '../support/axe-audit.js';
import { CHROMIUM_PATH, collectPageProblems, hasChromium, launchChromium, newOfflineContext } from '../support/browser.js';
import { focusedTestId, tabTo } from '../support/keyboard.js';
import { serverToken } from '../support/tally-tokens.js';
import { startReportSite, type ReportSite } from './report-site.js';

/**
 * Log work, edit, delete and the timer in a real browser (Debian's Chromium via playwright-core)
 * against Tally and a simulated Jira site on loopback HTTP, the page opened the way Jira opens it.
 * What Jira holds is read from the simulator itself: the worklog's author is the viewer, its
 * comment ADF, its time what the form said. axe-core audits the form, its error state, the timer
 * and the issue panel (impact moderate or worse fails); one test uses the keyboard alone.
 */

if (!hasChromium()) {
  console.warn(`[browser tests skipped] ${CHROMIUM_PATH} is missing. Install Debian's chromium (apt-get install chromium); .ci/run does, so CI never skips.`);
}

/** The user property the timer lives in (docs/api.md). */
const TIMER_PROPERTY = 'tally.timer';

const unique = (what: string) => `${what} ${randomBytes(4).toString('hex')}`;

/** An issue in a project everyone may browse, with time tracking on (a worklog can be written there). */
function openIssue(site: ReportSite, skip = 0): SimIssue {
  const jira = site.sim.site;
  const open = new Set([...jira.projects.values()].filter((project) => project.browsers === undefined).map((project) => project.id));
  const issue = [...jira.issues.values()].filter((candidate) => candidate.timeTrackingEnabled && open.has(candidate.projectId))[skip];
  if (!issue) throw new Error('the generated site has no open issue with time tracking');
  return issue;
}

/** A member of the site who is not an admin (the simulated scheme lets them work on open projects). */
function member(site: ReportSite): SimUser {
  const user = [...site.sim.site.users.values()].find((candidate) => candidate.active && candidate.accountType === 'atlassian' && !candidate.siteAdmin && !candidate.groups.includes('jira-administrators'));
  if (!user) throw new Error('the generated site has no active member');
  return user;
}

/**
 * The instant a wall-clock date and time name in `timeZone` (what Jira makes of the form's date
 * and start time: the viewer's own Jira zone). Independent of Tally: the zone's offset from Intl.
 */
function instantOfWallTime(date: string, time: string, timeZone: string): number {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  const wallAsUtc = Date.UTC(year, month - 1, day, hour, minute);
  const offsetAt = (instantMs: number) => {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
        .formatToParts(new Date(instantMs))
        .map((part) => [part.type, Number(part.value)]),
    ) as Record<string, number>;
    return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!) - Math.floor(instantMs / 60_000) * 60_000;
  };
  const guess = wallAsUtc - offsetAt(wallAsUtc);
  return wallAsUtc - offsetAt(guess);
}

/** The worklog Jira holds with this comment, if any. */
function worklogWithComment(site: ReportSite, comment: string): SimWorklog | undefined {
  return [...site.sim.site.worklogs.values()].find((worklog) => adfToText(worklog.comment) === comment);
}

/** Opens the report page through the simulated Jira's page host (302 to Tally with a fresh `?jwt=`). */
async function openReport(page: Page, site: ReportSite, asAccountId?: string): Promise<void> {
  const as = asAccountId ? `?as=${encodeURIComponent(asAccountId)}` : '';
  await page.goto(`${site.simUrl}/plugins/servlet/ac/${site.appKey}/tally-reports${as}`);
  // The month may hold no worklog yet: the summary, or the empty state, says the report is there.
  await page.locator('[data-testid="report"][data-state="ready"], [data-testid="report-empty"]').first().waitFor({ timeout: 30_000 });
  await page.getByTestId('log-work-open').waitFor();
}

/** Opens the issue panel the way a Connect issue panel loads it: the page URL with its context, signed with the exact qsh. */
async function openIssuePanel(page: Page, site: ReportSite, issueKey: string): Promise<void> {
  const pathAndQuery = `/pages/reports?view=issue-panel&issueKey=${encodeURIComponent(issueKey)}`;
  const jwt = serverToken({ clientKey: site.clientKey, sharedSecret: site.sharedSecret, nowMs: Date.now(), accountId: site.viewerAccountId, method: 'GET', pathAndQuery });
  await page.goto(`${site.tally.url}${pathAndQuery}&jwt=${encodeURIComponent(jwt)}`);
  await page.getByTestId('issue-panel').waitFor({ timeout: 30_000 });
}

function announcement(page: Page): Promise<string | null> {
  return page.getByTestId('log-work-announcement').textContent();
}

/** The details row of a worklog, once the report shows it (the details tab opened first). */
function detailsRow(page: Page, worklogId: number) {
  return page.locator(`[data-testid="details-row"][data-worklog-id="${worklogId}"]`);
}

async function showDetails(page: Page): Promise<void> {
  await page.getByTestId('tab-details').click();
  await page.getByTestId('details').or(page.getByTestId('report-empty')).first().waitFor({ timeout: 30_000 });
}

/** The focused element's test id and worklog id ("worklog-edit#123"). */
function focusedControl(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const active = document.activeElement;
    const testId = active?.getAttribute('data-testid');
    if (!testId) return null;
    const worklogId = active?.getAttribute('data-worklog-id');
    return worklogId ? `${testId}#${worklogId}` : testId;
  });
}

describe.skipIf(!hasChromium())('log work and the timer in Chromium', () => {
  let site: ReportSite;
  let browser: Browser;

  beforeAll(async () => {
    [site, browser] = await Promise.all([startReportSite({ worklogs: 60, seed: 16 }), launchChromium()]);
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  it('logs work from the report page as the viewer, shows it in the details, edits it and deletes it', async () => {
    const { context } = await newOfflineContext(browser);
    const page = await context.newPage();
    const problems = collectPageProblems(page);
    const issue = openIssue(site);
    const comment = unique('Reviewed the release notes');
    await openReport(page, site);

    await page.getByTestId('log-work-open').click();
    const dialog = page.getByTestId('log-work-dialog');
    await dialog.waitFor();
    expect(await focusedTestId(page)).toBe('log-work-issue');
    await assertAccessible(page, 'log-work form');
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/log-work-dialog.png' });
    await page.getByTestId('log-work-issue').fill(issue.key);
    await page.getByTestId('log-work-duration').fill('1h 30m');
    await page.getByTestId('log-work-comment').fill(comment);
    const date = await page.getByTestId('log-work-date').inputValue();
    const startTime = await page.getByTestId('log-work-startTime').inputValue();
    const submittedAtMs = Date.now();
    await page.getByTestId('log-work-submit').click();
    await expect.poll(() => announcement(page), { timeout: 20_000 }).toBe(`Logged 1h 30m on ${issue.key}.`);
    expect(await dialog.count()).toBe(0);
    expect(await focusedTestId(page)).toBe('log-work-open');

    // Jira holds it as the viewer wrote it: their own worklog, 90 minutes, the comment as ADF, started when the form said.
    const written = worklogWithComment(site, comment);
    expect(written).toMatchObject({ issueId: issue.id, authorId: site.viewerAccountId, updateAuthorId: site.viewerAccountId, timeSpentSeconds: 5400 });
    expect(isAdfDoc(written!.comment)).toBe(true);
    const viewerZone = site.sim.site.users.get(site.viewerAccountId)!.timeZone;
    expect(written!.startedMs).toBe(instantOfWallTime(date, startTime, viewerZone));
    // The form started at "now" on the viewer's Jira clock, whatever zone the browser is in.
    expect(Math.abs(written!.startedMs - submittedAtMs)).toBeLessThan(120_000);

    // The report shows it within moments: the write was announced to the sync.
    await showDetails(page);
    const row = detailsRow(page, written!.id);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.getByTestId('details-comment').textContent()).toBe(comment);
    expect(await row.locator('[data-seconds]').getAttribute('data-seconds')).toBe('5400');
    await assertAccessible(page, 'details with row actions');
    await page.screenshot({ path: 'test-results/log-work-details.png' });

    // Edit: the form holds Jira's values; only the duration changes.
    await row.getByTestId('worklog-edit').click();
    await page.getByTestId('log-work-form').waitFor();
    expect(await page.getByTestId('log-work-duration').inputValue()).toBe('1h 30m');
    expect(await page.getByTestId('log-work-comment').inputValue()).toBe(comment);
    await page.getByTestId('log-work-duration').fill('2h');
    await page.getByTestId('log-work-submit').click();
    await expect.poll(() => announcement(page), { timeout: 20_000 }).toBe(`Worklog on ${issue.key} updated: 2h.`);
    expect(site.sim.site.worklogs.get(written!.id)?.timeSpentSeconds).toBe(7200);
    await expect.poll(() => detailsRow(page, written!.id).locator('[data-seconds]').getAttribute('data-seconds'), { timeout: 10_000 }).toBe('7200');
    // The focus is back on the row's Edit button, even though the report was rebuilt behind the dialog.
    await expect.poll(() => focusedControl(page), { timeout: 10_000 }).toBe(`worklog-edit#${written!.id}`);

    // Delete asks first; Escape backs out to the Delete button, Enter then Space deletes.
    await detailsRow(page, written!.id).getByTestId('worklog-delete').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => focusedTestId(page)).toBe('delete-worklog-confirm');
    await assertAccessible(page, 'delete question');
    await page.keyboard.press('Escape');
    await expect.poll(() => focusedControl(page)).toBe(`worklog-delete#${written!.id}`);
    expect(site.sim.site.worklogs.has(written!.id)).toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(() => focusedTestId(page)).toBe('delete-worklog-confirm');
    await page.keyboard.press('Space');
    await expect.poll(() => announcement(page), { timeout: 20_000 }).toBe(`Worklog on ${issue.key} deleted.`);
    expect(site.sim.site.worklogs.has(written!.id)).toBe(false);
    expect(site.sim.site.deletedAt.has(written!.id)).toBe(true);
    await expect.poll(() => detailsRow(page, written!.id).count(), { timeout: 10_000 }).toBe(0);
    // The row is gone: the focus lands on the list (or the page's Log work button), never the top of the page.
    await expect.poll(() => focusedTestId(page), { timeout: 10_000 }).toMatch(/^(details-table|log-work-open)$/);
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it('keeps a timer across a reload, and stopping it writes the worklog the report then shows', async () => {
    const { context } = await newOfflineContext(browser);
    const page = await context.newPage();
    const problems = collectPageProblems(page);
    const issue = openIssue(site, 1);
    await openReport(page, site);
    const before = new Set(site.sim.site.worklogs.keys());

    await page.getByTestId('timer-issue').fill(issue.key);
    await page.getByTestId('timer-start').click();
    await page.locator('[data-testid="timer"][data-state="running"]').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('timer-issue-key').textContent()).toBe(issue.key);
    expect(await focusedTestId(page)).toBe('timer-stop');
    // The running time is a timer (not read out on every change), named in words.
    expect(await page.getByTestId('timer-elapsed').getAttribute('aria-label')).toBe('running for 0 minutes');
    // Its state is in Jira, as the viewer's user property; Tally's store holds nothing of it.
    expect(site.sim.site.userProperties.find(site.viewerAccountId, TIMER_PROPERTY)).toBeDefined();
    await assertAccessible(page, 'timer running');
    await page.screenshot({ path: 'test-results/log-work-timer.png' });

    await page.reload();
    await page.locator('[data-testid="timer"][data-state="running"]').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('timer-issue-key').textContent()).toBe(issue.key);

    await page.getByTestId('timer-stop').click();
    await expect.poll(() => announcement(page), { timeout: 20_000 }).toMatch(new RegExp(`^Timer stopped: logged \\S+ on ${issue.key}\\.$`));
    await page.locator('[data-testid="timer"][data-state="stopped"]').waitFor();
    expect(await focusedTestId(page)).toBe('timer-start');
    expect(site.sim.site.userProperties.find(site.viewerAccountId, TIMER_PROPERTY)).toBeUndefined();
    const created = [...site.sim.site.worklogs.values()].filter((worklog) => !before.has(worklog.id));
    expect(created).toHaveLength(1);
    // Well under a minute ran: the worklog is the one-minute minimum, the viewer's own.
    expect(created[0]).toMatchObject({ issueId: issue.id, authorId: site.viewerAccountId, timeSpentSeconds: 60 });

    await showDetails(page);
    await detailsRow(page, created[0]!.id).waitFor({ timeout: 10_000 });

    // A timer started 90 minutes ago on another device (it lives in Jira): the page shows its
    // running time after a reload, and stopping writes those 90 minutes from when it started.
    const startedAtMs = Math.floor((Date.now() - 90 * 60_000) / 1000) * 1000;
    const timer = { issueId: issue.id, issueKey: issue.key, startedAt: new Date(startedAtMs).toISOString(), comment: null };
    site.sim.site.userProperties.set(site.viewerAccountId, TIMER_PROPERTY, JSON.stringify(timer));
    await page.reload();
    await page.locator('[data-testid="timer"][data-state="running"]').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('timer-elapsed').textContent()).toBe('1:30');
    expect(await page.getByTestId('timer-elapsed').getAttribute('aria-label')).toBe('running for 1 hour 30 minutes');
    const beforeSecond = new Set(site.sim.site.worklogs.keys());
    await page.getByTestId('timer-stop').click();
    await expect.poll(() => announcement(page), { timeout: 20_000 }).toBe(`Timer stopped: logged 1h 30m on ${issue.key}.`);
    const second = [...site.sim.site.worklogs.values()].filter((worklog) => !beforeSecond.has(worklog.id));
    expect(second).toHaveLength(1);
    expect(second[0]).toMatchObject({ issueId: issue.id, authorId: site.viewerAccountId, timeSpentSeconds: 5400, startedMs: startedAtMs });
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it("shows Jira's refusal in Jira's words to a user who may not log work, and field problems before asking", async () => {
    const user = member(site);
    user.withheldPermissions = ['WORK_ON_ISSUES'];
    const { context } = await newOfflineContext(browser);
    const page = await context.newPage();
    const problems = collectPageProblems(page);
    const issue = openIssue(site);
    try {
      await openReport(page, site, user.accountId);
      await page.getByTestId('log-work-open').click();
      await page.getByTestId('log-work-issue').fill(issue.key);

      // A duration Jira would not take: said at the field, which takes the focus.
      await page.getByTestId('log-work-duration').fill('an hour');
      await page.getByTestId('log-work-submit').click();
      await expect.poll(() => focusedTestId(page)).toBe('log-work-duration');
      const duration = page.getByTestId('log-work-duration');
      expect(await duration.getAttribute('aria-invalid')).toBe('true');
      const problemId = await page.getByTestId('log-work-duration-problem').getAttribute('id');
      expect((await duration.getAttribute('aria-describedby'))?.split(' ')).toContain(problemId);
      await assertAccessible(page, 'log-work field problem');

      const before = site.sim.site.worklogs.size;
      await duration.fill('30m');
      await page.getByTestId('log-work-submit').click();
      const message = page.getByTestId('log-work-error-message');
      await message.waitFor({ timeout: 20_000 });
      expect(await message.textContent()).toBe(WORKLOG_PERMISSION_MESSAGES.create);
      expect(await page.getByTestId('log-work-error').getAttribute('role')).toBe('alert');
      expect(await focusedTestId(page)).toBe('log-work-error');
      expect(site.sim.site.worklogs.size).toBe(before);
      await assertAccessible(page, 'log-work refused');
      expect(problems).toEqual([]);
    } finally {
      user.withheldPermissions = undefined;
      await context.close();
    }
  }, 60_000);

  it("keeps a worklog Jira will not let its author delete, and says so in Jira's words", async () => {
    const user = member(site);
    const issue = openIssue(site, 4);
    const comment = unique('Kept by Jira');
    const own = site.sim.site.createWorklog({ issueId: issue.id, authorId: user.accountId, comment: textToAdf(comment), startedMs: site.sim.site.clock.now() - 3_600_000, timeSpentSeconds: 1800 });
    user.withheldPermissions = ['DELETE_OWN_WORKLOGS'];
    const { context } = await newOfflineContext(browser);
    const page = await context.newPage();
    const problems = collectPageProblems(page);
    try {
      // Tally hears of the worklog by Jira's webhook; the page shows it once it holds it.
      await expect
        .poll(
          async () => {
            await openReport(page, site, user.accountId);
            await showDetails(page);
            return detailsRow(page, own.id).count();
          },
          { timeout: 30_000 },
        )
        .toBe(1);
      await detailsRow(page, own.id).getByTestId('worklog-delete').click();
      await expect.poll(() => focusedTestId(page)).toBe('delete-worklog-confirm');
      await page.keyboard.press('Enter');
      const message = page.getByTestId('log-work-error-message');
      await message.waitFor({ timeout: 20_000 });
      expect(await message.textContent()).toBe(WORKLOG_PERMISSION_MESSAGES.delete);
      expect(await focusedTestId(page)).toBe('log-work-error');
      expect(site.sim.site.worklogs.has(own.id)).toBe(true);
      await assertAccessible(page, 'delete refused');
      // Cancel leaves it, and the focus goes back to its Delete button.
      await page.getByTestId('delete-worklog-cancel').click();
      await expect.poll(() => focusedControl(page)).toBe(`worklog-delete#${own.id}`);
      expect(problems).toEqual([]);
    } finally {
      user.withheldPermissions = undefined;
      await context.close();
    }
  }, 60_000);

  it('logs work by keyboard alone and gives the focus back where the user was', async () => {
    const { context } = await newOfflineContext(browser);
    const page = await context.newPage();
    const problems = collectPageProblems(page);
    const issue = openIssue(site, 2);
    await openReport(page, site);

    // Escape closes the dialog and gives the focus back.
    await tabTo(page, 'log-work-open');
    await page.keyboard.press('Enter');
    await expect.poll(() => focusedTestId(page)).toBe('log-work-issue');
    await page.keyboard.press('Escape');
    await expect.poll(() => focusedTestId(page)).toBe('log-work-open');

    await page.keyboard.press('Enter');
    await expect.poll(() => focusedTestId(page)).toBe('log-work-issue');
    await page.keyboard.type(issue.key);
    await tabTo(page, 'log-work-duration');
    await page.keyboard.type('45m');
    await tabTo(page, 'log-work-submit');
    await page.keyboard.press('Enter');
    await expect.poll(() => announcement(page), { timeout: 20_000 }).toBe(`Logged 45m on ${issue.key}.`);
    await expect.poll(() => focusedTestId(page)).toBe('log-work-open');
    const written = [...site.sim.site.worklogs.values()].find((worklog) => worklog.issueId === issue.id && worklog.authorId === site.viewerAccountId && worklog.timeSpentSeconds === 2700);
    expect(written).toBeDefined();
    // Still there a moment later, after the report refreshed behind it.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await focusedTestId(page)).toBe('log-work-open');

    // From a details row: "Log work on this issue" (the issue given), Enter in a field submits,
    // and the focus comes back to that row's button once the rebuilt list shows it again.
    await tabTo(page, 'tab-summary');
    await page.keyboard.press('ArrowRight');
    const row = detailsRow(page, written!.id);
    await row.waitFor({ timeout: 10_000 });
    await tabTo(page, 'worklog-log-here', 200);
    const rowId = await page.evaluate(() => document.activeElement?.getAttribute('data-worklog-id'));
    const rowIssue = await page.locator(`[data-testid="details-row"][data-worklog-id="${rowId}"] .issue-key`).textContent();
    await page.keyboard.press('Enter');
    await expect.poll(() => focusedTestId(page)).toBe('log-work-date');
    expect(await page.getByTestId('log-work-issue-fixed').textContent()).toContain(rowIssue!);
    await tabTo(page, 'log-work-duration');
    await page.keyboard.type('20m');
    await page.keyboard.press('Enter');
    await expect.poll(() => announcement(page), { timeout: 20_000 }).toBe(`Logged 20m on ${rowIssue}.`);
    await expect.poll(() => focusedControl(page), { timeout: 10_000 }).toBe(`worklog-log-here#${rowId}`);
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);

  it("shows the issue panel: the issue's timer and log-work form, by keyboard, accessible", async () => {
    const { context } = await newOfflineContext(browser);
    const page = await context.newPage();
    const problems = collectPageProblems(page);
    const issue = openIssue(site, 3);
    // As narrow as Jira's issue-view side panel.
    await page.setViewportSize({ width: 380, height: 900 });
    await openIssuePanel(page, site, issue.key);
    expect(await page.locator('h1').textContent()).toBe(`Time on ${issue.key}`);
    await page.locator('[data-testid="timer"][data-state="stopped"]').waitFor({ timeout: 20_000 });
    await assertAccessible(page, 'issue panel');

    await tabTo(page, 'log-work-duration');
    await page.keyboard.type('15m');
    await tabTo(page, 'log-work-comment');
    const comment = unique('Paired on the fix');
    await page.keyboard.type(comment);
    await tabTo(page, 'log-work-submit');
    await page.keyboard.press('Enter');
    await expect.poll(() => announcement(page), { timeout: 20_000 }).toBe(`Logged 15m on ${issue.key}.`);
    expect(worklogWithComment(site, comment)).toMatchObject({ issueId: issue.id, authorId: site.viewerAccountId, timeSpentSeconds: 900 });
    // The form starts again for the next entry, the focus on its first field.
    await expect.poll(() => focusedTestId(page)).toBe('log-work-date');
    expect(await page.getByTestId('log-work-duration').inputValue()).toBe('');

    // The timer here is for this issue; discarding asks first and writes nothing.
    await tabTo(page, 'timer-start');
    await page.keyboard.press('Enter');
    await page.locator('[data-testid="timer"][data-state="running"]').waitFor({ timeout: 20_000 });
    await assertAccessible(page, 'issue panel, timer running');
    await page.screenshot({ path: 'test-results/log-work-issue-panel.png', fullPage: true });
    const before = site.sim.site.worklogs.size;
    await tabTo(page, 'timer-discard');
    await page.keyboard.press('Enter');
    await expect.poll(() => focusedTestId(page)).toBe('timer-discard-confirm');
    await page.keyboard.press('Enter');
    await page.locator('[data-testid="timer"][data-state="stopped"]').waitFor({ timeout: 20_000 });
    await expect.poll(() => announcement(page)).toBe('Timer discarded; nothing was logged.');
    expect(site.sim.site.worklogs.size).toBe(before);
    expect(site.sim.site.userProperties.find(site.viewerAccountId, TIMER_PROPERTY)).toBeUndefined();
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);
});
