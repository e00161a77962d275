import { z } from 'zod';
import { AppError } from '../../platform/app-error.js';
import {
  createSignedInvocationTokenCheck,
  invocationTokenRefused as invalid,
  isLoopbackHost,
  type SignedInvocationTokenDeps,
} from './invocation-token.js';

/*
 * The Forge Invocation Token of a Bitbucket Forge app (bitbucket-cloud.md §2.2, forge-migration.md
 * §3.3): signed and enveloped exactly as Jira's (same JWKS, RS256, `iss`, `aud` = the Bitbucket
 * app's ARI), but the installation is a workspace: `app.installation.contexts[]` holds
 * `{ name: 'bitbucket', apiBaseUrl: 'https://api.bitbucket.org', workspaceId: '<uuid>' }` (no
 * braces) and UI calls add `context.workspaceId` (`'{<uuid>}'`, braces). Both are normalised to
 * the bare lower-case uuid and must agree. A Jira token names no Bitbucket context and is refused.
 */

/** What a verified Bitbucket invocation token proves. Nothing here comes from the body or other headers. */
export interface BitbucketForgeInvocation {
  /** `ari:cloud:ecosystem::installation/<uuid>`, normalised (installation-id.ts). */
  installationId: string;
  /** The workspace's uuid, bare and lower case (`b7ea02c9-…`); Bitbucket's REST takes it in braces. */
  workspaceId: string;
  /** Bitbucket's REST origin (`https://api.bitbucket.org`) on an allowed host, no trailing slash. */
  apiBaseUrl: string;
  /** The acting user's Atlassian account id (`principal`): UI calls only, never triggers. */
  accountId: string | undefined;
  /** `app.module.type`: `core:endpoint` for triggers, the UI module's type (`bitbucket:…`) otherwise. */
  moduleType: string | undefined;
  /** Where the UI module is shown (`context.extension`), as Forge signed it: UI calls only. */
  extension: BitbucketExtension | undefined;
}

/** The parts of `context.extension` Tally reads: which repository and pull request the page is on. */
export interface BitbucketExtension {
  /** The repository's uuid with braces (`{…}`), as Bitbucket's REST takes it. */
  repositoryUuid: string | undefined;
  pullRequestId: number | undefined;
}

/** Verifies Bitbucket invocation tokens; one per process, its key cache shared by every route. */
export interface BitbucketInvocationTokenVerifier {
  /**
   * Verifies `token`: `AUTH_INVALID` (401) for anything wrong with it (a Jira token included),
   * `AUTH_FORBIDDEN` (403) when its `apiBaseUrl` is on a host outside TALLY_BITBUCKET_FORGE_API_HOSTS,
   * `FORGE_KEYS_UNAVAILABLE` (503) when the key set cannot be fetched.
   */
  verify(token: string): Promise<BitbucketForgeInvocation>;
}

