import { createQueryStringHash, encodeSymmetric, fromMethodAndUrl, SymmetricAlgorithm } from 'atlassian-jwt';
import { appUrl, grantsScope, type BbDescriptor } from './connect-descriptor.js';

/**
 * Which scope a context parameter needs before Bitbucket substitutes it (since 2021-05-17,
 * bitbucket-cloud.md §1.1, `connect-context-access`).
 */
const PARAMETER_SCOPES: Record<string, string> = {
  user: 'account',
  target_user: 'account',
  workspace: 'account',
  principal: 'account',
  repository: 'repository',
  branch: 'repository',
  commit: 'repository',
  file: 'repository',
  directory: 'repository',
  pullrequest: 'pullrequest',
  issue: 'issue',
};

/** Who the `sub` claim of an iframe JWT names: unverified for Bitbucket (§1.4, §6), hence a choice. */
export type BbPageSubject = 'user-uuid' | 'user-account-id' | 'none';

/** What {@link buildConnectPageUrl} needs: the rendered REST objects the parameters mirror. */
export interface ConnectPageUrlInput {
  descriptor: BbDescriptor;
  template: string;
  clientKey: string;
  sharedSecret: string;
  /** Rendered REST 2.0 objects by context name (`user`, `workspace`, `repository`, `pullrequest`, `principal`). */
  context: Record<string, unknown>;
  subject: string | undefined;
  nowMs: number;
  tokenLifetimeSeconds: number;
}

function lookup(root: Record<string, unknown>, path: string): unknown {
  let value: unknown = root;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/**
 * Substitutes `{a.b.c}` with the URL-encoded value at that path of the context objects (the
 * parameters mirror the REST JSON, §1.1). A parameter whose scope the descriptor lacks, or that
 * has no value here, becomes empty — what Bitbucket puts there is [UNVERIFIED]. Pure.
 */
export function substituteContext(descriptor: BbDescriptor, template: string, context: Record<string, unknown>): string {
  return template.replace(/\{([a-z_]+(?:\.[a-z_]+)*)\}/gi, (_, path: string) => {
    const root = path.split('.')[0] as string;
    const scope = PARAMETER_SCOPES[root];
    if (scope === undefined || !grantsScope(descriptor, scope)) return '';
    const value = lookup(context, path);
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? encodeURIComponent(String(value)) : '';
  });
}

/**
 * The iframe URL Bitbucket loads for a module: the template with context parameters substituted,
 * resolved against the app's baseUrl, plus `jwt=` — HS256 with the installation's secret,
 * `{iss: clientKey, sub?, iat, exp, qsh}`, `qsh` over GET and the path relative to the baseUrl's
 * path with the query sorted and `jwt` left out (Jira's algorithm, §1.4).
 */
export function buildConnectPageUrl(input: ConnectPageUrlInput): string {
  // Built as text, not through URLSearchParams, so the query the app receives is byte for byte the one hashed.
  const url = appUrl(input.descriptor.baseUrl, substituteContext(input.descriptor, input.template, input.context));
  if (!URL.canParse(url)) throw new RangeError(`module url does not resolve to a URL: ${url}`);
  const iat = Math.floor(input.nowMs / 1000);
  const qsh = createQueryStringHash(fromMethodAndUrl('GET', url), false, input.descriptor.baseUrl);
  const claims: Record<string, unknown> = { iss: input.clientKey, iat, exp: iat + input.tokenLifetimeSeconds, qsh };
  if (input.subject !== undefined) claims.sub = input.subject;
  const token = encodeSymmetric(claims, input.sharedSecret, SymmetricAlgorithm.HS256);
  const [beforeHash = url, hash] = url.split('#', 2);
  const separator = beforeHash.includes('?') ? '&' : '?';
  return `${beforeHash}${separator}jwt=${token}${hash === undefined ? '' : `#${hash}`}`;
}
