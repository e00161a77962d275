/**
 * Tally's Forge manifest, generated from configuration rather than edited by hand: one remote
 * (Tally's own server), endpoints that point the platform's calls straight at it, and the least
 * scopes Tally needs. docs/forge.md explains every module and scope; `forge/manifest.yml` is this
 * generator's output for {@link EXAMPLE_FORGE_MANIFEST_OPTIONS}, and a test keeps them equal.
 * Facts: ../shared/reference/forge-migration.md §3–§5 (Forge docs snapshot of 2026-08).
 */
import { AppError } from '../../../platform/app-error.js';
// The routes the Forge edge serves: one definition for the server and its manifest.
import { FORGE_ROUTES } from '../forge-routes.js';
import { checkForgeAppIdentity } from '../../kit/forge-manifest-options.js';
import { renderYaml, type YamlValue } from '../../kit/forge-manifest-yaml.js';

/** What the manifest is generated from; every value is checked by {@link buildForgeManifest}. */
export interface ForgeManifestOptions {
  /** The Forge app id (`TALLY_FORGE_APP_ID`), `ari:cloud:ecosystem::app/<uuid>`, from `forge register`. */
  appId: string;
  /** Tally's public https origin (`TALLY_BASE_URL`): the remote's `baseUrl`. */
  baseUrl: string;
  /**
   * The Marketplace key of the Connect app this Forge app continues (`TALLY_APP_KEY`), as
   * `app.connect.key`. Only for a vendor moving an existing Connect installation base (§2);
   * undefined for a new app, which may not declare one.
   */
  connectKey?: string;
  /** Where the Custom UI build lies, relative to the manifest's directory (default {@link FORGE_PAGE_RESOURCE_PATH}). */
  resourcePath?: string;
  /** Forge's JavaScript runtime name (default `nodejs22.x`); Tally runs no Forge function, but `app.runtime` is required. */
  runtimeName?: 'nodejs20.x' | 'nodejs22.x' | 'nodejs24.x';
  /** `app.licensing.enabled` for a paid Marketplace app (default false). */
  licensing?: boolean;
}

/** The remote's key; `invokeRemote` and every endpoint go through it. At most 23 characters. */
export const FORGE_REMOTE_KEY = 'tally';

/** The Custom UI resource's key in `resources` and in the page modules. */
export const FORGE_PAGE_RESOURCE_KEY = 'report-page';

/**
 * Where `npm run forge:page` puts the Custom UI build, relative to `forge/`: the page built with
 * relative asset URLs, because Forge serves a resource under an app-specific path, not at `/`.
 */
export const FORGE_PAGE_RESOURCE_PATH = 'static/report-page';

/**
 * The issue panel's module key, which is also the page's view name (`?view=issue-panel` in Connect):
 * the page shows the log-work and timer panel for the context's issue when loaded as this module.
 */
export const FORGE_ISSUE_PANEL_KEY = 'issue-panel';

/** The panel icon's file in the page's resource, written by the page build (forge-page-build.ts). */
export const FORGE_ISSUE_PANEL_ICON_FILE = 'tally-icon.svg';

/** The panel's icon, as Forge names a file of a resource. */
export const FORGE_ISSUE_PANEL_ICON = `resource:report-page;${FORGE_ISSUE_PANEL_ICON_FILE}`;

/** The endpoint keys, one per kind of call Forge makes (module keys are unique across all modules). */
export const FORGE_ENDPOINT_KEYS = Object.freeze({
  ui: 'ui-endpoint',
  lifecycle: 'lifecycle-endpoint',
  events: 'events-endpoint',
  tick: 'tick-endpoint',
  preUninstall: 'pre-uninstall-endpoint',
});

/**
 * The least scopes Tally needs. As the app it only reads Jira (src/jira/http-jira-client.ts: every
 * POST is a search or bulk read); it writes only with the user's token, when a person logs work or
 * runs the timer (issue 16). docs/forge.md says why each one is needed.
 */
