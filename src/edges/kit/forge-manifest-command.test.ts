import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/app-error.js';
import { runForgeManifestCommand, type ForgeManifestCommand } from './forge-manifest-command.js';
import { captureCliIo, scratchDirectory } from './forge-manifest-test-kit.js';
import { renderYaml } from './forge-manifest-yaml.js';

/**
 * The shared command body on a command of its own: a manifest with one page, whose app id is a
 * flag. Each edge's manifest test runs its real command; this one reaches the paths they cannot,
 * such as a rendered manifest that fails the lint.
 */

const scratch = scratchDirectory('forge-manifest-command-test');

function render({ appId }: { appId: string }): string {
  if (!appId.startsWith('ari:')) throw new AppError('CONFIG_INVALID', 'bad app id', { details: ['appId: must be an ari'] });
  return renderYaml({
    app: { id: appId, runtime: { name: 'nodejs22.x' } },
    modules: { 'jira:globalPage': [{ key: 'page', title: 'Page', resource: 'page' }] },
    resources: [{ key: 'page', path: 'static/page' }],
  });
}

const VALID_APP_ID = 'ari:cloud:ecosystem::app/00000000-0000-4000-8000-000000000001';

const command: ForgeManifestCommand<{ appId: string }> = {
  script: 'npm run example-manifest',
  usage: 'usage: example [--app-id <ari>] [--out <file>] [--check] [--lint]\n',
  flags: { 'app-id': { type: 'string' } },
  defaultOut: join(scratch, 'default', 'manifest.yml'),
  optionsFrom: (flags) => (typeof flags['app-id'] === 'string' ? { appId: flags['app-id'] } : 'no --app-id'),
  render,
  lintResources: () => ({ resourceSources: {}, notes: ['static/page is a placeholder'] }),
};

function run(argv: string[]) {
  const { io, out, err } = captureCliIo();
  return runForgeManifestCommand(command, argv, { io, env: {} }).then((code) => ({ code, out: out.join(''), err: err.join('') }));
}

describe('runForgeManifestCommand', () => {
  it('writes the rendered manifest to the default file, then finds it up to date', async () => {
    expect(await run(['--app-id', VALID_APP_ID])).toMatchObject({ code: 0, out: expect.stringMatching(/^wrote /) });
    expect(readFileSync(command.defaultOut, 'utf8')).toBe(render({ appId: VALID_APP_ID }));
    expect(await run(['--app-id', VALID_APP_ID, '--check'])).toMatchObject({ code: 0, out: expect.stringMatching(/is up to date/) });
  });

  it('names the script when --check finds the file stale, and changes nothing', async () => {
    const out = join(scratch, 'stale.yml');
    writeFileSync(out, 'app: {}\n');
    const result = await run(['--app-id', VALID_APP_ID, '--check', '--out', out]);
    expect(result).toMatchObject({ code: 1, err: expect.stringMatching(/out of date: run npm run example-manifest/) });
    expect(readFileSync(out, 'utf8')).toBe('app: {}\n');
  });

  it('exits 2 and writes nothing for an unknown flag, a missing option or an invalid one', async () => {
    const out = join(scratch, 'never.yml');
    expect(await run(['--nope', '--out', out])).toMatchObject({ code: 2, err: expect.stringContaining('usage: example') });
    expect(await run(['--out', out])).toMatchObject({ code: 2, err: expect.stringMatching(/^no --app-id\nusage/) });
    expect(await run(['--app-id', 'nope', '--out', out])).toMatchObject({ code: 2, err: 'appId: must be an ari\n' });
    expect(() => readFileSync(out)).toThrow(/ENOENT/);
    expect(await run(['--help'])).toMatchObject({ code: 0, out: command.usage });
  });

  it('lints the written manifest with --lint: exit 0 and the notes when it passes', async () => {
    const result = await run(['--app-id', VALID_APP_ID, '--out', join(scratch, 'lint-ok.yml'), '--lint']);
    expect(result.err).toBe('');
    expect(result.out).toContain('note: static/page is a placeholder\n');
    expect(result.out).toMatch(/passes @forge\/manifest's validation\n$/);
    expect(result.code).toBe(0);
  }, 30_000);

  it("fails --lint with exit 1 and the validators' messages when the manifest is invalid", async () => {
    // An app id the renderer lets through but Forge's schema does not.
    const result = await run(['--app-id', 'ari:not-an-app', '--out', join(scratch, 'lint-bad.yml'), '--lint']);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^error: .*\(line \d+\)/m);
    expect(result.out).toMatch(/fails @forge\/manifest's validation\n$/);
  }, 30_000);
});
