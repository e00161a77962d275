import { Hono, type Context } from 'hono';
import type { BitbucketInstaller } from '../../bitbucket/bitbucket-installations.js';
import { readJson } from '../../http/read-json.js';
import { AppError } from '../../platform/app-error.js';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import type { BitbucketHost } from '../edge.js';
import type { BitbucketForgeInvocation, BitbucketInvocationTokenVerifier } from '../kit/bitbucket-invocation-token.js';
import { bitbucketTriggerAuth, SYSTEM_TOKEN_HEADER, type BitbucketForgeEnv } from './bitbucket-forge-auth.js';
import type { BitbucketForgeInstallationStore } from './bitbucket-forge-installation-store.js';
import { assertSameInstallation, installerAccountIdOf, lifecycleEventOf, unwrapDelivery } from './bitbucket-forge-payloads.js';

/** The paths Forge calls: the manifest's `endpoint[].route.path` (forge-bitbucket/manifest.yml). */
export const BITBUCKET_FORGE_ROUTES = {
  lifecycle: '/bitbucket/forge/lifecycle',
  tick: '/bitbucket/forge/tick',
  preUninstall: '/bitbucket/forge/pre-uninstall',
  /** `<ui>/<name>`: the pages' `invokeRemote` calls. */
  ui: '/bitbucket/forge/ui',
} as const;

/** What the trigger routes need. */
export interface BitbucketForgeTriggerRoutesDeps {
  verifier: BitbucketInvocationTokenVerifier;
  store: BitbucketForgeInstallationStore;
  bitbucket: Pick<BitbucketHost, 'apiFor'>;
  clock: Clock;
  logger: Logger;
}

/** A body that is absent or not JSON reads as `{}`: ticks and pre-uninstall carry nothing Tally needs. */
export async function readOptionalJson(c: Context): Promise<unknown> {
  try {
    return await readJson(c);
  } catch {
    return {};
  }
}

/** The system token delivered with this request; used for it alone and never stored or logged. */
export function systemTokenOf(c: Context): string | undefined {
  return c.req.header(SYSTEM_TOKEN_HEADER)?.trim() || undefined;
}

/**
 * The routes Forge calls on the remote. Each one: the invocation token first (401 for any token
 * failure, 403 for a user's), then the body's agreement with it (401), and only then any write.
 */
export function bitbucketForgeTriggerRoutes(deps: BitbucketForgeTriggerRoutesDeps): Hono<BitbucketForgeEnv> {
  const routes = new Hono<BitbucketForgeEnv>();
  const triggerAuth = bitbucketTriggerAuth(deps.verifier);
  const named = (invocation: BitbucketForgeInvocation) => ({ forgeInstallationId: invocation.installationId, workspaceId: invocation.workspaceId });

  /**
   * The installing user as Bitbucket names them. The install event carries an account id only;
   * `GET /2.0/users/{account id}` with the system token delivered alongside gives the uuid,
   * username and avatar — the whole of what the statement lets Tally keep about them.
   */
  async function fetchInstaller(invocation: BitbucketForgeInvocation, accountId: string, systemToken: string): Promise<BitbucketInstaller> {
    const api = deps.bitbucket.apiFor(invocation.apiBaseUrl, async () => `Bearer ${systemToken}`);
    const user = await api.getUser(accountId);
    return { uuid: user.uuid, username: user.username, avatarUrl: user.avatarUrl };
  }

  /**
   * `avi:forge:installed:app` / `avi:forge:upgraded:app`: hold the installation, active and
   * unlinked, with its installer. A re-delivery changes nothing (it fills in an installer Tally
   * could not read before). When Bitbucket does not name the installer yet (permissions arrive
   * after the event, forge-migration.md §4) the installation is held without one and the answer
   * is 502, so Forge delivers the event again and the retry fills it in.
   */
  routes.post(BITBUCKET_FORGE_ROUTES.lifecycle, triggerAuth, async (c) => {
    const invocation = c.get('bitbucketInvocation');
    const event = unwrapDelivery(await readJson(c));
    assertSameInstallation(event, invocation);
    if (!lifecycleEventOf(event)) {
      deps.logger.info({ event: 'bitbucket_forge_lifecycle_ignored' }, 'Bitbucket Forge lifecycle event Tally does not act on');
      return c.body(null, 204);
    }
    const known = await deps.store.find(invocation.installationId);
    const accountId = installerAccountIdOf(event);
    const systemToken = systemTokenOf(c);
    let installer: BitbucketInstaller | undefined;
    let installerError: unknown;
    if (accountId && systemToken && (!known || known.installation.installer.uuid === '')) {
      installer = await fetchInstaller(invocation, accountId, systemToken).catch((error: unknown) => {
        installerError = error;
        return undefined;
      });
    }
    const outcome = await deps.store.register(named(invocation), installer);
    deps.logger.info(
      { event: 'installed', platform: 'bitbucket-forge', installationId: outcome.installation.id, created: outcome.created, replacedPrevious: outcome.replacedPrevious, installerKnown: outcome.installation.installer.uuid !== '' },
      'Bitbucket Forge installation registered',
    );
    if (installerError !== undefined) {
      throw installerError instanceof AppError ? installerError : new AppError('BITBUCKET_UNAVAILABLE', 'Bitbucket did not name the installing user', { cause: installerError });
    }
    return c.body(null, 204);
  });

  /**
   * The hourly scheduled trigger: a sign of life (the missing-tick check deletes installations
   * silent past the grace period). A tick of an installation Tally does not hold re-creates it,
   * unlinked and without an installer: the installation exists on Forge's word, signed.
   */
  routes.post(BITBUCKET_FORGE_ROUTES.tick, triggerAuth, async (c) => {
    const invocation = c.get('bitbucketInvocation');
    assertSameInstallation(unwrapDelivery(await readOptionalJson(c)), invocation);
    if (!(await deps.store.recordTick(invocation.installationId, deps.clock.nowMs()))) {
      const outcome = await deps.store.register(named(invocation), undefined);
      deps.logger.info({ event: 'bitbucket_forge_recreated', installationId: outcome.installation.id }, 'Bitbucket Forge tick of an installation Tally did not hold: re-created, unlinked');
    }
    return c.body(null, 204);
  });

  /** `preUninstall`: the installation goes at once, whole (core record, link, row). Idempotent. */
  routes.post(BITBUCKET_FORGE_ROUTES.preUninstall, triggerAuth, async (c) => {
    const invocation = c.get('bitbucketInvocation');
    assertSameInstallation(unwrapDelivery(await readOptionalJson(c)), invocation);
    const removed = await deps.store.remove(invocation.installationId);
    deps.logger.info({ event: 'uninstalled', platform: 'bitbucket-forge', removed }, 'Bitbucket Forge pre-uninstall: installation deleted');
    return c.body(null, 204);
  });

  return routes;
}