export const FORGE_SCOPES = Object.freeze([
  // Forge delivers `x-forge-oauth-system` to the remote only with this scope (remote/essentials).
  'read:app-system-token',
  // `x-forge-oauth-user` for reads the viewer starts from the report page (the report's JQL).
  'read:app-user-token',
  // Worklogs, issues, projects, JQL search, permission checks, serverInfo, and the worklog events.
  'read:jira-work',
  // Display names and avatars of worklog authors (`/user/bulk`); the viewer's zone (`/myself`) and
  // the timer's user property (`GET /user/properties/{key}`) for log work.
  'read:jira-user',
  // Log work as the user (their token only): create, edit and delete worklogs, and set and delete
  // the timer's user property (jira-worklog and entity-properties OpenAPI excerpts: write:jira-work).
  'write:jira-work',
  // Reporting the stored account ids to Atlassian's Personal Data Reporting API (GDPR).
  'report:personal-data',
] as const);

/**
 * The scopes a token acting as a person may use when no Jira page is open — log work from the
 * Bitbucket pull-request panel, written with an `offlineUserAuthToken` (forge-migration.md §3.4):
 * the viewer's zone (`/myself`), the issue, and the worklog. "Scopes used this way must be declared
 * as a map with `allowImpersonation: true`" (`manifest-reference/permissions`), so the manifest
 * declares every scope in the map form (the list and the map cannot be mixed).
 */
export const FORGE_IMPERSONATION_SCOPES = Object.freeze(['read:jira-work', 'read:jira-user', 'write:jira-work'] as const);

/** `permissions.scopes` as the manifest writes it: each scope of {@link FORGE_SCOPES}, with `allowImpersonation` where needed. */
export function forgeManifestScopes(): { [scope: string]: { allowImpersonation?: true } } {
  const impersonable: readonly string[] = FORGE_IMPERSONATION_SCOPES;
  return Object.fromEntries(FORGE_SCOPES.map((scope) => [scope, impersonable.includes(scope) ? { allowImpersonation: true as const } : {}]));
}

/**
 * The product events Tally subscribes to. Issue deletions are included because Jira sends no
 * worklog-deleted events when an issue (or project) is deleted (events/index, "cascading").
 */
export const FORGE_WORKLOG_EVENTS = Object.freeze([
  'avi:jira:created:worklog',
  'avi:jira:updated:worklog',
  'avi:jira:deleted:worklog',
  'avi:jira:deleted:issue',
] as const);

/** The lifecycle events; `upgraded` fires for major versions only (events-reference/life-cycle). */
export const FORGE_LIFECYCLE_EVENTS = Object.freeze(['avi:forge:installed:app', 'avi:forge:upgraded:app'] as const);

/**
 * The documented example configuration `forge/manifest.yml` is generated from. Its app id is a
 * placeholder: `forge register` gives the real one (docs/forge.md).
 */
export const EXAMPLE_FORGE_MANIFEST_OPTIONS: Readonly<ForgeManifestOptions> = Object.freeze({
  appId: 'ari:cloud:ecosystem::app/00000000-0000-4000-8000-000000000000',
  baseUrl: 'https://tally.example.com',
});

/** The manifest as plain data, in the order it is written. */
export interface ForgeManifest {
  readonly [section: string]: YamlValue;
}

const CONNECT_KEY = /^[a-zA-Z0-9-._]{1,64}$/;
const RESOURCE_PATH = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_.-]+)*$/;

function checkOptions(options: ForgeManifestOptions): { baseUrl: string } {
  const { origin: baseUrl, problems } = checkForgeAppIdentity(options);
  if (options.connectKey !== undefined && !CONNECT_KEY.test(options.connectKey)) problems.push('connectKey: letters, digits, - . _ only, at most 64 characters');
  const resourcePath = options.resourcePath ?? FORGE_PAGE_RESOURCE_PATH;
  if (!RESOURCE_PATH.test(resourcePath) || resourcePath.split('/').includes('..')) {
    problems.push('resourcePath: must be a relative path inside the Forge app directory');
  }
  if (problems.length > 0) throw new AppError('CONFIG_INVALID', `Invalid Forge manifest options: ${problems.join('; ')}`, { details: problems });
  return { baseUrl };
}

function endpoint(key: string, path: string | undefined, userToken: boolean): YamlValue {
  return {
    key,
    remote: FORGE_REMOTE_KEY,
    ...(path ? { route: { path } } : {}),
    // The user token only where a user is in session (the pages); triggers and events get the
    // system token only, and a trigger endpoint with appUserToken is rejected by the linter.
    auth: userToken ? { appUserToken: { enabled: true }, appSystemToken: { enabled: true } } : { appSystemToken: { enabled: true } },
  };
}

