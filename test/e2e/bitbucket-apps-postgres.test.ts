import type { Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BB_INSTALL_CANARY_PHONE } from '../../simulator/bitbucket/bitbucket-connect-host.js';
import type { BitbucketInstallationId } from '../../src/bitbucket/bitbucket-installations.js';
import { addInstaller, chooseScene, expectedPanel, formField, occurring, pullRequestMentioningScene, tableSeconds } from '../support/bitbucket-apps-scene.js';
import { startBitbucketAppsTestbed, type BitbucketAppsTestbed } from '../support/bitbucket-apps-testbed.js';
import { createTestPostgresDatabase, describeWithPostgres, type TestPostgresDatabase } from '../support/postgres.js';
import { dropPlacedTenantDatabases } from '../support/postgres-tenant-databases.js';

/*
 * The Bitbucket Connect path of bitbucket-apps.test.ts once more with the control database on
 * PostgreSQL: install (pending, then active), pair, the panel's totals, unlink — this time from the
 * Bitbucket side, the configure page's Unlink button — and a signed uninstall that leaves no row.
 */

const WORKSPACE = 'connect-team';

let database: TestPostgresDatabase;
let bed: BitbucketAppsTestbed;

beforeAll(async () => {
  database = await createTestPostgresDatabase();
  bed = await startBitbucketAppsTestbed({ databaseUrl: database.url, jiraGenerate: { worklogs: 300, issues: 30, projects: 3, users: 30, deletedUserShare: 0, seed: 29 } });
}, 60_000);

afterAll(async () => {
  await bed?.close();
  // The Jira site stays installed: its tenant database (PostgreSQL store) goes here.
  if (database) await dropPlacedTenantDatabases(database.url);
  await database?.drop();
});

describeWithPostgres('Tally for Bitbucket Cloud, the Connect app with the control database on PostgreSQL', () => {
  it('installs pending then active, pairs, shows the panel\'s totals, unlinks from Bitbucket and uninstalls without a trace', async () => {
    const db = bed.tally.control.db as unknown as Kysely<any>;
    const scene = chooseScene(bed);
    const { a, b, c } = scene.issues;
    const starts = scene.synced.filter((w) => w.issueId === a.id || w.issueId === b.id).map((w) => w.startedMs).sort((x, y) => x - y);
    const openedAtMs = starts[Math.floor(starts.length / 4)]!;
    const closedAtMs = Math.max(starts[Math.floor((3 * starts.length) / 4)]!, openedAtMs + 1);
    const pr = pullRequestMentioningScene(bed, scene, { workspace: WORKSPACE, repository: 'api', openedAtMs, closedAtMs });
    const installer = addInstaller(bed, WORKSPACE, 'Pat Installer');

    // Install: pending while Tally's confirming call is held, active once Bitbucket answered it.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    bed.wire.beforeSend = (call) => (call.url.pathname === '/2.0/user' ? gate : Promise.resolve());
    const installed = await bed.bb.connect.install(`${bed.server.url}/bitbucket/atlassian-connect.json`, { workspace: WORKSPACE, installer: installer.uuid });
    expect(installed).toMatchObject({ ok: true, status: 204 });
    const clientKey = installed.clientKey as string;
    const { installation_id: id } = await db.selectFrom('bitbucket_connect_installations').select('installation_id').where('client_key', '=', clientKey).executeTakeFirstOrThrow();
    const installationId = id as BitbucketInstallationId;
    expect((await bed.tally.bitbucket.installations.find(installationId))?.state).toBe('pending');
    release();
    await bed.tally.queue.idle();
    bed.wire.beforeSend = undefined;
    expect((await bed.tally.bitbucket.installations.find(installationId))?.state).toBe('active');

    // Pair through the configure page, as a browser would.
    const codeAnswer = await bed.jiraApi('POST', '/api/bitbucket/pairing-codes', scene.admin.accountId);
    const { code } = (await codeAnswer.json()) as { code: string };
    const configurePage = async () => (await fetch(`${bed.bbUrl}/${WORKSPACE}/workspace/settings/addon/tally-configure?as=${encodeURIComponent(installer.accountId)}`)).text();
    const paired = await fetch(`${bed.server.url}/bitbucket/configure/pair`, { method: 'POST', body: new URLSearchParams({ token: formField(await configurePage(), 'token'), code }) });
    expect(paired.status).toBe(200);

    // The panel, against sums of the Jira simulator's worklogs.
    const panelUrl = `${bed.bbUrl}/${WORKSPACE}/${pr.repository.slug}/pull-requests/${pr.pullRequest.id}?module=tally-pull-request-time&as=${encodeURIComponent(scene.viewer.accountId)}`;
    const panel = await (await fetch(panelUrl)).text();
    const expected = expectedPanel(scene.synced, [a, b], openedAtMs, closedAtMs);
    expect(expected.total[1]).toBeGreaterThan(0);
    expect(tableSeconds(panel, 'Time per issue')).toEqual({ [a.key]: expected.issues[a.key], [b.key]: expected.issues[b.key], Total: expected.total });
    expect(Object.values(tableSeconds(panel, 'Time per person')).map(([seconds]) => seconds).sort((x, y) => x - y)).toEqual(Object.values(expected.people).map(([seconds]) => seconds).sort((x, y) => x - y));
    expect(panel).toContain(`<li>${c.key}</li>`);
    expect(panel.split(c.key)).toHaveLength(2);

    // Unlink from the Bitbucket side: the panel says not linked, and the Jira admin no longer sees the workspace.
    const unlinked = await fetch(`${bed.server.url}/bitbucket/configure/unlink`, { method: 'POST', body: new URLSearchParams({ token: formField(await configurePage(), 'token') }) });
    expect(unlinked.status).toBe(200);
    expect(await (await fetch(panelUrl)).text()).toContain('Not linked yet');
    const listed = await bed.jiraApi('GET', '/api/bitbucket/workspaces', scene.admin.accountId);
    expect(await listed.json()).toEqual({ workspaces: [] });

    // A signed uninstall: no row of any table names the installation, the client key or the installer.
    expect(await bed.bb.connect.uninstall({ workspace: WORKSPACE })).toMatchObject({ ok: true, status: 204 });
    await bed.tally.queue.idle();
    const rows = JSON.stringify(await bed.controlRows()).toLowerCase();
    expect(occurring(rows, [installationId, clientKey, installer.uuid, installer.uuid.replace(/[{}]/g, ''), installer.email, BB_INSTALL_CANARY_PHONE].map((text) => text.toLowerCase()))).toEqual([]);
    expect(occurring(bed.logLines.join('\n'), [installer.email, BB_INSTALL_CANARY_PHONE])).toEqual([]);
    expect(bed.bitbucketCheck.takeMismatches()).toEqual([]);
  });
});
