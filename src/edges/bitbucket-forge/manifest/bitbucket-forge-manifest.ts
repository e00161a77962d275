/**
 * The manifest of Tally's Bitbucket Forge app, generated from configuration like the Jira one: one
 * remote (Tally's server), endpoints pointing Forge's calls straight at it, three Custom UI pages
 * and the fewest scopes. Bitbucket cannot share a Forge app with Jira (multiple-app compatibility
 * covers Jira, Confluence and Compass only, bitbucket-cloud.md §0), so this is a second app with
 * its own id. docs/bitbucket-forge.md explains every module and scope; `forge-bitbucket/manifest.yml`
 * is this generator's output for {@link EXAMPLE_BITBUCKET_FORGE_MANIFEST_OPTIONS}, kept equal by a test.
 */
import { AppError } from '../../../platform/app-error.js';
// The routes and module types the edge serves: one definition for the server and its manifest.
import { BITBUCKET_UI_MODULE_TYPES } from '../bitbucket-forge-auth.js';
import { BITBUCKET_FORGE_ROUTES } from '../bitbucket-forge-trigger-routes.js';
import { checkForgeAppIdentity } from '../../kit/forge-manifest-options.js';
import { renderYaml, type YamlValue } from '../../kit/forge-manifest-yaml.js';

/** What the manifest is generated from; checked by {@link buildBitbucketForgeManifest}. */
export interface BitbucketForgeManifestOptions {
  /** The Bitbucket Forge app id (`TALLY_BITBUCKET_FORGE_APP_ID`), `ari:cloud:ecosystem::app/<uuid>`. */
  appId: string;
  /** Tally's public https origin (`TALLY_BASE_URL`): the remote's `baseUrl`. */
  baseUrl: string;
  /** Forge's JavaScript runtime name (default `nodejs22.x`); Tally runs no Forge function, but `app.runtime` is required. */
  runtimeName?: 'nodejs20.x' | 'nodejs22.x' | 'nodejs24.x';
}

/** The remote's key; `invokeRemote` and every endpoint go through it. */
export const BITBUCKET_FORGE_REMOTE_KEY = 'tally';

/** The Custom UI resource: one static page for all three modules (it renders by module type). */
export const BITBUCKET_UI_RESOURCE_KEY = 'tally-bitbucket-ui';
/** Where the resource lies, relative to `forge-bitbucket/`. */
export const BITBUCKET_UI_RESOURCE_PATH = 'static/tally-bitbucket';

/** The endpoint keys, one per kind of call Forge makes. */
export const BITBUCKET_FORGE_ENDPOINT_KEYS = Object.freeze({
  ui: 'ui-endpoint',
  lifecycle: 'lifecycle-endpoint',
  tick: 'tick-endpoint',
  preUninstall: 'pre-uninstall-endpoint',
});

/**
 * The fewest scopes (granular, none implies another, bitbucket-cloud.md §2.3); docs/bitbucket-forge.md
 * says why each is needed. No write scope, no user token: Tally only reads, as the app.
 */
export const BITBUCKET_FORGE_SCOPES = Object.freeze([
  // Forge delivers `x-forge-oauth-system` to the remote only with this scope (remote/essentials).
  'read:app-system-token',
  // The pull request, the repository's pull requests, and a pull request's commits.
  'read:pullrequest:bitbucket',
  // Commit objects of a pull request's commit list, which Bitbucket serves as repository data.
  'read:repository:bitbucket',
  // The installing user's uuid, username and avatar (`GET /2.0/users/{account id}`).
  'read:user:bitbucket',
] as const);

/** The lifecycle events; `upgraded` fires for major versions only (events-reference/life-cycle). */
export const BITBUCKET_FORGE_LIFECYCLE_EVENTS = Object.freeze(['avi:forge:installed:app', 'avi:forge:upgraded:app'] as const);

/** The documented example configuration; its app id is a placeholder (`forge register` gives the real one). */
export const EXAMPLE_BITBUCKET_FORGE_MANIFEST_OPTIONS: Readonly<BitbucketForgeManifestOptions> = Object.freeze({
  appId: 'ari:cloud:ecosystem::app/00000000-0000-4000-8000-0000000000bb',
  baseUrl: 'https://tally.example.com',
});

