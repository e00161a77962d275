import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { BitbucketInstallation } from '../../bitbucket/bitbucket-installations.js';
import type { RepositoryRef } from '../../bitbucket/bitbucket-time-ports.js';
import { AppError } from '../../platform/app-error.js';
import type { Logger } from '../../platform/logger.js';
import type { TenantRegistry } from '../../tenants/tenant-registry.js';
import type { BitbucketHost } from '../edge.js';
import type { BitbucketForgeInvocation, BitbucketInvocationTokenVerifier } from '../kit/bitbucket-invocation-token.js';
import { BITBUCKET_UI_MODULE_TYPES, bitbucketUiAuth, type BitbucketForgeEnv } from './bitbucket-forge-auth.js';
import type { BitbucketForgeInstallationStore } from './bitbucket-forge-installation-store.js';
import { BITBUCKET_FORGE_ROUTES, readOptionalJson, systemTokenOf } from './bitbucket-forge-trigger-routes.js';

/** What the page routes need. */
export interface BitbucketForgeUiRoutesDeps {
  verifier: BitbucketInvocationTokenVerifier;
  store: BitbucketForgeInstallationStore;
  bitbucket: BitbucketHost;
  registry: Pick<TenantRegistry, 'findTenant'>;
  logger: Logger;
}

/** The settings page's answer: whether the workspace is linked, and to which Jira site. */
export interface WorkspaceSettings {
  linked: boolean;
  /** The linked Jira site's URL; null when not linked (or the site was uninstalled). */
  siteUrl: string | null;
  linkedAtMs: number | null;
}

const DAY_MS = 86_400_000;
/** The longest period the repository page sums (a year and a day, so a leap year fits). */
const MAX_PERIOD_DAYS = 366;
const ISO_DATE = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');

const periodSchema = z.object({ from: ISO_DATE, to: ISO_DATE }).strict();
const pairSchema = z.object({ code: z.string().trim().min(1).max(64) }).strict();
// Shapes only: the values are checked by the worklog-writes module (`WORKLOG_INPUT_INVALID`, per field).
const logWorkSchema = z.object({ issue: z.string().max(300), date: z.string().max(40), startTime: z.string().max(40), duration: z.string().max(100), comment: z.string().optional() }).strict();

function parsed<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) throw new AppError('REQUEST_INVALID', `Invalid request: ${result.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ')}`);
  return result.data;
}

/** `YYYY-MM-DD` as the UTC midnight it names; refuses dates that do not exist (`2026-02-30`). */
function utcMidnightMs(date: string, field: string): number {
  const ms = Date.parse(`${date}T00:00:00.000Z`);
  if (!Number.isFinite(ms) || new Date(ms).toISOString().slice(0, 10) !== date) throw new AppError('REQUEST_INVALID', `Invalid request: ${field}: not a calendar date`);
  return ms;
}

/** The period [from, to) of the repository page: `to` after `from`, at most {@link MAX_PERIOD_DAYS} days. */
export function readPeriod(body: unknown): { fromMs: number; toMs: number } {
  const { from, to } = parsed(periodSchema, body);
  const fromMs = utcMidnightMs(from, 'from');
  const toMs = utcMidnightMs(to, 'to');
  if (toMs <= fromMs) throw new AppError('REQUEST_INVALID', 'Invalid request: to: must be after from');
  if (toMs - fromMs > MAX_PERIOD_DAYS * DAY_MS) throw new AppError('REQUEST_INVALID', `Invalid request: the period is longer than ${MAX_PERIOD_DAYS} days`);
  return { fromMs, toMs };
}

function requireModule(invocation: BitbucketForgeInvocation, moduleType: string, what: string): void {
  if (invocation.moduleType !== moduleType) throw new AppError('AUTH_FORBIDDEN', `${what} is answered on its own Bitbucket page only`);
}

/**
 * The pages' calls, `POST /bitbucket/forge/ui/<name>` through `invokeRemote`. The workspace, the
 * repository and the pull request come from the verified token only (Forge signs the page's
 * `context.extension`), never from the body: a viewer can ask about the page they are on, nothing
 * else. The workspace's settings (link state, pairing, unlinking) are answered only to the
 * workspace settings page, which Bitbucket shows to workspace admins only.
 */
