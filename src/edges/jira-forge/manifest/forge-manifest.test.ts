import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../platform/app-error.js';
import { lintForgeManifest } from '../../kit/forge-manifest-lint.js';
import { captureCliIo, lintManifestData, mutableManifest, scratchDirectory } from '../../kit/forge-manifest-test-kit.js';
import { FORGE_ROUTES } from '../forge-routes.js';
import {
  EXAMPLE_FORGE_MANIFEST_OPTIONS,
  FORGE_ENDPOINT_KEYS,
  FORGE_PAGE_RESOURCE_PATH,
  FORGE_REMOTE_KEY,
  buildForgeManifest,
  renderForgeManifest,
  type ForgeManifestOptions,
} from './forge-manifest.js';
import { FORGE_MANIFEST_PATH, runForgeManifestCli } from './forge-manifest-cli.js';

/**
 * The Forge manifest against Atlassian's own `@forge/manifest` (schema + the validator chains the
 * Forge CLI runs), offline: the checked-in file is the generator's output, it passes without an
 * error or a warning, and each kind of breakage a hand edit could cause is caught.
 */

// The report page as the test setup builds it; the validators read its index.html.
const WEB_DIST = fileURLToPath(new URL('../../../../web/dist/', import.meta.url));
const RESOURCES = { [FORGE_PAGE_RESOURCE_PATH]: WEB_DIST };

interface Endpoint {
  key: string;
  remote: string;
  route?: { path: string };
  auth: { appSystemToken?: { enabled: boolean }; appUserToken?: { enabled: boolean } };
}

/** The example manifest as mutable plain data, for breaking it on purpose. */
const exampleManifest = () => mutableManifest(buildForgeManifest(EXAMPLE_FORGE_MANIFEST_OPTIONS));
const lintObject = (manifest: object) => lintManifestData(manifest, { resourceSources: RESOURCES });
const scratch = scratchDirectory('forge-manifest-test');

