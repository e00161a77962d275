import type { StorageSettings, StoredPlace } from './storage-facts.js';

/**
 * What the statement says that depends on the configured tenant store (TALLY_TENANT_STORE): where
 * a site's database and its backups are, and what deleting them leaves behind. Everything else in
 * the statement is the same for both stores.
 */
export interface TenantStoreFacts {
  tenantDatabases: StoredPlace;
  backups: StoredPlace;
  /** What the uninstall purge deletes of the site's own data (the store's part of the rule). */
  uninstallDeletes: string;
  /** What the database server may still hold after the purge ('' when nothing). */
  uninstallLeaves: string;
  /** What remains of a worklog deleted in Jira once the next sync has removed it. */
  worklogDeleted: string;
  /** How an account erase leaves the database's files. */
  eraseLeaves: string;
  /** One line for the statement's configuration section. */
  configurationLine: string;
}

const backupRetention = (s: StorageSettings) =>
  `One every ${s.backupIntervalHours} hours, each kept ${s.backupRetentionDays} days (TALLY_BACKUP_RETENTION_DAYS) except the newest, so one always exists; all deleted on uninstall.`;

const MANIFEST = 'each with a JSON manifest: when it was taken, size, SHA-256 checksum, worklog count and schema version — no worklog content.';

function sqliteFacts(s: StorageSettings): TenantStoreFacts {
  return {
    tenantDatabases: {
      name: 'Tenant databases',
      location: `\`${s.dataDir}/tenants/<tenant id>.sqlite\` (with \`-wal\` and \`-shm\` while open): one SQLite file per Atlassian product instance, never shared.`,
      holds: 'The site\'s worklogs, deleted-worklog ids and sync progress (tables below). Stored unencrypted, in the form received from Atlassian; deleted content is zeroed in the file (SQLite `secure_delete`).',
      retention: 'Until uninstall.',
    },
    backups: {
      name: 'Backups',
      location: `\`${s.backupDir}/<tenant id>/\` (\`<backup id>.sqlite\` and \`<backup id>.json\`): a folder per installation, never shared.`,
      holds: `Copies of that installation's tenant database (SQLite online backups), ${MANIFEST}`,
      retention: backupRetention(s),
    },
    uninstallDeletes: 'the tenant database (the file with its `-wal` and `-shm`) and every backup of it',
    uninstallLeaves: '',
    worklogDeleted: 'The next sync removes its row (the bytes are zeroed in the file); only its id and the deletion time stay, as a tombstone, until uninstall.',
    eraseLeaves: '',
    configurationLine: '- Tenant databases (TALLY_TENANT_STORE): SQLite, a file per installation in the data directory',
  };
}

// PostgreSQL facts: docs/postgres-store.md ("One database per site", "Backups and uninstall on
// PostgreSQL", "What PostgreSQL itself keeps after DROP DATABASE", "Erasing an account").
function postgresFacts(s: StorageSettings): TenantStoreFacts {
  const servers = s.pgServers.map((server) => `\`${server}\``).join(', ');
  return {
    tenantDatabases: {
      name: 'Tenant databases',
      location:
        `A PostgreSQL database \`tally_<tenant id>\` per Atlassian product instance, never shared, on the server its placement names (\`store_placements\` in the control database), one of ${servers}. ` +
        'A restore briefly adds `tally_<tenant id>_restoring` (the backup being loaded) and `tally_<tenant id>_replaced` (the data it replaces), dropped when it ends.',
      holds:
        'The site\'s worklogs, deleted-worklog ids and sync progress (tables below). Stored unencrypted, in the form received from Atlassian. ' +
        'PostgreSQL keeps the old versions of deleted or changed rows in the database\'s files as free space, not zeroed, until it reuses that space or the table is rewritten (an account erase rewrites it).',
      retention: 'Until uninstall.',
    },
    backups: {
      name: 'Backups',
      location: `\`${s.backupDir}/<tenant id>/\` (\`<backup id>.dump\` and \`<backup id>.json\`): a folder per installation, never shared.`,
      holds: `Copies of that installation's tenant database as \`pg_dump\` archives (custom format, compressed), ${MANIFEST}`,
      retention: backupRetention(s),
    },
    uninstallDeletes: 'the tenant\'s PostgreSQL database (`DROP DATABASE … WITH (FORCE)`, with anything an interrupted restore left), then its placement row, and every backup of it (the dumps with their manifests)',
    uninstallLeaves:
      ' PostgreSQL\'s write-ahead log (`pg_wal/`) may still hold the site\'s recent writes until later checkpoints recycle those segments and new writes overwrite them; WAL archives, base backups and replicas hold what they received for as long as the operator keeps them.',
    worklogDeleted:
      'The next sync removes its row; only its id and the deletion time stay, as a tombstone, until uninstall. The removed row\'s bytes stay in the database\'s files as free space until PostgreSQL reuses it, the table is rewritten, or the database is dropped.',
    eraseLeaves: ' The erase then rewrites the table (`VACUUM FULL`, once no transaction can still see the old values), so they leave the database\'s files too; PostgreSQL\'s write-ahead log keeps them as long as it keeps an uninstalled site\'s writes (above).',
    configurationLine: `- Tenant databases (TALLY_TENANT_STORE): PostgreSQL, a database per installation on ${servers}`,
  };
}

/** The statement's store-dependent facts for `s.tenantStore`, with the configured names filled in. Pure. */
export function tenantStoreFacts(s: StorageSettings): TenantStoreFacts {
  return s.tenantStore === 'postgres' ? postgresFacts(s) : sqliteFacts(s);
}
