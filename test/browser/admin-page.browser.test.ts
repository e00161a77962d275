import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimUser } from '../../simulator/jira/jira-site.js';
import type { BitbucketInstallations } from '../../src/bitbucket/bitbucket-installations.js';
import { sqliteTenantDbPath } from '../../src/store/sqlite-store-provider.js';
import type { TenantId } from '../../src/tenants/tenant.js';
import { auditAccessibility } from '../support/axe-audit.js';
import { CHROMIUM_PATH, collectPageProblems, downloadBy, hasChromium, launchChromium, newOfflineContext } from '../support/browser.js';
import { focusedTestId, tabTo } from '../support/keyboard.js';
import { contextToken } from '../support/tally-tokens.js';
import { startReportSite, type ReportSite } from './report-site.js';

/**
 * Tally's Jira admin page — the sync overview and its actions, and the Bitbucket workspaces
 * section — in a real browser (Debian's Chromium via playwright-core) against Tally and a
 * simulated Jira site on loopback HTTP, opened the way Jira opens Connect's admin page. Driven by
 * keyboard alone; axe-core audits every state. The Bitbucket side (an installation redeeming the
 * code) is set up through the running Tally's core installations port, and a reconciliation's
 * finding is made by removing a worklog from Tally's store behind its back: that is setup, not
 * what is under test. What the page shows is checked against the simulator, the backup file on
 * disk and the public data-statement route.
 */

const SCREENSHOT_PATH = 'test-results/admin-page.png';
// A 1×1 PNG as the installer's avatar: the CSP allows data: images, and the test stays offline.
const AVATAR_URL = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';
const PAIRING_CODE_SHAPE = /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/;

if (!hasChromium()) {
  console.warn(`[browser tests skipped] ${CHROMIUM_PATH} is missing. Install Debian's chromium (apt-get install chromium); .ci/run does, so CI never skips.`);
}

/** A user of the simulated site who holds no ADMINISTER (simulator/jira/routes/platform-permission-grants.ts). */
function findNonAdmin(site: ReportSite): SimUser {
  const user = [...site.sim.site.users.values()].find(
    (candidate) => candidate.active && candidate.accountType === 'atlassian' && !candidate.siteAdmin && !candidate.groups.includes('jira-administrators'),
  );
  if (!user) throw new Error('the generated site has no active user without ADMINISTER');
  return user;
}

/** Opens the admin page through the simulated Jira's page host (302 to Tally with a fresh `?jwt=`). */
async function openAdminPage(page: Page, site: ReportSite, asAccountId?: string): Promise<void> {
  const as = asAccountId ? `?as=${encodeURIComponent(asAccountId)}` : '';
  await page.goto(`${site.simUrl}/plugins/servlet/ac/${site.appKey}/tally-admin${as}`);
  expect(new URL(page.url()).origin).toBe(site.tally.url);
  await page.getByTestId('admin-page').waitFor({ timeout: 30_000 });
}

async function expectAccessible(page: Page, state: string): Promise<void> {
  expect({ state, violations: await auditAccessibility(page) }).toEqual({ state, violations: [] });
}

function announcement(page: Page): Promise<string | null> {
  return page.getByTestId('admin-announcement').textContent();
}

function syncAnnouncement(page: Page): Promise<string | null> {
  return page.getByTestId('admin-sync-announcement').textContent();
}

