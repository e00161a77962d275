import { Hono } from 'hono';
import type { BearerAuthority } from '../auth/authenticate.js';
import type { SimEnv } from '../http/sim-env.js';
import type { JiraSite } from '../jira/jira-site.js';
import type { ForgeInstallation } from './forge-installation.js';
import type { ForgeOptions } from './forge-options.js';
import type { OAuthTokenIssuer } from './oauth-tokens.js';

/*
 * Offline user impersonation for a Forge remote (forge-migration.md §3.4, Forge's
 * `remote/calling-product-apis`, "Offline user impersonation"): `POST https://api.atlassian.com/graphql`
 * with `Authorization: Bearer <appSystemToken>` and
 *   mutation forge_remote_offlineUserAuthToken($input: OfflineUserAuthTokenInput!) {
 *     offlineUserAuthToken(input: $input) { success errors { message } authToken { token ttl } } }
 * with `input: {contextIds: ["<context ARI of the installation>"], userId: "<accountId>"}`. The
 * token "can be used in the same way as the app system token or app user token", so here it is
 * the simulator's user token for that account: REST calls with it run as that person.
 */

/** The GraphQL gateway's path on `api.atlassian.com`. */
export const GRAPHQL_PATH = '/graphql';

const FIELD = 'offlineUserAuthToken';

/** What the route reads at each call. */
export interface OfflineUserTokenDeps {
  site: JiraSite;
  tokens: OAuthTokenIssuer;
  bearer: BearerAuthority;
  cloudId: string;
  currentInstallation(): ForgeInstallation | undefined;
  options(): Readonly<ForgeOptions>;
}

/** The mutation's input, from variables (the documented form) or an inline object literal. */
interface MutationInput {
  contextIds: unknown;
  userId: unknown;
}

/** A refusal inside the mutation's answer: `errorType` and `statusCode` as Atlassian's GraphQL gateway names them (unverified). */
interface Refusal {
  message: string;
  errorType: string;
  statusCode: number;
}

/**
 * `POST /graphql` serving only `offlineUserAuthToken`. A missing, bad or expired bearer token
 * answers HTTP 401; past `offlineTokenRateLimitPerMinute` authenticated calls in the site clock's
 * minute, HTTP 429 with `Retry-After` (both assumed: the docs only say a non-2xx is possible). Refusals inside
 * the mutation — a user token instead of the system token, the permission lag, no scope declared
 * with `allowImpersonation`, a context id that is not this installation's, an unknown, inactive or
 * app account — answer in the configured `offlineTokenRefusal` shape. Other operations are a
 * GraphQL validation error (HTTP 400).
 */
