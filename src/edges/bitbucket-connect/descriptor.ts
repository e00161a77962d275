import type { Config } from '../../config/load-config.js';

/**
 * Every path the Bitbucket Connect descriptor names, relative to `baseUrl`. The router mounts
 * exactly these strings (page URLs without their query), so descriptor and routes cannot drift.
 */
export const BITBUCKET_CONNECT_ROUTES = Object.freeze({
  descriptor: '/bitbucket/atlassian-connect.json',
  installed: '/bitbucket/installed',
  uninstalled: '/bitbucket/uninstalled',
  pullRequestPanel: '/bitbucket/pr-panel',
  /** The panel's log-work form (POST, `log-work` session token), and the panel shown after a write (GET, `log-work-result` token). */
  logWork: '/bitbucket/pr-panel/log-work',
  pullRequestPanelAfterWrite: '/bitbucket/pr-panel/view',
  repositoryPage: '/bitbucket/repository',
  configurePage: '/bitbucket/configure',
  pair: '/bitbucket/configure/pair',
  unlink: '/bitbucket/configure/unlink',
} as const);

/**
 * The scopes Tally asks for — the fewest that work (bitbucket-cloud.md §1.1). A descriptor
 * without `scopes` would get ALL scopes, so the list is explicit:
 * - `account`: Bitbucket substitutes the `{user.*}` context parameters (the viewer's account id
 *   and UUID) only when `account` is declared (connect-context-access), and `GET /2.0/user`, the
 *   one call that confirms a first install, needs it;
 * - `pullrequest`: reading pull requests and their commits; it implies `repository` read on the
 *   destination repository, which is all the repository page reads (through pull-request
 *   endpoints) — so `repository` is not declared on its own.
 * Tally never writes to Bitbucket: no `:write`, no `webhook`.
 */
export const BITBUCKET_CONNECT_SCOPES = Object.freeze(['account', 'pullrequest'] as const);

interface BitbucketPageModule {
  readonly key: string;
  readonly name: { readonly value: string };
  readonly url: string;
  readonly location?: string;
  readonly weight?: number;
  readonly params?: { readonly auiIcon: string };
}

/** The Bitbucket Connect app descriptor Tally serves (bitbucket-cloud.md §1.1–1.2). */
export interface BitbucketDescriptor {
  readonly key: string;
  readonly name: string;
  readonly description: string;
  readonly vendor: { readonly name: string; readonly url: string };
  readonly baseUrl: string;
  readonly authentication: { readonly type: 'jwt' };
  readonly contexts: readonly ['account'];
  readonly scopes: readonly string[];
  readonly lifecycle: { readonly installed: string; readonly uninstalled: string };
  readonly modules: {
    readonly webPanels: readonly BitbucketPageModule[];
    readonly repoPages: readonly BitbucketPageModule[];
    readonly configurePage: BitbucketPageModule;
  };
}

/** The pull-request overview panel's iframe URL: repository, pull request and viewer, all covered by the JWT's qsh. */
export const PULL_REQUEST_PANEL_URL = `${BITBUCKET_CONNECT_ROUTES.pullRequestPanel}?repo={repository.full_name}&pr={pullrequest.id}&account={user.account_id}`;
/** The repository page's iframe URL. */
export const REPOSITORY_PAGE_URL = `${BITBUCKET_CONNECT_ROUTES.repositoryPage}?repo={repository.full_name}&account={user.account_id}`;
/** The configure page's iframe URL (workspace settings). */
export const CONFIGURE_PAGE_URL = `${BITBUCKET_CONNECT_ROUTES.configurePage}?account={user.account_id}&user={user.uuid}`;

/**
 * Builds the descriptor. Pure and deterministic: a changed descriptor is a new app version for
 * Bitbucket too. `baseUrl` loses trailing slashes so qsh checks relative to it have one spelling.
 * `contexts: ['account']`: the app is visible to everyone with access to the workspace (the
 * `personal` context is deprecated, bitbucket-cloud.md §1.1).
 */
export function buildBitbucketDescriptor(config: Pick<Config, 'baseUrl' | 'bitbucketAppKey' | 'appName'>): BitbucketDescriptor {
  const baseUrl = config.baseUrl.replace(/\/+$/, '');
  return {
    key: config.bitbucketAppKey,
    name: config.appName,
    description: 'The time logged in Jira behind every pull request.',
    vendor: { name: 'Tally', url: baseUrl },
    baseUrl,
    authentication: { type: 'jwt' },
    contexts: ['account'],
    scopes: [...BITBUCKET_CONNECT_SCOPES],
    lifecycle: { installed: BITBUCKET_CONNECT_ROUTES.installed, uninstalled: BITBUCKET_CONNECT_ROUTES.uninstalled },
    modules: {
      webPanels: [
        {
          key: 'tally-pull-request-time',
          name: { value: 'Time logged' },
          url: PULL_REQUEST_PANEL_URL,
          location: 'org.bitbucket.pullrequest.overview.informationPanel',
          weight: 100,
        },
      ],
      repoPages: [
        { key: 'tally-repository-time', name: { value: 'Time logged' }, url: REPOSITORY_PAGE_URL, location: 'org.bitbucket.repository.navigation', params: { auiIcon: 'aui-iconfont-time' } },
      ],
      configurePage: { key: 'tally-configure', name: { value: 'Tally' }, url: CONFIGURE_PAGE_URL },
    },
  };
}