describe('Forge manifest', () => {
  it('is checked in exactly as the example configuration generates it', () => {
    expect(readFileSync(FORGE_MANIFEST_PATH, 'utf8')).toBe(renderForgeManifest(EXAMPLE_FORGE_MANIFEST_OPTIONS));
  });

  it("passes @forge/manifest's full validation without errors or warnings, and reads back as generated", async () => {
    const result = await lintForgeManifest(readFileSync(FORGE_MANIFEST_PATH, 'utf8'), { resourceSources: RESOURCES });
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.valid).toBe(true);
    // The YAML writer's output, as Atlassian's parser reads it, is the generated object.
    expect(result.parsed).toEqual(buildForgeManifest(EXAMPLE_FORGE_MANIFEST_OPTIONS));
  });

  it('points every platform call straight at the remote, with routes and system tokens only where no user is present', () => {
    const manifest = exampleManifest();
    const endpoints = manifest.modules.endpoint as Endpoint[];
    expect(endpoints.every((e) => e.remote === FORGE_REMOTE_KEY)).toBe(true);
    const byKey = new Map(endpoints.map((e) => [e.key, e]));
    const routed = (key: string) => byKey.get(key)?.route?.path;
    expect(routed(FORGE_ENDPOINT_KEYS.lifecycle)).toBe(FORGE_ROUTES.lifecycle);
    expect(routed(FORGE_ENDPOINT_KEYS.events)).toBe(FORGE_ROUTES.events);
    expect(routed(FORGE_ENDPOINT_KEYS.tick)).toBe(FORGE_ROUTES.tick);
    expect(routed(FORGE_ENDPOINT_KEYS.preUninstall)).toBe(FORGE_ROUTES.preUninstall);
    for (const endpoint of endpoints.filter((e) => e.key !== FORGE_ENDPOINT_KEYS.ui)) {
      expect(endpoint.auth).toEqual({ appSystemToken: { enabled: true } });
    }
    // The pages' endpoint takes its path from each invokeRemote call and gets the user's token too.
    expect(byKey.get(FORGE_ENDPOINT_KEYS.ui)).toEqual({ key: FORGE_ENDPOINT_KEYS.ui, remote: FORGE_REMOTE_KEY, auth: { appUserToken: { enabled: true }, appSystemToken: { enabled: true } } });
    expect(manifest.modules.scheduledTrigger).toEqual([{ key: 'sync-tick', endpoint: FORGE_ENDPOINT_KEYS.tick, interval: 'fiveMinute' }]);
    expect(manifest.modules.preUninstall).toEqual([{ key: 'pre-uninstall', endpoint: FORGE_ENDPOINT_KEYS.preUninstall }]);
    expect(manifest.modules.trigger).toEqual([
      { key: 'lifecycle', endpoint: FORGE_ENDPOINT_KEYS.lifecycle, events: ['avi:forge:installed:app', 'avi:forge:upgraded:app'] },
      {
        key: 'worklog-events',
        endpoint: FORGE_ENDPOINT_KEYS.events,
        events: ['avi:jira:created:worklog', 'avi:jira:updated:worklog', 'avi:jira:deleted:worklog', 'avi:jira:deleted:issue'],
        filter: { ignoreSelf: true },
      },
    ]);
    for (const page of [...manifest.modules['jira:globalPage'], ...manifest.modules['jira:adminPage']]) {
      expect(page).toMatchObject({ resource: 'report-page', resolver: { endpoint: FORGE_ENDPOINT_KEYS.ui } });
    }
    expect(manifest.remotes).toEqual([{ key: FORGE_REMOTE_KEY, baseUrl: 'https://tally.example.com', operations: ['storage', 'compute'], storage: { inScopeEUD: true } }]);
  });

  it('asks for the four read scopes Tally needs, personal-data reporting, and write:jira-work for log work with the user token', () => {
    expect(Object.keys(exampleManifest().permissions.scopes)).toEqual(['read:app-system-token', 'read:app-user-token', 'read:jira-work', 'read:jira-user', 'write:jira-work', 'report:personal-data']);
  });

  it('lets a token acting as a person (offline user impersonation) use only what log work needs', () => {
    expect(exampleManifest().permissions).toEqual({
      scopes: {
        'read:app-system-token': {},
        'read:app-user-token': {},
        'read:jira-work': { allowImpersonation: true },
        'read:jira-user': { allowImpersonation: true },
        'write:jira-work': { allowImpersonation: true },
        'report:personal-data': {},
      },
    });
  });

  it('adds the issue panel: the same page resource, under the module key the page detects', () => {
    expect(exampleManifest().modules['jira:issuePanel']).toEqual([
      { key: 'issue-panel', title: 'Log work (Tally)', resource: 'report-page', resolver: { endpoint: FORGE_ENDPOINT_KEYS.ui }, icon: 'resource:report-page;tally-icon.svg' },
    ]);
  });

  it('keeps only app.connect.key of Connect for a vendor continuing a Connect app', async () => {
    const manifest = buildForgeManifest({ ...EXAMPLE_FORGE_MANIFEST_OPTIONS, connectKey: 'io.tally.time-reports' }) as Record<string, any>;
    expect(manifest.app.connect).toEqual({ key: 'io.tally.time-reports' });
    expect(manifest.connectModules).toBeUndefined();
    expect((await lintObject(manifest)).errors).toEqual([]);
  });

  it('refuses bad options, listing each', () => {
    const bad: ForgeManifestOptions = { appId: 'my-app', baseUrl: 'http://tally.example.com/tally', connectKey: 'no spaces please', resourcePath: '../outside' };
    try {
      buildForgeManifest(bad);
      expect.unreachable();
    } catch (error) {
      if (!isAppError(error, 'CONFIG_INVALID')) throw error;
      expect(error.details.map((line) => line.split(':')[0])).toEqual(['appId', 'baseUrl', 'baseUrl', 'connectKey', 'resourcePath']);
    }
  });

  // Each edit a person could make by hand, and what Atlassian's validators say about it.
  const breakages: [string, (m: Record<string, any>) => void, RegExp][] = [
    ['the app id is removed', (m) => delete m.app.id, /required property 'id'/],
    ['an unknown scope is added', (m) => (m.permissions.scopes['write:everything'] = {}), /Invalid 'scopes' permission.*write:everything/],
    ['a scope says more than allowImpersonation', (m) => (m.permissions.scopes['write:jira-work'] = { allowImpersonation: true, always: true }), /must NOT have additional properties|additional/i],
    ['an endpoint points at an unknown remote', (m) => (m.modules.endpoint[1].remote = 'elsewhere'), /remote property 'elsewhere' was not found/],
    ['the worklog events lose their scope', (m) => delete m.permissions.scopes['read:jira-work'], /'avi:jira:created:worklog' requires 'read:jira-work'/],
    ['only the token scopes are left', (m) => (m.permissions.scopes = { 'read:app-system-token': {}, 'read:app-user-token': {} }), /Missing app scopes/],
    ['an event endpoint asks for a user token', (m) => (m.modules.endpoint[2].auth.appUserToken = { enabled: true }), /only supports appSystemToken/],
    ['a page resolves to an unknown endpoint', (m) => (m.modules['jira:globalPage'][0].resolver.endpoint = 'nope'), /references undefined endpoint module with key 'nope'/],
    ['the remote stores data without saying whether it is end-user data', (m) => delete m.remotes[0].storage, /storage.inScopeEUD is required/],
    ['the tick runs every minute', (m) => (m.modules.scheduledTrigger[0].interval = 'minute'), /allowed values are 'fiveMinute'/],
    ['a page names an unknown resource', (m) => (m.modules['jira:adminPage'][0].resource = 'other-page'), /missing resource key 'other-page'/],
    ['a trigger and an endpoint share a key', (m) => (m.modules.trigger[0].key = FORGE_ENDPOINT_KEYS.lifecycle), /duplicate module key/],
  ];

  it.each(breakages)('fails when %s', async (_name, mutate, message) => {
    const manifest = exampleManifest();
    mutate(manifest);
    const result = await lintObject(manifest);
    expect(result.valid).toBe(false);
    expect(result.errors.map((e) => e.message).join('\n')).toMatch(message);
  });

  it('fails when the page build is missing from the app directory', async () => {
    const result = await lintForgeManifest(renderForgeManifest(EXAMPLE_FORGE_MANIFEST_OPTIONS), { placeholderPages: false });
    expect(result.valid).toBe(false);
    expect(result.errors.map((e) => e.message).join('\n')).toMatch(new RegExp(FORGE_PAGE_RESOURCE_PATH));
  });
});

