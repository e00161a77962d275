import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertAccessible } from '../../../test/support/axe-audit.js';
import { CHROMIUM_PATH, collectPageProblems, hasChromium, launchChromium, newOfflineContext } from '../../../test/support/browser.js';
import type { LoggedWork } from '../../bitbucket/bitbucket-log-work.js';
import { oneIssuePanel } from '../../bitbucket/bitbucket-test-kit.js';
import { AppError } from '../../platform/app-error.js';
import type { LogWorkInput } from '../../worklog-writes/worklog-input.js';
import { startBitbucketForgeTestbed, type BitbucketForgeTestbed } from './bitbucket-forge-test-kit.js';

/*
 * The Bitbucket settings page in a real browser (Debian's Chromium): the static Custom UI served as
 * Forge's CDN would, a stand-in for Forge's host script whose `invoke` goes through the simulated
 * Forge platform (`bb.forge.invokeRemote`: a signed invocation token) to Tally over loopback. A
 * workspace admin pairs by keyboard, sees the linked site, unlinks.
 */

const CDN = 'https://forge-cdn.test/tally-bitbucket/';
const UI_DIR = fileURLToPath(new URL('../../../forge-bitbucket/static/tally-bitbucket/', import.meta.url));
const CONTENT_TYPES: Record<string, string> = { html: 'text/html', js: 'text/javascript', css: 'text/css' };
const SETTINGS = 'bitbucket:workspaceSettingsMenuPage';
const PR_PANEL = 'bitbucket:repoPullRequestOverviewPanel';

const PANEL = oneIssuePanel();
const JIRA_WORDS = 'You do not have the permission to associate a worklog to this issue.';

/** The core's log work, faked: the first write is refused as Jira refuses it, the next ones are written. */
const logWorkCalls: { accountId: string | undefined; input: LogWorkInput }[] = [];
const fakeLogWork = {
  async logWork({ accountId, input }: { accountId: string | undefined; input: LogWorkInput }): Promise<LoggedWork> {
    logWorkCalls.push({ accountId, input });
    if (logWorkCalls.length === 1) throw new AppError('JIRA_WORKLOG_REFUSED', JIRA_WORDS, { details: ['no_permission'], httpStatus: 403, expose: true });
    return { worklog: { id: 5, issueId: 10001, issueKey: input.issue, started: `${input.date}T${input.startTime}:00.000+0000`, timeSpentSeconds: 2_700, timeSpent: '45m', comment: null, authorAccountId: accountId ?? '' }, shown: true };
  },
};

/** The static Custom UI, served as Forge's CDN would serve it. */
const cdnFiles = () =>
  Object.fromEntries(
    ['index.html', 'app.js', 'bridge.js', 'render.js', 'style.css'].map((file) => [`${CDN}${file}`, { contentType: CONTENT_TYPES[file.split('.').pop()!]!, body: readFileSync(`${UI_DIR}${file}`, 'utf8') }]),
  );

if (!hasChromium()) console.warn(`[browser tests skipped] ${CHROMIUM_PATH} is missing (apt-get install chromium).`);

