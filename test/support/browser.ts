/**
 * Real-browser tests: Debian's Chromium (`apt-get install chromium`, done by `.ci/run`) driven by
 * playwright-core. No browser is ever downloaded, and the browser may reach only loopback: every
 * other request is aborted and recorded, like the no-outbound-network guard does for Node.
 */
import { existsSync, readFileSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Download, type Page } from 'playwright-core';

/** Where Debian's `chromium` package installs the browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags for a quiet, headless, offline-friendly Chromium in a container. */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

/** Whether the browser is installed (the browser tests skip, saying why, when it is not). */
export function hasChromium(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/** Launches Debian's Chromium headless. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
}

const LOOPBACK_HOST = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/;

/** A browser context that may only talk to loopback, with what it tried to reach elsewhere. */
export interface OfflineContext {
  context: BrowserContext;
  /** URLs of requests to other hosts, which were aborted (e.g. Jira's avatar CDN). */
  blockedUrls: string[];
}

/**
 * A fresh context (downloads accepted, fixed viewport) whose requests to anything but loopback
 * are aborted and recorded. `fulfil` answers chosen outside URLs instead (e.g. a stand-in for
 * Atlassian's all.js), still without any network.
 */
export async function newOfflineContext(browser: Browser, options: { fulfil?: Record<string, { contentType: string; body: string }> } = {}): Promise<OfflineContext> {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 }, locale: 'en-US' });
  const blockedUrls: string[] = [];
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === 'data:' || url.protocol === 'blob:' || LOOPBACK_HOST.test(url.hostname)) return route.continue();
    const answer = options.fulfil?.[url.href];
    if (answer) return route.fulfill({ status: 200, contentType: answer.contentType, body: answer.body });
    blockedUrls.push(url.href);
    return route.abort('internetdisconnected');
  });
  return { context, blockedUrls };
}

/** What went wrong inside the page: uncaught errors and CSP violations (console noise aside). */
export function collectPageProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) problems.push(`CSP: ${message.text()}`);
  });
  return problems;
}

/** Runs `action` (a click) and returns the file it downloaded: its suggested name and bytes. */
export async function downloadBy(page: Page, action: () => Promise<void>): Promise<{ filename: string; bytes: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 20_000 }), action()]);
  return { filename: download.suggestedFilename(), bytes: await readDownload(download) };
}

async function readDownload(download: Download): Promise<Buffer> {
  const failure = await download.failure();
  if (failure) throw new Error(`download failed: ${failure}`);
  const path = await download.path();
  return readFileSync(path);
}