describe('npm run forge:manifest', () => {
  it('writes the manifest for the app id and URL in the environment', async () => {
    const out = join(scratch, 'from-env', 'manifest.yml');
    const env = { TALLY_FORGE_APP_ID: 'ari:cloud:ecosystem::app/0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0', TALLY_BASE_URL: 'https://tally.vendor.example' };
    const { io: cliIo } = captureCliIo();
    expect(await runForgeManifestCli(['--from-env', '--out', out], { io: cliIo, env })).toBe(0);
    const written = readFileSync(out, 'utf8');
    expect(written).toBe(renderForgeManifest({ appId: env.TALLY_FORGE_APP_ID, baseUrl: env.TALLY_BASE_URL }));
    expect(written).toContain('baseUrl: https://tally.vendor.example');
  });

  it('lints what it writes with --lint, with the built page beside the manifest or else a placeholder page', async () => {
    const out = join(scratch, 'linted', 'manifest.yml');
    const unbuilt = captureCliIo();
    expect(await runForgeManifestCli(['--out', out, '--lint'], { io: unbuilt.io, env: {} })).toBe(0);
    expect(unbuilt.err).toEqual([]);
    expect(unbuilt.out.join('')).toMatch(/not built yet \(npm run forge:page\)[\s\S]*passes @forge\/manifest's validation/);

    cpSync(WEB_DIST, join(scratch, 'linted', FORGE_PAGE_RESOURCE_PATH), { recursive: true });
    const built = captureCliIo();
    expect(await runForgeManifestCli(['--out', out, '--lint'], { io: built.io, env: {} })).toBe(0);
    expect(built.out.join('')).not.toMatch(/not built yet/);
    expect(built.out.join('')).toMatch(/passes @forge\/manifest's validation/);
  }, 30_000);

  it('reports a stale file with --check and changes nothing', async () => {
    const out = join(scratch, 'stale.yml');
    writeFileSync(out, 'app: {}\n');
    const { io: cliIo, err } = captureCliIo();
    expect(await runForgeManifestCli(['--check', '--out', out], { io: cliIo, env: {} })).toBe(1);
    expect(err.join('')).toMatch(/out of date/);
    expect(readFileSync(out, 'utf8')).toBe('app: {}\n');
  });

  it('refuses a bad app id or a missing environment as usage errors', async () => {
    const { io: cliIo, err } = captureCliIo();
    expect(await runForgeManifestCli(['--app-id', 'nope', '--base-url', 'https://x.example', '--out', join(scratch, 'x.yml')], { io: cliIo, env: {} })).toBe(2);
    expect(await runForgeManifestCli(['--from-env'], { io: cliIo, env: {} })).toBe(2);
    expect(err.join('')).toMatch(/appId: must be ari:cloud:ecosystem::app/);
    expect(err.join('')).toMatch(/TALLY_FORGE_APP_ID and TALLY_BASE_URL are not set/);
  });
});