export function bitbucketForgeUiRoutes(deps: BitbucketForgeUiRoutesDeps): Hono<BitbucketForgeEnv> {
  const routes = new Hono<BitbucketForgeEnv>();
  const { store, bitbucket } = deps;

  /** The installation the token names; one Tally does not hold is re-created, unlinked (docs/bitbucket-forge.md). */
  async function installationOf(invocation: BitbucketForgeInvocation): Promise<BitbucketInstallation> {
    const held = await store.find(invocation.installationId);
    if (held) return held.installation;
    const outcome = await store.register({ forgeInstallationId: invocation.installationId, workspaceId: invocation.workspaceId }, undefined);
    deps.logger.info({ event: 'bitbucket_forge_recreated', installationId: outcome.installation.id }, 'Bitbucket Forge page call of an installation Tally did not hold: re-created, unlinked');
    return outcome.installation;
  }

  /** The Bitbucket API as the app, with the system token of this request only. */
  function apiOf(c: Context<BitbucketForgeEnv>, invocation: BitbucketForgeInvocation) {
    const systemToken = systemTokenOf(c);
    if (!systemToken) throw new AppError('AUTH_FORBIDDEN', 'Forge delivered no app system token with this call (the manifest enables appSystemToken)');
    return bitbucket.apiFor(invocation.apiBaseUrl, async () => `Bearer ${systemToken}`);
  }

  function repositoryOf(invocation: BitbucketForgeInvocation): RepositoryRef {
    const repository = invocation.extension?.repositoryUuid;
    if (!repository) throw new AppError('REQUEST_INVALID', 'The page names no repository (context.extension.repository.uuid)');
    return { workspace: `{${invocation.workspaceId}}`, repository };
  }

  async function settingsOf(installation: BitbucketInstallation | undefined): Promise<WorkspaceSettings> {
    const tenant = installation?.jiraTenantId ? await deps.registry.findTenant(installation.jiraTenantId) : undefined;
    if (!installation || !tenant || tenant.state !== 'installed') return { linked: false, siteUrl: null, linkedAtMs: null };
    return { linked: true, siteUrl: tenant.baseUrl, linkedAtMs: installation.linkedAtMs };
  }

  const handlers: Record<string, (c: Context<BitbucketForgeEnv>, invocation: BitbucketForgeInvocation) => Promise<unknown>> = {
    async 'pull-request-time'(c, invocation) {
      requireModule(invocation, BITBUCKET_UI_MODULE_TYPES.pullRequestPanel, 'A pull request\'s time');
      const pullRequestId = invocation.extension?.pullRequestId;
      if (pullRequestId === undefined) throw new AppError('REQUEST_INVALID', 'The page names no pull request (context.extension.pullRequest.id)');
      const repository = repositoryOf(invocation);
      const installation = await installationOf(invocation);
      return bitbucket.time.pullRequestPanel({ installation, viewerAccountId: invocation.accountId, api: apiOf(c, invocation), repository, pullRequestId });
    },
    async 'repository-time'(c, invocation) {
      requireModule(invocation, BITBUCKET_UI_MODULE_TYPES.repositoryPage, 'A repository\'s time');
      const repository = repositoryOf(invocation);
      const { fromMs, toMs } = readPeriod(await readOptionalJson(c));
      const installation = await installationOf(invocation);
      return bitbucket.time.repositoryPage({ installation, viewerAccountId: invocation.accountId, api: apiOf(c, invocation), repository, fromMs, toMs });
    },
    /**
     * Log work from the pull-request panel, written to the linked Jira site as the viewer: the
     * account id is the token's `principal`, never the body's; any issue key may be named, and
     * Jira decides as that person whether they may log to it. Answers `{ worklog, shown }`.
     */
    async 'log-work'(c, invocation) {
      requireModule(invocation, BITBUCKET_UI_MODULE_TYPES.pullRequestPanel, 'Log work');
      const input = parsed(logWorkSchema, await readOptionalJson(c));
      const installation = await installationOf(invocation);
      const logged = await bitbucket.worklogs.logWork({ installation, accountId: invocation.accountId, input });
      deps.logger.info({ event: 'bitbucket_work_logged', installationId: installation.id, worklogId: logged.worklog.id }, 'work logged from a Bitbucket pull request');
      c.status(201);
      return logged;
    },
    async settings(_c, invocation) {
      requireModule(invocation, BITBUCKET_UI_MODULE_TYPES.workspaceSettings, 'The workspace\'s link');
      return settingsOf(await installationOf(invocation));
    },
    async pair(c, invocation) {
      requireModule(invocation, BITBUCKET_UI_MODULE_TYPES.workspaceSettings, 'Pairing');
      const { code } = parsed(pairSchema, await readOptionalJson(c));
      const installation = await installationOf(invocation);
      const linked = await bitbucket.installations.redeemPairingCode(installation.id, code);
      deps.logger.info({ event: 'bitbucket_linked', installationId: installation.id, tenantId: linked.jiraTenantId }, 'Bitbucket workspace linked to a Jira site');
      return settingsOf(linked);
    },
    async unlink(_c, invocation) {
      requireModule(invocation, BITBUCKET_UI_MODULE_TYPES.workspaceSettings, 'Unlinking');
      const installation = await installationOf(invocation);
      await bitbucket.installations.unlink(installation.id);
      deps.logger.info({ event: 'bitbucket_unlinked', installationId: installation.id }, 'Bitbucket workspace unlinked (from Bitbucket)');
      return settingsOf(await bitbucket.installations.find(installation.id));
    },
  };

  routes.post(`${BITBUCKET_FORGE_ROUTES.ui}/:name`, bitbucketUiAuth(deps.verifier), async (c) => {
    const name = c.req.param('name');
    const handler = Object.hasOwn(handlers, name) ? handlers[name] : undefined;
    if (!handler) throw new AppError('NOT_FOUND', 'No such Bitbucket page call');
    return c.json(await handler(c, c.get('bitbucketInvocation')));
  });

  return routes;
}
