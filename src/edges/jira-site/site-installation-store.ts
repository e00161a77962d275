import type { Kysely } from 'kysely';
import type { TenantId } from '../../tenants/tenant.js';

/** The site edge's record of one site (`jira_site_installations`). */
export interface SiteInstallation {
  tenantId: TenantId;
  cloudId: string;
  siteUrl: string;
  apiBaseUrl: string;
  checkedAtMs: number;
  /** When Jira refused the token while Tally ran; undefined when it did not (or a later start cleared it). */
  tokenRejectedAtMs: number | undefined;
}

interface InstallationRow {
  tenant_id: string;
  cloud_id: string;
  site_url: string;
  api_base_url: string;
  checked_at_ms: number | string;
  token_rejected_at_ms: number | string | null;
}

/** The table as this store sees it (the core's `ControlSchema` does not name edge tables). */
interface SiteSchema {
  jira_site_installations: InstallationRow;
}

/** The site edge's SQL on its own table; both dialects. Each method is one statement. */
export interface SiteInstallationStore {
  findByCloudId(cloudId: string): Promise<SiteInstallation | undefined>;
  findByTenant(tenantId: TenantId): Promise<SiteInstallation | undefined>;
  /**
   * Records a start whose token check passed: inserts the site's row or updates it (site URL, API
   * base, check time) and clears a recorded rejection. Idempotent; the cloud id decides a race.
   */
  recordChecked(installation: Omit<SiteInstallation, 'tokenRejectedAtMs'>): Promise<void>;
  /** Inserts the row of a site not seen before; false (nothing written) when its cloud id is known. */
  insertNew(installation: Omit<SiteInstallation, 'tokenRejectedAtMs'>): Promise<boolean>;
  /** Notes that Jira refused the token at `atMs` (the first refusal's time is kept). */
  recordRejected(tenantId: TenantId, atMs: number): Promise<void>;
}

function toInstallation(row: InstallationRow): SiteInstallation {
  return {
    tenantId: row.tenant_id as TenantId,
    cloudId: row.cloud_id,
    siteUrl: row.site_url,
    apiBaseUrl: row.api_base_url,
    // The control database's PostgreSQL pool parses int8 to numbers; SQLite returns numbers.
    checkedAtMs: Number(row.checked_at_ms),
    tokenRejectedAtMs: row.token_rejected_at_ms === null ? undefined : Number(row.token_rejected_at_ms),
  };
}

/** The {@link SiteInstallationStore} over the control database. */
export function createSiteInstallationStore(control: Kysely<any>): SiteInstallationStore {
  const db = control as unknown as Kysely<SiteSchema>;
  const rows = () => db.selectFrom('jira_site_installations').selectAll();
  return {
    async findByCloudId(cloudId) {
      const row = await rows().where('cloud_id', '=', cloudId).executeTakeFirst();
      return row && toInstallation(row);
    },
    async findByTenant(tenantId) {
      const row = await rows().where('tenant_id', '=', tenantId).executeTakeFirst();
      return row && toInstallation(row);
    },
    async recordChecked(installation) {
      const values = { site_url: installation.siteUrl, api_base_url: installation.apiBaseUrl, checked_at_ms: installation.checkedAtMs, token_rejected_at_ms: null };
      await db
        .insertInto('jira_site_installations')
        .values({ tenant_id: installation.tenantId, cloud_id: installation.cloudId, ...values })
        .onConflict((conflict) => conflict.column('cloud_id').doUpdateSet(values))
        .execute();
    },
    async insertNew(installation) {
      const inserted = await db
        .insertInto('jira_site_installations')
        .values({ tenant_id: installation.tenantId, cloud_id: installation.cloudId, site_url: installation.siteUrl, api_base_url: installation.apiBaseUrl, checked_at_ms: installation.checkedAtMs, token_rejected_at_ms: null })
        .onConflict((conflict) => conflict.column('cloud_id').doNothing())
        .returning('tenant_id')
        .executeTakeFirst();
      return inserted !== undefined;
    },
    async recordRejected(tenantId, atMs) {
      await db.updateTable('jira_site_installations').set({ token_rejected_at_ms: atMs }).where('tenant_id', '=', tenantId).where('token_rejected_at_ms', 'is', null).execute();
    },
  };
}
