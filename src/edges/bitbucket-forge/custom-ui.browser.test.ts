import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, collectPageProblems, hasChromium, launchChromium, newOfflineContext } from '../../../test/support/browser.js';
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

if (!hasChromium()) console.warn(`[browser tests skipped] ${CHROMIUM_PATH} is missing (apt-get install chromium).`);

describe.skipIf(!hasChromium())('Bitbucket Custom UI in a browser', () => {
  let browser: Browser;
  let testbed: BitbucketForgeTestbed;
  beforeAll(async () => {
    browser = await launchChromium();
    testbed = await startBitbucketForgeTestbed();
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
});
