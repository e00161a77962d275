/**
 * The options every Forge manifest Tally generates starts from — the app's id and Tally's public
 * origin as its one remote — and their checks, shared by the Jira and the Bitbucket Forge apps.
 */

/** The app and the remote a Forge manifest names. */
export interface ForgeAppIdentity {
  /** The Forge app id, `ari:cloud:ecosystem::app/<uuid>`, as `forge register` prints it. */
  appId: string;
  /** Tally's public https origin (`TALLY_BASE_URL`): the remote's `baseUrl`. */
  baseUrl: string;
}

/** What {@link checkForgeAppIdentity} found: the remote's origin, and one `field: problem` line per problem. */
export interface ForgeAppIdentityCheck {
  /** `baseUrl` normalised to its origin; empty when it is not a URL. */
  origin: string;
  problems: string[];
}

const APP_ID = /^ari:cloud:ecosystem::app\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Checks the app id and the base URL. Pure and never throws: the caller adds its own problems
 * and raises one `CONFIG_INVALID` listing them all.
 */
export function checkForgeAppIdentity(options: ForgeAppIdentity): ForgeAppIdentityCheck {
  const problems: string[] = [];
  if (!APP_ID.test(options.appId)) problems.push('appId: must be ari:cloud:ecosystem::app/<uuid> (lower-case), as `forge register` prints it');
  if (!URL.canParse(options.baseUrl)) return { origin: '', problems: [...problems, 'baseUrl: not a URL'] };
  const url = new URL(options.baseUrl);
  // Forge calls remotes over https only; Tally serves at the root of its base URL.
  if (url.protocol !== 'https:') problems.push('baseUrl: must be https (Forge calls remotes over https only)');
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    problems.push('baseUrl: must be an origin without a path, query, fragment or credentials');
  }
  return { origin: url.origin, problems };
}
