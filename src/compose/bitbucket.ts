import type { Kysely } from 'kysely';
import { createBitbucketApi } from '../bitbucket/bitbucket-client.js';
import { createBitbucketLogWork, type BitbucketLogWorkDeps } from '../bitbucket/bitbucket-log-work.js';
import { createBitbucketTimeService, type BitbucketTimeServiceDeps } from '../bitbucket/bitbucket-time-service.js';
import { createSqlBitbucketInstallations, forgetBitbucketLinksOf } from '../bitbucket/sql-bitbucket-installations.js';
import type { Config } from '../config/load-config.js';
import type { BitbucketHost } from '../edges/edge.js';
import { createSiteAdminCheck, type BitbucketLinkDeps, type SiteAdminCheckDeps } from '../http/bitbucket-link-routes.js';
import type { Clock } from '../platform/clock.js';
import type { Fetch } from '../platform/fetch.js';
import { AppError } from '../platform/app-error.js';
import { timerSleep, type Sleep } from '../jira/sleep.js';
import type { StoreProvider } from '../store/tenant-store.js';
import type { ControlDb } from '../tenants/control-db.js';
import type { TenantEvents } from '../tenants/tenant-events.js';
import type { TenantRegistry } from '../tenants/tenant-registry.js';
import type { TenantId } from '../tenants/tenant.js';

/** What the core's Bitbucket side is built from. */
export interface BitbucketCoreDeps {
  config: Pick<Config, 'bitbucketPairingMinutes'>;
  control: ControlDb;
  registry: Pick<TenantRegistry, 'findTenant'>;
  stores: StoreProvider;
  live: BitbucketTimeServiceDeps['live'];
  clock: Clock;
  fetch: Fetch;
  /**
   * Jira access acting as a person on a tenant, from the tenant's own Jira edge (`actAsUserByEdge`).
   * Absent where nothing logs work (the CLI's tools): log work then answers `LOG_WORK_UNAVAILABLE`.
   */
  actAsUser?: BitbucketLogWorkDeps['actAsUser'];
  /** The worklog-writes service (src/worklog-writes/): log work as the person, announced to the sync. */
  worklogs?: BitbucketLogWorkDeps['worklogs'];
  /** How log work waits for the sync to store what it wrote (the runtime's sleep; default a timer). */
  sleep?: Sleep;
}

const logWorkUnavailable = async (): Promise<never> => {
  throw new AppError('LOG_WORK_UNAVAILABLE', 'Log work is not available in this process.');
};

/** `EdgeHost.bitbucket`: the installations registry, the time service, log work, and REST 2.0 clients the edges sign. */
export function createBitbucketHost(deps: BitbucketCoreDeps): BitbucketHost {
  const { control, clock, fetch } = deps;
  return {
    installations: createSqlBitbucketInstallations({ db: control.db as unknown as Kysely<any>, clock, pairingMinutes: deps.config.bitbucketPairingMinutes, dialect: control.dialect }),
    time: createBitbucketTimeService({ registry: deps.registry, stores: deps.stores, live: deps.live, clock }),
    worklogs: createBitbucketLogWork({
      registry: deps.registry,
      actAsUser: deps.actAsUser ?? logWorkUnavailable,
      worklogs: deps.worklogs ?? { logWork: logWorkUnavailable },
      stores: deps.stores,
      clock,
      sleep: deps.sleep ?? timerSleep,
    }),
    apiFor: (apiBaseUrl, authorize) => createBitbucketApi({ apiBaseUrl, authorize, fetch }),
  };
}

/** The Jira admin page's Bitbucket routes: the host's installations, and a Jira site-admin check asked as the app. */
export function createBitbucketLinks(host: BitbucketHost, deps: SiteAdminCheckDeps): BitbucketLinkDeps {
  return { installations: host.installations, isSiteAdmin: createSiteAdminCheck(deps) };
}

/**
 * A Jira site's uninstall cuts its Bitbucket links and deletes its pairing codes, so a site
 * installed again must pair again. Done twice on purpose: at once on the verified `uninstalled`
 * event (the workspaces stop showing the site's time now), and again in the purge's last
 * transaction, which finishes after a restart too — a crash between the uninstall and the
 * listener cannot leave a link behind. Both are idempotent.
 */
export function cutBitbucketLinksOnUninstall(events: TenantEvents, db: Kysely<any>, onError: (error: unknown, tenantId: TenantId) => void): void {
  events.on('uninstalled', ({ tenantId }) => {
    forgetBitbucketLinksOf(db, tenantId).catch((error: unknown) => onError(error, tenantId));
  });
}