/** What {@link createBitbucketInvocationTokenVerifier} needs. */
export interface BitbucketInvocationTokenVerifierDeps extends SignedInvocationTokenDeps {
  /** TALLY_BITBUCKET_FORGE_API_HOSTS: `host` or `host:port`, lower case. */
  allowedApiHosts: readonly string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ACCOUNT_ID = /^[A-Za-z0-9:_-]{1,128}$/;
const BITBUCKET_CONTEXT = 'bitbucket';

/** A workspace or repository uuid with or without braces, as the bare lower-case uuid; undefined when it is none. */
export function normaliseBitbucketUuid(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const bare = raw.trim().replace(/^\{(.*)\}$/, '$1').toLowerCase();
  return UUID.test(bare) ? bare : undefined;
}

const contextEntrySchema = z.object({
  name: z.string().max(100).optional(),
  apiBaseUrl: z.string().max(500).optional(),
  workspaceId: z.string().max(100).optional(),
  cloudId: z.string().max(100).optional(),
});

const pullRequestId = z.union([z.number().int().positive().max(2 ** 31), z.string().regex(/^[1-9]\d{0,9}$/).transform(Number)]);

/** The claims Tally reads; everything else in the token is ignored. */
const claimsSchema = z.object({
  app: z.object({
    id: z.string().max(200),
    installationId: z.string().max(200),
    // Documented for Jira; for Bitbucket the context's `apiBaseUrl` stands in when it is absent.
    apiBaseUrl: z.string().max(500).optional(),
    installation: z.object({ id: z.string().max(200).optional(), contexts: z.array(contextEntrySchema).max(50) }),
    module: z.object({ type: z.string().max(200).optional(), key: z.string().max(200).optional() }).optional(),
  }),
  context: z
    .object({
      workspaceId: z.string().max(100).optional(),
      cloudId: z.string().max(100).optional(),
      extension: z
        .object({
          repository: z.object({ uuid: z.string().max(100).optional() }).optional(),
          pullRequest: z.object({ id: pullRequestId.optional() }).optional(),
        })
        .optional(),
    })
    .optional(),
  principal: z.string().regex(ACCOUNT_ID).optional(),
});

type Claims = z.infer<typeof claimsSchema>;

function extensionOf(context: Claims['context']): BitbucketExtension | undefined {
  const extension = context?.extension;
  if (!extension) return undefined;
  const rawRepository = extension.repository?.uuid;
  const repository = rawRepository === undefined ? undefined : normaliseBitbucketUuid(rawRepository);
  if (rawRepository !== undefined && !repository) throw invalid('context.extension.repository.uuid is not a uuid');
  return { repositoryUuid: repository && `{${repository}}`, pullRequestId: extension.pullRequest?.id };
}

/**
 * Builds the verifier: the shared signed-token check (kit/invocation-token.ts), then the claims
 * with zod and their agreement — installation id in both places, exactly one `bitbucket` context
 * with a workspace uuid, `context.workspaceId` (when present) the same workspace, no Jira
 * `cloudId` anywhere, and `apiBaseUrl` the context's, an origin on an allowed host.
 */
export function createBitbucketInvocationTokenVerifier(deps: BitbucketInvocationTokenVerifierDeps): BitbucketInvocationTokenVerifier {
  const signed = createSignedInvocationTokenCheck(deps);
  const allowedHosts = new Set(deps.allowedApiHosts.map((host) => host.toLowerCase()));

  function checkApiBaseUrl(raw: string): string {
    if (!URL.canParse(raw)) throw invalid('apiBaseUrl is not a URL');
    const url = new URL(raw);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) throw invalid('apiBaseUrl is not https');
    if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '' || url.pathname !== '/') throw invalid('apiBaseUrl is not a Bitbucket API origin');
    // Tally sends the workspace's tokens to this origin: a host outside the list is a policy refusal, not a bad token.
    if (!allowedHosts.has(url.host.toLowerCase())) {
      throw new AppError('AUTH_FORBIDDEN', 'The invocation token points to an API host Tally does not call (TALLY_BITBUCKET_FORGE_API_HOSTS)');
    }
    return url.origin;
  }

  return {
    async verify(token) {
      const { claims, installationId } = await signed.verifiedClaims(token, claimsSchema);
      const { app, context, principal } = claims;
      const bitbucket = app.installation.contexts.filter((entry) => entry.name === BITBUCKET_CONTEXT);
      if (bitbucket.length !== 1) throw invalid('not a Bitbucket installation (one bitbucket context expected)');
      // A Jira or Confluence site in the same token would make "the workspace" ambiguous for the routes.
      if (app.installation.contexts.some((entry) => entry.cloudId !== undefined) || context?.cloudId !== undefined) throw invalid('names a Jira or Confluence site');
      const entry = bitbucket[0] as z.infer<typeof contextEntrySchema>;
      const workspaceId = normaliseBitbucketUuid(entry.workspaceId);
      if (!workspaceId) throw invalid('the bitbucket context has no workspace uuid');
      if (context?.workspaceId !== undefined && normaliseBitbucketUuid(context.workspaceId) !== workspaceId) throw invalid('context.workspaceId names another workspace');
      const rawApiBaseUrl = app.apiBaseUrl ?? entry.apiBaseUrl;
      if (rawApiBaseUrl === undefined) throw invalid('no apiBaseUrl');
      const apiBaseUrl = checkApiBaseUrl(rawApiBaseUrl);
      if (entry.apiBaseUrl !== undefined && checkApiBaseUrl(entry.apiBaseUrl) !== apiBaseUrl) throw invalid('the bitbucket context names another apiBaseUrl');
      return { installationId, workspaceId, apiBaseUrl, accountId: principal, moduleType: app.module?.type, extension: extensionOf(context) };
    },
  };
}