export function offlineUserTokenRoutes(deps: OfflineUserTokenDeps): Hono<SimEnv> {
  const routes = new Hono<SimEnv>();
  let counter = { minute: -1, calls: 0 };

  routes.post(GRAPHQL_PATH, async (c) => {
    const header = c.req.header('authorization') ?? '';
    if (!header.startsWith('Bearer ')) return c.json(gatewayErrors('Unauthorized: a bearer token is required', 'UNAUTHENTICATED', 401), 401);
    const outcome = deps.bearer.authenticatePlatformCall(header.slice('Bearer '.length).trim());
    if (!outcome.ok && outcome.status === 401) return c.json(gatewayErrors(`Unauthorized (${outcome.reason})`, 'UNAUTHENTICATED', 401), 401);
    // Per app: one simulated app, so one fixed window of the site clock's minute.
    const minute = Math.floor(deps.site.clock.now() / 60_000);
    if (counter.minute !== minute) counter = { minute, calls: 0 };
    if (++counter.calls > deps.options().offlineTokenRateLimitPerMinute) {
      const retryAfterSeconds = Math.max(1, Math.ceil(((minute + 1) * 60_000 - deps.site.clock.now()) / 1000));
      return c.json(gatewayErrors('Rate limit exceeded for offlineUserAuthToken', 'RATE_LIMITED', 429), 429, { 'Retry-After': String(retryAfterSeconds) });
    }

    const body = (await c.req.json().catch(() => undefined)) as { query?: unknown; variables?: unknown } | undefined;
    const input = typeof body?.query === 'string' ? readMutationInput(body.query, body.variables) : undefined;
    if (!input) return c.json(gatewayErrors(`Only the ${FIELD} mutation is served here`, 'GRAPHQL_VALIDATION_FAILED', 400), 400);

    const refuse = (refusal: Refusal) => c.json(refusalBody(deps.options().offlineTokenRefusal, refusal));
    if (!outcome.ok) return refuse({ message: outcome.reason, errorType: 'FORBIDDEN', statusCode: 403 });
    const installation = deps.currentInstallation();
    if (outcome.caller.kind !== 'app' || !installation) {
      return refuse({ message: 'Only a Forge app system token may request offline user tokens', errorType: 'FORBIDDEN', statusCode: 403 });
    }
    const options = deps.options();
    if (options.impersonationScopes.length === 0) {
      return refuse({ message: 'The app does not declare any scope with allowImpersonation', errorType: 'FORBIDDEN', statusCode: 403 });
    }
    const contextAri = options.offlineTokenContextAri.replaceAll('{cloudId}', deps.cloudId);
    const { contextIds, userId } = input;
    if (!Array.isArray(contextIds) || contextIds.length !== 1 || contextIds[0] !== contextAri) {
      return refuse({ message: 'The context ids do not name this installation', errorType: 'BAD_REQUEST', statusCode: 400 });
    }
    const user = typeof userId === 'string' ? deps.site.users.get(userId) : undefined;
    if (!user || !user.active || user.accountType === 'app') {
      return refuse({ message: 'The user cannot be impersonated: unknown, inactive or an app account', errorType: 'NOT_FOUND', statusCode: 404 });
    }
    // The user-token machinery: the same token invokeRemote would carry for this person, with its `exp`.
    const token = deps.tokens.deliver('user', installation.uuid, user.accountId);
    const check = deps.tokens.verify(token);
    const ttl = check.ok ? Math.max(0, Math.floor((check.claims.expMs - deps.site.clock.now()) / 1000)) : 0;
    return c.json({ data: { [FIELD]: { success: true, errors: null, authToken: { token, ttl } } } });
  });

  return routes;
}

/**
 * The mutation's input: `offlineUserAuthToken(input: $name)` with `variables[name]`, or an inline
 * `{contextIds: ["…"], userId: "…"}` literal (strings only). Undefined for any other operation.
 * Not a GraphQL parser: enough for the one mutation, whatever the selection set (the full payload is answered).
 */
function readMutationInput(query: string, variables: unknown): MutationInput | undefined {
  if (!/^\s*mutation\b/.test(query)) return undefined;
  const byVariable = new RegExp(`\\b${FIELD}\\s*\\(\\s*input\\s*:\\s*\\$([A-Za-z_][A-Za-z0-9_]*)\\s*\\)`).exec(query);
  if (byVariable) {
    const value = (variables as Record<string, unknown> | null | undefined)?.[byVariable[1]!];
    return value && typeof value === 'object' ? (value as MutationInput) : { contextIds: undefined, userId: undefined };
  }
  const inline = new RegExp(`\\b${FIELD}\\s*\\(\\s*input\\s*:\\s*\\{([^}]*)\\}\\s*\\)`).exec(query);
  if (!inline) return undefined;
  const literal = inline[1]!;
  const list = /\bcontextIds\s*:\s*\[([^\]]*)\]/.exec(literal);
  const user = /\buserId\s*:\s*("(?:[^"\\]|\\.)*")/.exec(literal);
  const strings = (text: string) => [...text.matchAll(/"(?:[^"\\]|\\.)*"/g)].map((match) => JSON.parse(match[0]) as string);
  return { contextIds: list ? strings(list[1]!) : undefined, userId: user ? (JSON.parse(user[1]!) as string) : undefined };
}

/** A body of top-level GraphQL errors, as the gateway answers what never reached the mutation. */
function gatewayErrors(message: string, errorType: string, statusCode: number): Record<string, unknown> {
  return { errors: [{ message, extensions: { errorType, statusCode } }] };
}

function refusalBody(shape: ForgeOptions['offlineTokenRefusal'], refusal: Refusal): Record<string, unknown> {
  const error = { message: refusal.message, extensions: { errorType: refusal.errorType, statusCode: refusal.statusCode } };
  if (shape === 'graphql-errors') return { data: { [FIELD]: null }, errors: [{ ...error, path: [FIELD] }] };
  return { data: { [FIELD]: { success: false, errors: [error], authToken: null } } };
}
