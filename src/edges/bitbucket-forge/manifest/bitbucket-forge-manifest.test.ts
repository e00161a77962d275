import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../platform/app-error.js';
import { lintForgeManifest } from '../../kit/forge-manifest-lint.js';
import { captureCliIo, lintManifestData, mutableManifest, scratchDirectory } from '../../kit/forge-manifest-test-kit.js';
import { BITBUCKET_UI_MODULE_TYPES } from '../bitbucket-forge-auth.js';
import { BITBUCKET_FORGE_ROUTES } from '../bitbucket-forge-trigger-routes.js';
import { BITBUCKET_FORGE_APP_DIR, BITBUCKET_FORGE_MANIFEST_PATH, runBitbucketForgeManifestCli } from './bitbucket-forge-manifest-cli.js';
import {
  BITBUCKET_FORGE_ENDPOINT_KEYS,
  BITBUCKET_FORGE_REMOTE_KEY,
  BITBUCKET_UI_RESOURCE_PATH,
  buildBitbucketForgeManifest,
  EXAMPLE_BITBUCKET_FORGE_MANIFEST_OPTIONS,
  renderBitbucketForgeManifest,
} from './bitbucket-forge-manifest.js';

/**
 * The Bitbucket Forge manifest against Atlassian's own `@forge/manifest`, offline: the checked-in
 * file is the generator's output with the real Custom UI, it passes without an error or a
 * warning, and each kind of hand-edit breakage is caught.
 */

const RESOURCES = { [BITBUCKET_UI_RESOURCE_PATH]: join(BITBUCKET_FORGE_APP_DIR, BITBUCKET_UI_RESOURCE_PATH) };

const exampleManifest = () => mutableManifest(buildBitbucketForgeManifest(EXAMPLE_BITBUCKET_FORGE_MANIFEST_OPTIONS));
const lintObject = (manifest: object) => lintManifestData(manifest, { resourceSources: RESOURCES });
const scratch = scratchDirectory('bb-forge-manifest-test');

describe('Bitbucket Forge manifest', () => {
  it('is checked in exactly as the example configuration generates it', () => {
    expect(readFileSync(BITBUCKET_FORGE_MANIFEST_PATH, 'utf8')).toBe(renderBitbucketForgeManifest(EXAMPLE_BITBUCKET_FORGE_MANIFEST_OPTIONS));
  });

  it("passes @forge/manifest's full validation with the real Custom UI, without errors or warnings, and reads back as generated", async () => {
    const result = await lintForgeManifest(readFileSync(BITBUCKET_FORGE_MANIFEST_PATH, 'utf8'), { resourceSources: RESOURCES, placeholderPages: false });
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.parsed).toEqual(buildBitbucketForgeManifest(EXAMPLE_BITBUCKET_FORGE_MANIFEST_OPTIONS));
  }, 30_000);

  it('points Forge at the routes the edge serves, with the system token only, and the three pages at the UI endpoint', () => {
    const manifest = exampleManifest();
    const byKey = new Map((manifest.modules.endpoint as { key: string; remote: string; route?: { path: string }; auth: unknown }[]).map((e) => [e.key, e]));
    expect(byKey.get(BITBUCKET_FORGE_ENDPOINT_KEYS.lifecycle)?.route?.path).toBe(BITBUCKET_FORGE_ROUTES.lifecycle);
    expect(byKey.get(BITBUCKET_FORGE_ENDPOINT_KEYS.tick)?.route?.path).toBe(BITBUCKET_FORGE_ROUTES.tick);
    expect(byKey.get(BITBUCKET_FORGE_ENDPOINT_KEYS.preUninstall)?.route?.path).toBe(BITBUCKET_FORGE_ROUTES.preUninstall);
    expect(byKey.get(BITBUCKET_FORGE_ENDPOINT_KEYS.ui)?.route).toBeUndefined();
    for (const endpoint of byKey.values()) expect(endpoint).toMatchObject({ remote: BITBUCKET_FORGE_REMOTE_KEY, auth: { appSystemToken: { enabled: true } } });
    for (const type of Object.values(BITBUCKET_UI_MODULE_TYPES)) {
      expect(manifest.modules[type], type).toEqual([expect.objectContaining({ resolver: { endpoint: BITBUCKET_FORGE_ENDPOINT_KEYS.ui } })]);
    }
    expect(manifest.modules.scheduledTrigger).toEqual([{ key: 'tick', endpoint: BITBUCKET_FORGE_ENDPOINT_KEYS.tick, interval: 'hour' }]);
    expect(manifest.modules.trigger).toEqual([{ key: 'lifecycle', endpoint: BITBUCKET_FORGE_ENDPOINT_KEYS.lifecycle, events: ['avi:forge:installed:app', 'avi:forge:upgraded:app'] }]);
    expect(manifest.modules.preUninstall).toEqual([{ key: 'pre-uninstall', endpoint: BITBUCKET_FORGE_ENDPOINT_KEYS.preUninstall }]);
  });

  it('asks for four read scopes and nothing else', () => {
    expect(exampleManifest().permissions).toEqual({ scopes: ['read:app-system-token', 'read:pullrequest:bitbucket', 'read:repository:bitbucket', 'read:user:bitbucket'] });
  });

  it('refuses bad options, listing each', () => {
    try {
      buildBitbucketForgeManifest({ appId: 'my-app', baseUrl: 'http://tally.example.com/x' });
      expect.unreachable();
    } catch (error) {
      if (!isAppError(error, 'CONFIG_INVALID')) throw error;
      expect(error.details.map((line) => line.split(':')[0])).toEqual(['appId', 'baseUrl', 'baseUrl']);
    }
  });

  const breakages: [string, (m: Record<string, any>) => void, RegExp][] = [
    ['an unknown scope is added', (m) => m.permissions.scopes.push('write:everything'), /Invalid 'scopes' permission.*write:everything/],
    ['an endpoint points at an unknown remote', (m) => (m.modules.endpoint[1].remote = 'elsewhere'), /remote property 'elsewhere' was not found/],
    ['the lifecycle endpoint asks for a user token', (m) => (m.modules.endpoint[1].auth.appUserToken = { enabled: true }), /only supports appSystemToken/],
    ['a page resolves to an unknown endpoint', (m) => (m.modules[BITBUCKET_UI_MODULE_TYPES.workspaceSettings][0].resolver.endpoint = 'nope'), /references undefined endpoint module with key 'nope'/],
    ['a page names an unknown resource', (m) => (m.modules[BITBUCKET_UI_MODULE_TYPES.pullRequestPanel][0].resource = 'other'), /missing resource key 'other'/],
    ['the tick runs every minute', (m) => (m.modules.scheduledTrigger[0].interval = 'minute'), /allowed values/],
    ['a trigger and an endpoint share a key', (m) => (m.modules.trigger[0].key = BITBUCKET_FORGE_ENDPOINT_KEYS.lifecycle), /duplicate module key/],
  ];

  it.each(breakages)('fails when %s', async (_name, mutate, message) => {
    const manifest = exampleManifest();
    mutate(manifest);
    const result = await lintObject(manifest);
    expect(result.valid).toBe(false);
    expect(result.errors.map((e) => e.message).join('\n')).toMatch(message);
  }, 30_000);
});

