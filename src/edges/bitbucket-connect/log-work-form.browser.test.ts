import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertAccessible } from '../../../test/support/axe-audit.js';
import { CHROMIUM_PATH, hasChromium, launchChromium, newOfflineContext } from '../../../test/support/browser.js';
import { oneIssuePanel } from '../../bitbucket/bitbucket-test-kit.js';
import type { LogWorkFormView } from './log-work-form-view.js';
import { renderPullRequestPanel } from './pull-request-panel-view.js';

/*
 * The Connect pull-request panel with its log-work form in Chromium, in each state a person meets
 * (fresh, refused by Tally's checks, refused by Jira, written): axe finds nothing of moderate
 * impact or worse, and every field is reachable by its label with its hint and error read out.
 * The page is the server's HTML as is (no script runs on it).
 */

if (!hasChromium()) console.warn(`[browser tests skipped] ${CHROMIUM_PATH} is missing (apt-get install chromium).`);

const PANEL = oneIssuePanel();

const form = (changes: Partial<LogWorkFormView> = {}): LogWorkFormView => ({
  action: '/bitbucket/pr-panel/log-work',
  sessionToken: 'v1.token.signature',
  repository: 'team/repo',
  pullRequestId: 7,
  suggestedKeys: ['ABC-1'],
  values: { issue: 'ABC-1', date: '2026-11-17', startTime: '09:00', duration: '', comment: '' },
  fieldErrors: {},
  ...changes,
});

describe.skipIf(!hasChromium())('the Connect pull-request panel\'s log-work form in a browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  const states: [string, LogWorkFormView][] = [
    ['fresh', form()],
    ["refused by Tally's checks", form({ values: { issue: 'ABC-1', date: '2026-02-30', startTime: '09:00', duration: 'soon', comment: '' }, fieldErrors: { date: 'enter a date as YYYY-MM-DD', duration: 'enter a duration such as 1h 30m' } })],
    ['refused by Jira', form({ message: { kind: 'error', text: 'You do not have the permission to associate a worklog to this issue.', aboutIssue: true } })],
    ['written', form({ message: { kind: 'ok', text: 'Logged 45m on ABC-1, started 2026-11-17 at 09:00 (your Jira time zone).' } })],
  ];

  it.each(states)('has no accessibility violation when %s, and every field is found by its label', async (state, view) => {
    const { context } = await newOfflineContext(browser);
    const page = await context.newPage();
    await page.setContent(renderPullRequestPanel(PANEL, view));
    await assertAccessible(page, `Connect log-work form, ${state}`);
    for (const label of ['Issue', 'Date', 'Start time', 'Time spent', 'Comment (optional)']) expect(await page.getByLabel(label, { exact: true }).count(), label).toBe(1);
    if (view.fieldErrors.duration) {
      // The error is part of the field's description, as a screen reader announces it.
      const description = await page.getByLabel('Time spent').evaluate((input) =>
        (input.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent).join(' '),
      );
      expect(description).toContain('enter a duration such as 1h 30m');
    }
    await context.close();
  });
});
