/**
 * `npm run forge:bitbucket-manifest`: writes `forge-bitbucket/manifest.yml` from the documented
 * example configuration; with flags, the manifest for a real app (docs/bitbucket-forge.md):
 *
 *   npm run forge:bitbucket-manifest -- --from-env --out path/to/manifest.yml   (TALLY_BITBUCKET_FORGE_APP_ID, TALLY_BASE_URL)
 *   npm run forge:bitbucket-manifest -- --app-id ari:cloud:ecosystem::app/<uuid> --base-url https://tally.example.com
 *   npm run forge:bitbucket-manifest -- --check   exits 1 when the file differs from what would be written
 *   npm run forge:bitbucket-manifest -- --lint    also lints the result with Atlassian's @forge/manifest
 *
 * Parsing, writing, checking and linting are the kit's (src/edges/kit/forge-manifest-command.ts).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ExitCode } from '../../../cli/cli-io.js';
import {
  runForgeManifestCommand,
  type ForgeManifestCommand,
  type ForgeManifestCommandDeps,
  type ForgeManifestFlags,
  type ForgeManifestLintResources,
} from '../../kit/forge-manifest-command.js';
import { BITBUCKET_UI_RESOURCE_PATH, EXAMPLE_BITBUCKET_FORGE_MANIFEST_OPTIONS, renderBitbucketForgeManifest, type BitbucketForgeManifestOptions } from './bitbucket-forge-manifest.js';

/** The Bitbucket Forge app's directory at the repository root (manifest and Custom UI). */
export const BITBUCKET_FORGE_APP_DIR = fileURLToPath(new URL('../../../../forge-bitbucket/', import.meta.url));
/** The checked-in manifest: the example configuration's output. */
export const BITBUCKET_FORGE_MANIFEST_PATH = `${BITBUCKET_FORGE_APP_DIR}manifest.yml`;

const USAGE = `usage: npm run forge:bitbucket-manifest -- [--from-env | --app-id <ari> --base-url <https origin>] [--out <file>] [--check] [--lint]
  without options: writes forge-bitbucket/manifest.yml for the documented example configuration
  --from-env      take the app id and base URL from TALLY_BITBUCKET_FORGE_APP_ID and TALLY_BASE_URL
  --out           where to write (default forge-bitbucket/manifest.yml)
  --check         write nothing; exit 1 when the file differs from the generated manifest
  --lint          lint the generated manifest with @forge/manifest (offline) and fail on errors
`;

/** What the command reads besides its arguments. */
export type BitbucketForgeManifestCliDeps = ForgeManifestCommandDeps;

function optionsFrom(values: ForgeManifestFlags, env: BitbucketForgeManifestCliDeps['env']): BitbucketForgeManifestOptions | string {
  const fromEnv = values['from-env'] === true;
  const appId = (values['app-id'] as string | undefined) ?? (fromEnv ? env.TALLY_BITBUCKET_FORGE_APP_ID : undefined);
  const baseUrl = (values['base-url'] as string | undefined) ?? (fromEnv ? env.TALLY_BASE_URL : undefined);
  if (appId === undefined && baseUrl === undefined) return fromEnv ? 'TALLY_BITBUCKET_FORGE_APP_ID and TALLY_BASE_URL are not set' : { ...EXAMPLE_BITBUCKET_FORGE_MANIFEST_OPTIONS };
  if (appId === undefined) return fromEnv ? 'TALLY_BITBUCKET_FORGE_APP_ID is not set' : '--app-id is required with --base-url';
  if (baseUrl === undefined) return fromEnv ? 'TALLY_BASE_URL is not set' : '--base-url is required with --app-id';
  return { appId, baseUrl };
}

/**
 * The Custom UI beside the manifest when there is one. Otherwise the checked-in one: unlike the
 * Jira page it is static and needs no build, so a manifest written elsewhere is linted with the
 * very files `forge deploy` would upload once they are copied beside it.
 */
function lintResources(out: string): ForgeManifestLintResources {
  const beside = join(dirname(out), BITBUCKET_UI_RESOURCE_PATH);
  if (existsSync(beside)) return { resourceSources: { [BITBUCKET_UI_RESOURCE_PATH]: beside }, notes: [] };
  return {
    resourceSources: { [BITBUCKET_UI_RESOURCE_PATH]: join(BITBUCKET_FORGE_APP_DIR, BITBUCKET_UI_RESOURCE_PATH) },
    notes: [`${BITBUCKET_UI_RESOURCE_PATH} is not beside the manifest; linted with forge-bitbucket/${BITBUCKET_UI_RESOURCE_PATH} (copy it beside the manifest before forge deploy)`],
  };
}

const BITBUCKET_FORGE_MANIFEST_COMMAND: ForgeManifestCommand<BitbucketForgeManifestOptions> = {
  script: 'npm run forge:bitbucket-manifest',
  usage: USAGE,
  flags: { 'from-env': { type: 'boolean' }, 'app-id': { type: 'string' }, 'base-url': { type: 'string' } },
  defaultOut: BITBUCKET_FORGE_MANIFEST_PATH,
  optionsFrom,
  render: renderBitbucketForgeManifest,
  lintResources,
};

/** Runs the command; never throws for bad input (exit 2) or a differing/invalid file (exit 1). */
export function runBitbucketForgeManifestCli(argv: readonly string[], deps: BitbucketForgeManifestCliDeps): Promise<ExitCode> {
  return runForgeManifestCommand(BITBUCKET_FORGE_MANIFEST_COMMAND, argv, deps);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runBitbucketForgeManifestCli(process.argv.slice(2), { io: process, env: process.env });
}
