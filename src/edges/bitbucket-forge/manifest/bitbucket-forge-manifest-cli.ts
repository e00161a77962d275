/**
 * `npm run forge:bitbucket-manifest`: writes `forge-bitbucket/manifest.yml` from the documented
 * example configuration; with flags, the manifest for a real app (docs/bitbucket-forge.md):
 *
 *   npm run forge:bitbucket-manifest -- --from-env --out path/to/manifest.yml   (TALLY_BITBUCKET_FORGE_APP_ID, TALLY_BASE_URL)
 *   npm run forge:bitbucket-manifest -- --app-id ari:cloud:ecosystem::app/<uuid> --base-url https://tally.example.com
 *   npm run forge:bitbucket-manifest -- --check   exits 1 when the file differs from what would be written
 *
 * The lint with `@forge/manifest` runs in the manifest's test (bitbucket-forge-manifest.test.ts).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { CliIo, ExitCode } from '../../../cli/cli-io.js';
import { isAppError } from '../../../platform/app-error.js';
import { EXAMPLE_BITBUCKET_FORGE_MANIFEST_OPTIONS, renderBitbucketForgeManifest, type BitbucketForgeManifestOptions } from './bitbucket-forge-manifest.js';

/** The Bitbucket Forge app's directory at the repository root (manifest and Custom UI). */
export const BITBUCKET_FORGE_APP_DIR = fileURLToPath(new URL('../../../../forge-bitbucket/', import.meta.url));
/** The checked-in manifest: the example configuration's output. */
export const BITBUCKET_FORGE_MANIFEST_PATH = `${BITBUCKET_FORGE_APP_DIR}manifest.yml`;

const USAGE = `usage: npm run forge:bitbucket-manifest -- [--from-env | --app-id <ari> --base-url <https origin>] [--out <file>] [--check]
  without options: writes forge-bitbucket/manifest.yml for the documented example configuration
  --from-env      take the app id and base URL from TALLY_BITBUCKET_FORGE_APP_ID and TALLY_BASE_URL
  --out           where to write (default forge-bitbucket/manifest.yml)
  --check         write nothing; exit 1 when the file differs from the generated manifest
`;

/** What the command reads besides its arguments. */
export interface BitbucketForgeManifestCliDeps {
  io: CliIo;
  env: Readonly<Record<string, string | undefined>>;
}

function optionsFrom(values: Record<string, string | boolean | undefined>, env: BitbucketForgeManifestCliDeps['env']): BitbucketForgeManifestOptions | string {
  const fromEnv = values['from-env'] === true;
  const appId = (values['app-id'] as string | undefined) ?? (fromEnv ? env.TALLY_BITBUCKET_FORGE_APP_ID : undefined);
  const baseUrl = (values['base-url'] as string | undefined) ?? (fromEnv ? env.TALLY_BASE_URL : undefined);
  if (appId === undefined && baseUrl === undefined) return fromEnv ? 'TALLY_BITBUCKET_FORGE_APP_ID and TALLY_BASE_URL are not set' : { ...EXAMPLE_BITBUCKET_FORGE_MANIFEST_OPTIONS };
  if (appId === undefined) return fromEnv ? 'TALLY_BITBUCKET_FORGE_APP_ID is not set' : '--app-id is required with --base-url';
  if (baseUrl === undefined) return fromEnv ? 'TALLY_BASE_URL is not set' : '--base-url is required with --app-id';
  return { appId, baseUrl };
}

/** Runs the command; never throws for bad input (exit 2) or a differing file (exit 1). */
export async function runBitbucketForgeManifestCli(argv: readonly string[], deps: BitbucketForgeManifestCliDeps): Promise<ExitCode> {
  const { io, env } = deps;
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { 'from-env': { type: 'boolean' }, 'app-id': { type: 'string' }, 'base-url': { type: 'string' }, out: { type: 'string' }, check: { type: 'boolean' }, help: { type: 'boolean' } },
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
    yaml = renderBitbucketForgeManifest(options);
  } catch (error) {
    if (!isAppError(error, 'CONFIG_INVALID')) throw error;
    io.stderr.write(`${error.details.join('\n')}\n`);
    return 2;
  }
  const out = (values.out as string | undefined) ?? BITBUCKET_FORGE_MANIFEST_PATH;
  const shown = relative(process.cwd(), out) || out;
  if (values.check) {
    if ((existsSync(out) ? readFileSync(out, 'utf8') : undefined) !== yaml) {
      io.stderr.write(`${shown} is out of date: run npm run forge:bitbucket-manifest\n`);
      return 1;
    }
    io.stdout.write(`${shown} is up to date\n`);
    return 0;
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, yaml);
  io.stdout.write(`wrote ${shown}\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runBitbucketForgeManifestCli(process.argv.slice(2), { io: process, env: process.env });
}