describe.skipIf(!hasChromium())('Bitbucket Custom UI in a browser', () => {
  let browser: Browser;
  let testbed: BitbucketForgeTestbed;
  beforeAll(async () => {
    browser = await launchChromium();
    testbed = await startBitbucketForgeTestbed({
      time: () => ({ pullRequestPanel: async () => PANEL, repositoryPage: () => Promise.reject(new Error('no repository page here')) }),
      worklogs: fakeLogWork,
    });
  });
  afterAll(async () => {
    await browser?.close();
    await testbed?.close();
  });

  it('pairs the workspace with a code typed by keyboard, shows the linked site, and unlinks', async () => {
    const workspace = testbed.bb.model.listWorkspaces()[0]!;
    await testbed.bb.forge.install({ workspace: workspace.uuid });
    const viewer = testbed.bb.forge.findInstallation(workspace.uuid)!.installerAccountId;
    const tenant = await testbed.registry.transaction((tx) => tx.createTenant({ platform: 'site', product: 'jira', baseUrl: 'https://acme.atlassian.net' }));
    const { code } = await testbed.installations.createPairingCode(tenant.id);

    const fulfil = Object.fromEntries(
      ['index.html', 'app.js', 'bridge.js', 'render.js', 'style.css'].map((file) => [`${CDN}${file}`, { contentType: CONTENT_TYPES[file.split('.').pop()!]!, body: readFileSync(`${UI_DIR}${file}`, 'utf8') }]),
    );
    const { context, blockedUrls } = await newOfflineContext(browser, { fulfil });
    const page = await context.newPage();
    const problems = collectPageProblems(page);
    // Forge's host script, reduced to the two calls the page makes; `invoke` goes through the simulated Forge.
    await page.exposeFunction('forgeInvoke', async (payload: { path: string; body?: unknown }) => {
      const answer = await testbed.bb.forge.invokeRemote({ path: payload.path, viewer, extension: { type: SETTINGS }, body: payload.body ?? {} });
      return { success: true, payload: { status: answer.status, headers: answer.headers, body: answer.body } };
    });
    await page.addInitScript(() => {
      const carrier = window as unknown as { __bridge: unknown; forgeInvoke(payload: unknown): Promise<unknown> };
      carrier.__bridge = { callBridge: (name: string, payload: unknown) => (name === 'getContext' ? Promise.resolve({ moduleKey: 'workspace-settings' }) : carrier.forgeInvoke(payload)) };
    });
    await page.goto(`${CDN}index.html`);

    const field = page.getByLabel('Pairing code');
    await field.waitFor();
    await field.focus();
    await page.keyboard.type('WRONG-CODE');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/pairing code/i);

    await field.fill('');
    await field.focus();
    await page.keyboard.type(code);
    await page.keyboard.press('Enter');
    await page.getByText('https://acme.atlassian.net').waitFor();
    expect(await testbed.installations.listLinked(tenant.id)).toHaveLength(1);

    await page.getByRole('button', { name: 'Unlink from Jira' }).click();
    await page.getByLabel('Pairing code').waitFor();
    expect(await testbed.installations.listLinked(tenant.id)).toEqual([]);
    expect(problems).toEqual([]);
    expect(blockedUrls).toEqual([]);
    await context.close();
  }, 60_000);

  it('logs work from the pull-request panel by keyboard: a refusal in Jira\'s words takes focus, the retry is written as the viewer', async () => {
    const workspace = testbed.bb.model.listWorkspaces()[0]!;
    if (!testbed.bb.forge.findInstallation(workspace.uuid)) await testbed.bb.forge.install({ workspace: workspace.uuid });
    const viewer = testbed.bb.forge.findInstallation(workspace.uuid)!.installerAccountId;
    const repository = testbed.bb.model.listRepositories(workspace.uuid)[0]!;
    const { context, blockedUrls } = await newOfflineContext(browser, { fulfil: cdnFiles() });
    const page = await context.newPage();
    const problems = collectPageProblems(page);
    await page.exposeFunction('forgeInvoke', async (payload: { path: string; body?: unknown }) => {
      const answer = await testbed.bb.forge.invokeRemote({ path: payload.path, viewer, extension: { type: PR_PANEL, repository: { uuid: repository.uuid }, pullRequest: { id: 7 } }, body: payload.body ?? {} });
      return { success: true, payload: { status: answer.status, headers: answer.headers, body: answer.body } };
    });
    await page.addInitScript(() => {
      const carrier = window as unknown as { __bridge: unknown; forgeInvoke(payload: unknown): Promise<unknown> };
      carrier.__bridge = { callBridge: (name: string, payload: unknown) => (name === 'getContext' ? Promise.resolve({ moduleKey: 'pull-request-time' }) : carrier.forgeInvoke(payload)) };
    });
    await page.goto(`${CDN}index.html`);

    const issue = page.getByLabel('Issue', { exact: true });
    await issue.waitFor();
    expect(await issue.inputValue()).toBe('ABC-1');
    await assertAccessible(page, 'pull-request panel with the log-work form');
    await page.getByLabel('Date').fill('2026-11-17');
    await page.getByLabel('Start time').fill('10:30');
    await page.getByLabel('Time spent').focus();
    await page.keyboard.type('45m');
    await page.keyboard.press('Enter');

    // Refused: Jira's words head the form as an alert, which takes focus; the values stay.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('lw-summary');
    expect(await page.getByRole('alert').textContent()).toContain(JIRA_WORDS);
    expect(await issue.getAttribute('aria-describedby')).toBe('lw-issue-hint lw-refusal');
    expect(await page.getByLabel('Time spent').inputValue()).toBe('45m');
    await assertAccessible(page, 'log-work form refused by Jira');

    await page.getByLabel('Time spent').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Logged 45m on ABC-1, started 2026-11-17 at 10:30 (your Jira time zone).');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('lw-summary');
    await assertAccessible(page, 'log-work form after a write');
    // Both calls named the viewer Forge signed in, never one the page sent.
    expect(logWorkCalls).toEqual([
      { accountId: viewer, input: { issue: 'ABC-1', date: '2026-11-17', startTime: '10:30', duration: '45m' } },
      { accountId: viewer, input: { issue: 'ABC-1', date: '2026-11-17', startTime: '10:30', duration: '45m' } },
    ]);
    expect(problems).toEqual([]);
    expect(blockedUrls).toEqual([]);
    await context.close();
  }, 60_000);
});