describe('npm run forge:bitbucket-manifest', () => {
  it('writes the manifest for the app id and URL in the environment', async () => {
    const out = join(scratch, 'env', 'manifest.yml');
    const env = { TALLY_BITBUCKET_FORGE_APP_ID: 'ari:cloud:ecosystem::app/0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0', TALLY_BASE_URL: 'https://tally.vendor.example' };
    expect(await runBitbucketForgeManifestCli(['--from-env', '--out', out], { io: captureCliIo().io, env })).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(renderBitbucketForgeManifest({ appId: env.TALLY_BITBUCKET_FORGE_APP_ID, baseUrl: env.TALLY_BASE_URL }));
  });

  it('lints the checked-in manifest with its Custom UI with --check --lint, writing nothing', async () => {
    const before = readFileSync(BITBUCKET_FORGE_MANIFEST_PATH, 'utf8');
    const { io: cliIo, out, err } = captureCliIo();
    expect(await runBitbucketForgeManifestCli(['--check', '--lint'], { io: cliIo, env: {} })).toBe(0);
    expect(err).toEqual([]);
    expect(out.join('')).toMatch(/is up to date\nthe manifest passes @forge\/manifest's validation\n$/);
    expect(readFileSync(BITBUCKET_FORGE_MANIFEST_PATH, 'utf8')).toBe(before);
  }, 30_000);

  it('lints a manifest written elsewhere with the checked-in Custom UI, and says so', async () => {
    const { io: cliIo, out, err } = captureCliIo();
    expect(await runBitbucketForgeManifestCli(['--out', join(scratch, 'elsewhere', 'manifest.yml'), '--lint'], { io: cliIo, env: {} })).toBe(0);
    expect(err).toEqual([]);
    expect(out.join('')).toMatch(/not beside the manifest; linted with forge-bitbucket\/static\/tally-bitbucket[\s\S]*passes @forge\/manifest's validation/);
  }, 30_000);

  it('reports a stale file with --check and changes nothing; usage errors exit 2', async () => {
    const out = join(scratch, 'stale.yml');
    writeFileSync(out, 'app: {}\n');
    const { io: cliIo, err } = captureCliIo();
    expect(await runBitbucketForgeManifestCli(['--check', '--out', out], { io: cliIo, env: {} })).toBe(1);
    expect(readFileSync(out, 'utf8')).toBe('app: {}\n');
    expect(await runBitbucketForgeManifestCli(['--check'], { io: cliIo, env: {} })).toBe(0);
    expect(await runBitbucketForgeManifestCli(['--from-env'], { io: cliIo, env: {} })).toBe(2);
    expect(await runBitbucketForgeManifestCli(['--app-id', 'nope', '--base-url', 'https://x.example'], { io: cliIo, env: {} })).toBe(2);
    expect(err.join('')).toMatch(/out of date[\s\S]*not set[\s\S]*appId: must be/);
  });
});