/**
 * Builds Tally's Forge manifest from `options`. Pure: the same options give the same manifest.
 * Throws `CONFIG_INVALID` listing every bad option at once.
 */
export function buildForgeManifest(options: ForgeManifestOptions): ForgeManifest {
  const { baseUrl } = checkOptions(options);
  const ui = FORGE_ENDPOINT_KEYS.ui;
  const page = (key: string, title: string, extra: { [key: string]: YamlValue } = {}): YamlValue => ({
    key,
    title,
    resource: FORGE_PAGE_RESOURCE_KEY,
    resolver: { endpoint: ui },
    ...extra,
  });
  return {
    app: {
      id: options.appId,
      ...(options.connectKey ? { connect: { key: options.connectKey } } : {}),
      runtime: { name: options.runtimeName ?? 'nodejs22.x' },
      ...(options.licensing ? { licensing: { enabled: true } } : {}),
    },
    modules: {
      'jira:globalPage': [page('time-reports', 'Time reports')],
      // `useAsConfig` makes it the app's "Configure" page in Manage apps.
      'jira:adminPage': [page('admin', 'Tally time reports', { useAsConfig: true })],
      // The issue view's log-work and timer panel: the same page, which knows it is the panel by
      // its module key (`FORGE_ISSUE_PANEL_KEY`, the `moduleKey` of `view.getContext()`).
      'jira:issuePanel': [page(FORGE_ISSUE_PANEL_KEY, 'Log work (Tally)', { icon: FORGE_ISSUE_PANEL_ICON })],
      endpoint: [
        endpoint(ui, undefined, true),
        endpoint(FORGE_ENDPOINT_KEYS.lifecycle, FORGE_ROUTES.lifecycle, false),
        endpoint(FORGE_ENDPOINT_KEYS.events, FORGE_ROUTES.events, false),
        endpoint(FORGE_ENDPOINT_KEYS.tick, FORGE_ROUTES.tick, false),
        endpoint(FORGE_ENDPOINT_KEYS.preUninstall, FORGE_ROUTES.preUninstall, false),
      ],
      trigger: [
        { key: 'lifecycle', endpoint: FORGE_ENDPOINT_KEYS.lifecycle, events: [...FORGE_LIFECYCLE_EVENTS] },
        // `ignoreSelf`: Tally's own writes (log work, as the user) reach its sync directly (src/worklog-writes/).
        { key: 'worklog-events', endpoint: FORGE_ENDPOINT_KEYS.events, events: [...FORGE_WORKLOG_EVENTS], filter: { ignoreSelf: true } },
      ],
      // Straight at the remote: a trigger routed through a function would deliver a token without
      // the 2-hour minimum validity (remote/scheduled-triggers).
      scheduledTrigger: [{ key: 'sync-tick', endpoint: FORGE_ENDPOINT_KEYS.tick, interval: 'fiveMinute' }],
      preUninstall: [{ key: 'pre-uninstall', endpoint: FORGE_ENDPOINT_KEYS.preUninstall }],
    },
    remotes: [
      {
        key: FORGE_REMOTE_KEY,
        baseUrl,
        // `compute`: the pages call it with invokeRemote; `storage` with in-scope end-user data:
        // Tally keeps worklogs in its own databases (data residency: docs/forge.md).
        operations: ['storage', 'compute'],
        storage: { inScopeEUD: true },
      },
    ],
    resources: [{ key: FORGE_PAGE_RESOURCE_KEY, path: options.resourcePath ?? FORGE_PAGE_RESOURCE_PATH }],
    permissions: { scopes: forgeManifestScopes() },
  };
}

/** The comment on top of every generated manifest. */
export const FORGE_MANIFEST_HEADER = Object.freeze([
  'Generated by `npm run forge:manifest` (src/edges/jira-forge/manifest/forge-manifest.ts): do not edit by hand.',
  'docs/forge.md explains every module and scope, and how to generate it for your own app id and URL.',
]);

/** The manifest as `manifest.yml` text, with {@link FORGE_MANIFEST_HEADER} on top. */
export function renderForgeManifest(options: ForgeManifestOptions): string {
  return renderYaml(buildForgeManifest(options), FORGE_MANIFEST_HEADER);
}
