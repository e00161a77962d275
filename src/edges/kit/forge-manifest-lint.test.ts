import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintForgeManifest } from './forge-manifest-lint.js';
import { scratchDirectory } from './forge-manifest-test-kit.js';
import { renderYaml, type YamlValue } from './forge-manifest-yaml.js';

/**
 * The lint itself, on the smallest app @forge/manifest accepts (one page, one resource); each
 * edge's manifest test lints that edge's real manifest and the breakages specific to it.
 */

function smallestApp(resourcePath = 'static/page'): { [key: string]: YamlValue } {
  return {
    app: { id: 'ari:cloud:ecosystem::app/00000000-0000-4000-8000-000000000001', runtime: { name: 'nodejs22.x' } },
    modules: { 'jira:globalPage': [{ key: 'page', title: 'Page', resource: 'page' }] },
    resources: [{ key: 'page', path: resourcePath }],
  };
}

const scratch = scratchDirectory('forge-lint-test');

describe('lintForgeManifest', () => {
  it('passes a valid app with a placeholder page and returns the manifest as parsed', async () => {
    const result = await lintForgeManifest(renderYaml(smallestApp()));
    expect(result).toMatchObject({ valid: true, errors: [], warnings: [] });
    expect(result.parsed).toEqual(smallestApp());
  }, 30_000);

  it('reports a resource that is neither given nor replaced by a placeholder, and passes once its directory is given', async () => {
    const yaml = renderYaml(smallestApp());
    const missing = await lintForgeManifest(yaml, { placeholderPages: false });
    expect(missing.valid).toBe(false);
    expect(missing.errors).toEqual([expect.objectContaining({ reference: 'valid-resource-required', message: expect.stringMatching(/missing resource 'static\/page'/) })]);

    const page = join(scratch, 'built-page');
    mkdirSync(page, { recursive: true });
    writeFileSync(join(page, 'index.html'), '<!doctype html><title>built</title>\n');
    const given = await lintForgeManifest(yaml, { placeholderPages: false, resourceSources: { 'static/page': page } });
    expect(given.errors).toEqual([]);
    expect(given.valid).toBe(true);
  }, 30_000);

  it('fails when the YAML does not parse', async () => {
    const result = await lintForgeManifest('app:\n  id: [unclosed\n');
    expect(result.valid).toBe(false);
    expect(result.errors.length).toBeGreaterThan(0);
  }, 30_000);

  it('removes its temporary app and writes nothing outside it, whatever the resource paths say', async () => {
    const tempRoot = join(scratch, 'apps');
    mkdirSync(tempRoot);
    // From the temporary app inside `apps/`, this path points at `scratch/escaped`.
    const result = await lintForgeManifest(renderYaml(smallestApp('../../escaped')), { tempRoot });
    expect(result.valid).toBe(false);
    expect(existsSync(join(scratch, 'escaped'))).toBe(false);
    expect(readdirSync(tempRoot)).toEqual([]);
  }, 30_000);

  it('lints without reaching the network: the guard is active and Sentry has no client', async () => {
    await expect(fetch('https://o0.ingest.sentry.io/api/0/envelope/')).rejects.toThrow(/not allowed in tests/);
    await lintForgeManifest(renderYaml(smallestApp()));
    // The very @sentry/node instance @forge/manifest loads: never initialised, so nothing to send with.
    const sentry = createRequire(createRequire(import.meta.url).resolve('@forge/manifest'))('@sentry/node') as { getClient(): unknown };
    expect(sentry.getClient()).toBeUndefined();
  }, 30_000);
});