/** The manifest as plain data, in the order it is written. */
export interface BitbucketForgeManifest {
  readonly [section: string]: YamlValue;
}

function checkOptions(options: BitbucketForgeManifestOptions): { baseUrl: string } {
  const { origin: baseUrl, problems } = checkForgeAppIdentity(options);
  if (problems.length > 0) throw new AppError('CONFIG_INVALID', `Invalid Bitbucket Forge manifest options: ${problems.join('; ')}`, { details: problems });
  return { baseUrl };
}

function endpoint(key: string, path: string | undefined): YamlValue {
  // The system token only: triggers have no user, and the pages read as the app what the page shows.
  return { key, remote: BITBUCKET_FORGE_REMOTE_KEY, ...(path ? { route: { path } } : {}), auth: { appSystemToken: { enabled: true } } };
}

/** Builds the manifest. Pure: the same options give the same manifest; `CONFIG_INVALID` lists every bad option. */
export function buildBitbucketForgeManifest(options: BitbucketForgeManifestOptions): BitbucketForgeManifest {
  const { baseUrl } = checkOptions(options);
  const keys = BITBUCKET_FORGE_ENDPOINT_KEYS;
  const page = (key: string, title: string): YamlValue[] => [{ key, title, resource: BITBUCKET_UI_RESOURCE_KEY, resolver: { endpoint: keys.ui } }];
  return {
    app: { id: options.appId, runtime: { name: options.runtimeName ?? 'nodejs22.x' } },
    modules: {
      [BITBUCKET_UI_MODULE_TYPES.pullRequestPanel]: page('pull-request-time', 'Time logged'),
      [BITBUCKET_UI_MODULE_TYPES.repositoryPage]: page('repository-time', 'Time logged'),
      [BITBUCKET_UI_MODULE_TYPES.workspaceSettings]: page('workspace-settings', 'Tally time reports'),
      endpoint: [
        // The pages' endpoint takes its path from each invokeRemote call (`/bitbucket/forge/ui/<name>`).
        endpoint(keys.ui, undefined),
        endpoint(keys.lifecycle, BITBUCKET_FORGE_ROUTES.lifecycle),
        endpoint(keys.tick, BITBUCKET_FORGE_ROUTES.tick),
        endpoint(keys.preUninstall, BITBUCKET_FORGE_ROUTES.preUninstall),
      ],
      // No pull-request event triggers: the panel reads the pull request live when it is shown and
      // Tally keeps nothing about pull requests, so an event would have nothing to update.
      trigger: [{ key: 'lifecycle', endpoint: keys.lifecycle, events: [...BITBUCKET_FORGE_LIFECYCLE_EVENTS] }],
      // Straight at the remote (a trigger routed through a function would deliver a weaker token);
      // hourly: the tick is only a sign of life for the missing-uninstall rule.
      scheduledTrigger: [{ key: 'tick', endpoint: keys.tick, interval: 'hour' }],
      preUninstall: [{ key: 'pre-uninstall', endpoint: keys.preUninstall }],
    },
    remotes: [
      {
        key: BITBUCKET_FORGE_REMOTE_KEY,
        baseUrl,
        // `storage`: Tally keeps the installer's uuid, username and avatar URL (end-user data).
        operations: ['storage', 'compute'],
        storage: { inScopeEUD: true },
      },
    ],
    resources: [{ key: BITBUCKET_UI_RESOURCE_KEY, path: BITBUCKET_UI_RESOURCE_PATH }],
    permissions: { scopes: [...BITBUCKET_FORGE_SCOPES] },
  };
}

/** The comment on top of every generated manifest. */
export const BITBUCKET_FORGE_MANIFEST_HEADER = Object.freeze([
  'Generated by `npm run forge:bitbucket-manifest` (src/edges/bitbucket-forge/manifest/bitbucket-forge-manifest.ts): do not edit by hand.',
  'docs/bitbucket-forge.md explains every module and scope, and how to generate it for your own app id and URL.',
]);

/** The manifest as `manifest.yml` text, with the header on top. */
export function renderBitbucketForgeManifest(options: BitbucketForgeManifestOptions): string {
  return renderYaml(buildBitbucketForgeManifest(options), BITBUCKET_FORGE_MANIFEST_HEADER);
}
