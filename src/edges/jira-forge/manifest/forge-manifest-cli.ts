/**
 * `npm run forge:manifest`: writes `forge/manifest.yml` from the documented example
 * configuration; with flags, writes the manifest for a real app (docs/forge.md):
 *
 *   npm run forge:manifest -- --from-env --out path/to/manifest.yml   (TALLY_FORGE_APP_ID, TALLY_BASE_URL)
 *   npm run forge:manifest -- --app-id ari:cloud:ecosystem::app/<uuid> --base-url https://tally.example.com
 *   npm run forge:manifest -- --check   exits 1 when the file differs from what would be written
 *   npm run forge:manifest -- --lint    also lints the result with Atlassian's @forge/manifest
 *
 * Parsing, writing, checking and linting are the kit's (src/edges/kit/forge-manifest-command.ts).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ExitCode } from '../../../cli/cli-io.js';
import { runForgeManifestCommand, type ForgeManifestCommand, type ForgeManifestCommandDeps, type ForgeManifestFlags, type ForgeManifestLintResources } from '../../kit/forge-manifest-command.js';
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
export type ForgeManifestCliDeps = ForgeManifestCommandDeps;

function optionsFrom(values: ForgeManifestFlags, env: ForgeManifestCliDeps['env']): ForgeManifestOptions | string {
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

/** The built report page beside the manifest when there is one; otherwise the lint uses a placeholder page. */
function lintResources(out: string): ForgeManifestLintResources {
  const built = join(dirname(out), FORGE_PAGE_RESOURCE_PATH);
  if (existsSync(built)) return { resourceSources: { [FORGE_PAGE_RESOURCE_PATH]: built }, notes: [] };
  return { resourceSources: {}, notes: [`${FORGE_PAGE_RESOURCE_PATH} is not built yet (npm run forge:page); linted with a placeholder page`] };
}

const FORGE_MANIFEST_COMMAND: ForgeManifestCommand<ForgeManifestOptions> = {
  script: 'npm run forge:manifest',
  usage: USAGE,
  flags: { 'from-env': { type: 'boolean' }, 'app-id': { type: 'string' }, 'base-url': { type: 'string' }, 'connect-key': { type: 'string' }, licensing: { type: 'boolean' } },
  defaultOut: FORGE_MANIFEST_PATH,
  optionsFrom,
  render: renderForgeManifest,
  lintResources,
};

/** Runs the command; never throws for bad input (exit 2) or a differing/invalid file (exit 1). */
export function runForgeManifestCli(argv: readonly string[], deps: ForgeManifestCliDeps): Promise<ExitCode> {
  return runForgeManifestCommand(FORGE_MANIFEST_COMMAND, argv, deps);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runForgeManifestCli(process.argv.slice(2), { io: process, env: process.env });
}
