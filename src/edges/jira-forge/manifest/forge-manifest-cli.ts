/**
 * `npm run forge:manifest`: writes `forge/manifest.yml` from the documented example
 * configuration; with flags, writes the manifest for a real app (docs/forge.md):
 *
 *   npm run forge:manifest -- --from-env --out path/to/manifest.yml   (TALLY_FORGE_APP_ID, TALLY_BASE_URL)
 *   npm run forge:manifest -- --app-id ari:cloud:ecosystem::app/<uuid> --base-url https://tally.example.com
 *   npm run forge:manifest -- --check   exits 1 when the file differs from what would be written
 *   npm run forge:manifest -- --lint    also lints the result with Atlassian's @forge/manifest
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { CliIo, ExitCode } from '../../../cli/cli-io.js';
import { isAppError } from '../../../platform/app-error.js';
import { EXAMPLE_FORGE_MANIFEST_OPTIONS, FORGE_PAGE_RESOURCE_PATH, renderForgeManifest, type ForgeManifestOptions } from './forge-manifest.js';
import { FORGE_APP_DIR } from './forge-page-build.js';

/** The checked-in manifest: the example configuration's output. */
export const FORGE_MANIFEST_PATH = join(FORGE_APP_DIR, 'manifest.yml');

const USAGE = `usage: npm run forge:manifest -- [--from-env | --app-id <ari> --base-url <https origin>] [--connect-key <key>] [--licensing] [--out <file>] [--check] [--lint]
  without options: writes forge/manifest.yml for the documented example configuration
  --from-env      take the app id and base URL from TALLY_FORGE_APP_ID and TALLY_BASE_URL
  --connect-key   app.connect.key: the Marketplace key of the Connect app this Forge app continues
  --licensing     app.licensing.enabled: a paid Marketplace app
  --out           where to write (default forge/manifest.yml)
  --check         write nothing; exit 1 when the file differs from the generated manifest
  --lint          lint the generated manifest with @forge/manifest (offline) and fail on errors
`;

/** What the command reads besides its arguments; the process's in production, fakes in tests. */
export interface ForgeManifestCliDeps {
  io: CliIo;
  env: Readonly<Record<string, string | undefined>>;
}

function optionsFrom(values: Record<string, string | boolean | undefined>, env: ForgeManifestCliDeps['env']): ForgeManifestOptions | string {
  const fromEnv = values['from-env'] === true;
  const appId = (values['app-id'] as string | undefined) ?? (fromEnv ? env.TALLY_FORGE_APP_ID : undefined);
  const baseUrl = (values['base-url'] as string | undefined) ?? (fromEnv ? env.TALLY_BASE_URL : undefined);
  const connectKey = values['connect-key'] as string | undefined;
  const extras = { ...(connectKey ? { connectKey } : {}), ...(values.licensing === true ? { licensing: true } : {}) };
  if (appId === undefined && baseUrl === undefined) {
    if (fromEnv) return 'TALLY_FORGE_APP_ID and TALLY_BASE_URL are not set';
    return { ...EXAMPLE_FORGE_MANIFEST_OPTIONS, ...extras };
  }
  if (appId === undefined) return fromEnv ? 'TALLY_FORGE_APP_ID is not set' : '--app-id is required with --base-url';
  if (baseUrl === undefined) return fromEnv ? 'TALLY_BASE_URL is not set' : '--base-url is required with --app-id';
  return { appId, baseUrl, ...extras };
}

async function lint(yaml: string, out: string, io: CliIo): Promise<boolean> {
  // Imported here: @forge/manifest is a devDependency, needed only for linting.
  const { lintForgeManifest } = await import('./lint-forge-manifest.js');
  const built = join(dirname(out), FORGE_PAGE_RESOURCE_PATH);
  const result = await lintForgeManifest(yaml, existsSync(built) ? { resourceSources: { [FORGE_PAGE_RESOURCE_PATH]: built } } : {});
  for (const problem of [...result.errors, ...result.warnings]) {
    io.stderr.write(`${problem.level}: ${problem.message}${problem.line ? ` (line ${problem.line})` : ''}\n`);
  }
  if (!existsSync(built)) io.stdout.write(`note: ${FORGE_PAGE_RESOURCE_PATH} is not built yet (npm run forge:page); linted with a placeholder page\n`);
  io.stdout.write(result.valid ? 'the manifest passes @forge/manifest\'s validation\n' : 'the manifest fails @forge/manifest\'s validation\n');
  return result.valid;
}

/** Runs the command; never throws for bad input (exit 2) or a differing/invalid file (exit 1). */
export async function runForgeManifestCli(argv: readonly string[], deps: ForgeManifestCliDeps): Promise<ExitCode> {
  const { io, env } = deps;
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        'from-env': { type: 'boolean' },
        'app-id': { type: 'string' },
        'base-url': { type: 'string' },
        'connect-key': { type: 'string' },
        licensing: { type: 'boolean' },
        out: { type: 'string' },
        check: { type: 'boolean' },
        lint: { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  const options = optionsFrom(values, env);
  if (typeof options === 'string') {
    io.stderr.write(`${options}\n${USAGE}`);
    return 2;
  }
  let yaml: string;
  try {
    yaml = renderForgeManifest(options);
  } catch (error) {
    if (!isAppError(error, 'CONFIG_INVALID')) throw error;
    io.stderr.write(`${error.details.join('\n')}\n`);
    return 2;
  }
  const out = (values.out as string | undefined) ?? FORGE_MANIFEST_PATH;
  const shown = relative(process.cwd(), out) || out;
  if (values.check) {
    const current = existsSync(out) ? readFileSync(out, 'utf8') : undefined;
    if (current !== yaml) {
      io.stderr.write(`${shown} is out of date: run npm run forge:manifest\n`);
      return 1;
    }
    io.stdout.write(`${shown} is up to date\n`);
  } else {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, yaml);
    io.stdout.write(`wrote ${shown}\n`);
  }
  if (values.lint && !(await lint(yaml, out, io))) return 1;
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runForgeManifestCli(process.argv.slice(2), { io: process, env: process.env });
}