describe.skipIf(!hasChromium())('admin page (Bitbucket workspaces) in Chromium', () => {
  let site: ReportSite;
  let browser: Browser;
  let installations: BitbucketInstallations;
  let tenantId: TenantId;

  beforeAll(async () => {
    [site, browser] = await Promise.all([startReportSite({ worklogs: 60, seed: 31 }), launchChromium()]);
    // The running Tally's own registry (what its Bitbucket edges redeem codes through).
    installations = site.tally.tally.bitbucket.installations;
    const [tenant] = await site.tally.registry.listInstalled();
    if (!tenant) throw new Error('Tally has no installed tenant');
    tenantId = tenant.id;
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  it('lets a site admin create a pairing code that links a workspace, list it and unlink it, by keyboard alone', async () => {
    const { context } = await newOfflineContext(browser);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: site.tally.url });
    const page = await context.newPage();
    const problems = collectPageProblems(page);
    await openAdminPage(page, site);
    expect(await page.title()).toBe('Tally settings');

    // Nothing linked yet.
    await page.locator('[data-testid="linked-workspaces"][data-state="ready"]').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('workspaces-empty').isVisible()).toBe(true);
    await expectAccessible(page, 'empty');

    // A code, by keyboard: shown large, the expected shape, valid 15 minutes, once.
    await tabTo(page, 'create-pairing-code');
    await page.keyboard.press('Enter');
    const codeElement = page.getByTestId('pairing-code');
    await codeElement.waitFor({ timeout: 30_000 });
    const code = (await codeElement.textContent()) ?? '';
    expect(code).toMatch(PAIRING_CODE_SHAPE);
    expect(await page.getByTestId('pairing-validity').textContent()).toContain(`valid for ${site.tally.tally.config.bitbucketPairingMinutes} minutes, works once`);
    expect(await page.getByTestId('pairing-where').textContent()).toMatch(/Workspace settings → Tally.*Forge app.*Connect app/);
    await expect.poll(() => announcement(page)).toMatch(/^Pairing code created/);
    await expectAccessible(page, 'code shown');

    // Copy, by keyboard: the clipboard then holds exactly the code shown.
    await tabTo(page, 'copy-pairing-code');
    await page.keyboard.press('Space');
    await expect.poll(() => announcement(page)).toBe('Code copied.');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(code);

    // The Bitbucket side redeems the code the page showed: the workspace is linked to this site.
    const installation = await installations.transaction((tx) =>
      tx.create({ edge: 'bitbucket-forge', state: 'active', installer: { uuid: '{5b7a1e2c-0d4f-4c1b-9a55-3f2b8e6d7c10}', username: 'ana-bitbucket', avatarUrl: AVATAR_URL } }),
    );
    const linked = await installations.redeemPairingCode(installation.id, code);
    expect(linked.jiraTenantId).toBe(tenantId);

    // Refresh, by keyboard: the list shows it — installer, platform, the link's date.
    await tabTo(page, 'refresh-workspaces');
    await page.keyboard.press('Enter');
    const item = page.locator(`[data-testid="workspace"][data-id="${installation.id}"]`);
    await item.waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('workspace').count()).toBe(1);
    expect(await item.getByTestId('workspace-installer').textContent()).toBe('Installed by ana-bitbucket');
    expect(await item.getByTestId('workspace-platform').textContent()).toBe('Forge app');
    expect(await item.locator('img.avatar').getAttribute('src')).toBe(AVATAR_URL);
    expect(await item.getByTestId('workspace-linked-at').getAttribute('datetime')).toBe(new Date(linked.linkedAtMs ?? Number.NaN).toISOString());
    await expectAccessible(page, 'one workspace linked');

    // Unlink asks first; Escape backs out and gives the focus back.
    await tabTo(page, 'unlink');
    await page.keyboard.press('Enter');
    await expect.poll(() => focusedTestId(page)).toBe('unlink-confirm');
    await expectAccessible(page, 'unlink confirm');
    await page.keyboard.press('Escape');
    await expect.poll(() => focusedTestId(page)).toBe('unlink');
    expect((await installations.listLinked(tenantId)).map((i) => i.id)).toEqual([installation.id]);

    // Then for real, with Space on the confirm button.
    await page.keyboard.press('Enter');
    await expect.poll(() => focusedTestId(page)).toBe('unlink-confirm');
    await page.keyboard.press('Space');
    await page.getByTestId('workspaces-empty').waitFor({ timeout: 30_000 });
    await expect.poll(() => announcement(page)).toBe('Workspace installed by ana-bitbucket unlinked.');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('linked-workspaces-heading');
    expect(await installations.listLinked(tenantId)).toEqual([]);
    expect((await installations.find(installation.id))?.jiraTenantId).toBeNull();
    await expectAccessible(page, 'unlinked');

    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: SCREENSHOT_PATH, fullPage: true });
    expect(problems).toEqual([]);
    await installations.remove(installation.id);
    await context.close();
  }, 120_000);

  it('tells a viewer who is not a Jira site admin that only site admins may use the page, and shows nothing else', async () => {
    const nonAdmin = findNonAdmin(site);
    const { context } = await newOfflineContext(browser);
    const page = await context.newPage();
    const problems = collectPageProblems(page);
    await openAdminPage(page, site, nonAdmin.accountId);
    const message = page.getByTestId('admin-refused');
    await message.waitFor({ timeout: 30_000 });
    expect(await message.textContent()).toBe('Only Jira site admins can see and change Tally’s settings. Ask a site admin of this Jira site if you need something here.');
    expect(await message.getAttribute('role')).toBe('alert');
    for (const testId of ['admin-sync', 'admin-actions', 'admin-backups', 'create-pairing-code', 'workspace-list']) expect(await page.getByTestId(testId).count(), testId).toBe(0);
    await expectAccessible(page, 'not an admin');
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);

  it('is reachable from the report page opened outside Jira, through an Admin link', async () => {
    const { context } = await newOfflineContext(browser);
    const page = await context.newPage();
    const problems = collectPageProblems(page);
    // No `xdm_e`: the page runs standalone, as on the self-hosted site, and links its views itself.
    await page.goto(`${site.simUrl}/plugins/servlet/ac/${site.appKey}/tally-reports`);
    await page.getByTestId('report').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('view-link-report').getAttribute('aria-current')).toBe('page');
    await tabTo(page, 'view-link-admin');
    await page.keyboard.press('Enter');
    await page.getByTestId('admin-page').waitFor({ timeout: 30_000 });
    expect(new URL(page.url()).hash).toBe('#admin');
    expect(await page.getByTestId('view-link-admin').getAttribute('aria-current')).toBe('page');
    await page.locator('[data-testid="linked-workspaces"][data-state="ready"]').waitFor({ timeout: 30_000 });
    await expectAccessible(page, 'standalone admin view');
    // Back returns to the report.
    await page.goBack();
    await page.getByTestId('report').waitFor({ timeout: 30_000 });
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);

  it("shows the sync, a reconciliation's findings, backups and a running full sync's progress, and acts by keyboard alone", async () => {
    const { context } = await newOfflineContext(browser);
    const page = await context.newPage();
    const problems = collectPageProblems(page);
    const config = site.tally.tally.config;
    await openAdminPage(page, site);

    const sync = page.locator('[data-testid="admin-sync"][data-phase="incremental"]');
    await sync.waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('admin-sync-phase').textContent()).toMatch(/^Up to date/);
    expect(await page.getByTestId('admin-last-incremental').textContent()).not.toBe('never');
    expect(await page.getByTestId('admin-reconciliation-none').isVisible()).toBe(true);
    expect(await page.getByTestId('admin-backups-empty').isVisible()).toBe(true);
    await expectAccessible(page, 'sync overview');

    // A worklog Jira holds goes missing from Tally's store; "Reconcile now" finds and repairs it.
    const missing = site.expectedWorklogs({ from: '1970-01-01', to: '2999-12-31' }, 'UTC')[0]!;
    const db = new Database(sqliteTenantDbPath(config.dataDir, tenantId));
    try {
      expect(db.prepare('DELETE FROM worklogs WHERE client_worklog_id = ?').run(missing.id).changes).toBe(1);
    } finally {
      db.close();
    }
    await tabTo(page, 'admin-reconcile');
    await page.keyboard.press('Enter');
    await expect.poll(() => syncAnnouncement(page)).toMatch(/^Reconciliation queued/);
    expect(await focusedTestId(page)).toBe('admin-reconcile');
    await expect.poll(() => page.getByTestId('admin-reconciliation-missing').textContent().catch(() => null), { timeout: 30_000 }).toBe('1');
    expect(await page.getByTestId('admin-reconciliation-extra').textContent()).toBe('0');
    expect(await page.getByTestId('admin-reconciliation-invisible').textContent()).toBe('0');
    expect(await page.getByTestId('admin-reconciliation').textContent()).toContain(`compared its copy with the ${site.expectedWorklogs({ from: '1970-01-01', to: '2999-12-31' }, 'UTC').length} worklogs`);
    await expectAccessible(page, 'reconciliation findings');

    // A backup, by keyboard: listed with the size of the file on disk.
    await tabTo(page, 'admin-create-backup');
    await page.keyboard.press('Enter');
    const backupRow = page.getByTestId('admin-backup');
    await backupRow.waitFor({ timeout: 30_000 });
    await expect.poll(() => syncAnnouncement(page)).toMatch(/^Backup created \(/);
    const backupId = (await backupRow.getAttribute('data-backup-id'))!;
    const bytes = Number(await backupRow.locator('[data-bytes]').getAttribute('data-bytes'));
    expect(bytes).toBe(statSync(join(config.backupDir, tenantId, `${backupId}.sqlite`)).size);
    await expectAccessible(page, 'one backup');

    // The data statement, by keyboard: the same text the public route serves.
    await tabTo(page, 'admin-data-statement');
    const file = await downloadBy(page, () => page.keyboard.press('Enter'));
    const published = await (await fetch(`${site.tally.url}/data-statement?format=markdown`)).text();
    expect(file.filename).toMatch(/\.md$/);
    expect(file.bytes.toString('utf8')).toBe(published);

    // A date range with no dates is refused at the field, which takes the focus.
    await tabTo(page, 'admin-resync-range');
    await page.keyboard.press('Enter');
    await expect.poll(() => focusedTestId(page)).toBe('admin-resync-from');
    expect(await page.getByTestId('admin-resync-problem').textContent()).toBe('Enter both dates of the range.');
    await expectAccessible(page, 're-sync range problem');

    // A real range is queued, and Tally's audit log records it as asked.
    const to = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10);
    await page.getByTestId('admin-resync-from').fill(from);
    await page.getByTestId('admin-resync-to').fill(to);
    await tabTo(page, 'admin-resync-range');
    await page.keyboard.press('Enter');
    await expect.poll(() => syncAnnouncement(page)).toBe(`Re-sync of ${from} to ${to} queued.`);
    expect(await page.getByTestId('admin-resync-problem').count()).toBe(0);
    const audited = (await site.tally.tally.audit.listAudit({ tenantId, limit: 1000 })).filter((entry) => entry.event === 'admin.resync_requested');
    expect(audited.at(-1)).toMatchObject({ detail: { step: 'date_range', dateRange: `${from}..${to}` } });

    // Re-sync everything asks first; with Jira answering slowly, the page shows the full sync running.
    const slow = site.sim.faults.add({ kind: 'timeout', delayMs: 2000, match: { path: /\/rest\/api\/3\/(worklog|issue|search)/ }, times: Infinity });
    try {
      await tabTo(page, 'admin-resync-all');
      await page.keyboard.press('Enter');
      await expect.poll(() => focusedTestId(page)).toBe('admin-resync-all-confirm');
      await expectAccessible(page, 're-sync everything question');
      await page.keyboard.press('Enter');
      await expect.poll(() => syncAnnouncement(page)).toBe('Re-sync of everything queued: the full sync starts again.');
      expect(await focusedTestId(page)).toBe('admin-resync-all');
      await page.locator('[data-testid="admin-sync"][data-phase="full"]').waitFor({ timeout: 30_000 });
      const progress = page.getByTestId('admin-sync-progress');
      expect(await progress.getAttribute('role')).toBe('progressbar');
      // The bar shows the server's own progress (asked here directly, as the same admin).
      const serverPercent = async () => {
        const token = contextToken({ clientKey: site.clientKey, sharedSecret: site.sharedSecret, nowMs: Date.now(), accountId: site.viewerAccountId });
        const answer = (await (await fetch(`${site.tally.url}/api/admin/overview`, { headers: { authorization: `JWT ${token}` } })).json()) as { sync: { phase: string; fraction: number } };
        return answer.sync.phase === 'full' ? Math.floor(answer.sync.fraction * 100) : 'finished';
      };
      await expect.poll(async () => [await progress.getAttribute('aria-valuenow'), String(await serverPercent())], { timeout: 15_000 }).toSatisfy(([shown, truth]) => shown === truth || truth === 'finished');
      const now = Number(await progress.getAttribute('aria-valuenow'));
      expect(now).toBeGreaterThanOrEqual(0);
      expect(now).toBeLessThan(100);
      expect(await page.getByTestId('admin-sync-percent').textContent()).toBe(`${now}%`);
      expect(await page.getByTestId('admin-sync-eta').textContent()).toMatch(/^(Estimating the time left|About .+ left)/);
      await expectAccessible(page, 'full sync running');
      mkdirSync('test-results', { recursive: true });
      await page.screenshot({ path: 'test-results/admin-sync.png', fullPage: true });
    } finally {
      site.sim.faults.remove(slow);
    }
    await page.locator('[data-testid="admin-sync"][data-phase="incremental"]').waitFor({ timeout: 90_000 });
    expect(problems).toEqual([]);
    await context.close();
  }, 180_000);
});
