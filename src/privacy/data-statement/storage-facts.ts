import type { RetentionSettings } from './field-catalogue.js';
import { tenantStoreFacts } from './tenant-store-facts.js';

/** The settings the facts are written with: directories as they are to be shown, and the numbers. */
export interface StorageSettings extends RetentionSettings {
  /** TALLY_DATA_DIR as shown to the reader (the configured path, or the variable's name). */
  dataDir: string;
  /** TALLY_BACKUP_DIR as shown to the reader. */
  backupDir: string;
  /** Where the control database is: a SQLite file under the data directory, or PostgreSQL (DATABASE_URL). */
  controlDb: 'sqlite' | 'postgres';
  /** Where each site's own database is (TALLY_TENANT_STORE): a SQLite file, or a PostgreSQL database. */
  tenantStore: 'sqlite' | 'postgres';
  /**
   * The PostgreSQL servers tenant databases are placed on, as shown to the reader: `host:port`
   * each (never a URL: it may carry a password), or the variable's name. Empty for SQLite.
   */
  pgServers: string[];
}

/** One place on disk (or in a database server) where Tally keeps data. */
export interface StoredPlace {
  name: string;
  location: string;
  holds: string;
  retention: string;
}

/** One rule that deletes data: what triggers it and what it removes. */
export interface DeletionRule {
  when: string;
  what: string;
}

/** Data Tally holds in process memory only: never written to disk, gone on restart. */
export interface MemoryPlace {
  name: string;
  holds: string;
  lifetime: string;
}

/** Every place Tally writes data to, with the configured locations and numbers filled in. */
export function listStoredPlaces(s: StorageSettings): StoredPlace[] {
  const facts = tenantStoreFacts(s);
  return [
    facts.tenantDatabases,
    {
      name: 'Control database',
      location:
        s.controlDb === 'postgres'
          ? 'The PostgreSQL database named by `DATABASE_URL`.'
          : `\`${s.dataDir}/control.sqlite\` (with \`-wal\` and \`-shm\`), or the PostgreSQL database named by \`DATABASE_URL\` when it is set.`,
      holds:
        'Account records of installations, the schedule of periodic jobs, the audit log, and the Bitbucket Cloud app\'s installations and pairing-code hashes (tables below). Shared secrets are encrypted (AES-256-GCM).' +
        (s.controlDb === 'postgres'
          ? ' On PostgreSQL also the job queue the Tally instances share (pg-boss, schema `pgboss`): each job names its installation and carries ids only — worklog, issue and installation ids, event names and times, never worklog content.'
          : ''),
      retention:
        `Account records: ${s.accountRetentionDays} days after uninstall. Audit log: without time limit.` +
        (s.controlDb === 'postgres' ? ' Jobs: deleted an hour after they finish, a day after they were queued if never started, and at once by the uninstall purge for its installation.' : ''),
    },
    facts.backups,
    {
      name: 'Demo key file',
      location: `\`${s.dataDir}/demo-secret.key\`, in demo mode only (\`TALLY_MODE=demo\`).`,
      holds: 'The random key that encrypts shared secrets when no TALLY_SECRET_KEY is configured. Outside demo mode the key is only in the environment and never written by Tally.',
      retention: 'Until the data directory is removed.',
    },
    {
      name: 'Logs',
      location: 'Standard output, kept wherever the operator\'s platform keeps it.',
      holds: 'Tenant ids, worklog and issue ids, error codes and timings. Never secrets, tokens or worklog comments (redacted, tested).',
      retention: 'Decided by the operator\'s log platform, not by Tally.',
    },
  ];
}

/** Every rule that deletes data, with the configured numbers filled in. */
export function listDeletionRules(s: StorageSettings): DeletionRule[] {
  const facts = tenantStoreFacts(s);
  return [
    {
      when: 'The app is uninstalled (a signed `uninstalled` from Atlassian)',
      what:
        `Tally deletes ${facts.uninstallDeletes}, wipes the shared secret, cancels the tenant's jobs and drops its in-memory caches. ` +
        'A sync running at that moment stops and writes nothing afterwards. The purge records each finished step (`tenants.purge_step`): interrupted at any step, it finishes on restart. ' +
        `Its links to Bitbucket workspaces are cut and its pairing codes deleted at once.${facts.uninstallLeaves}`,
    },
    {
      when: 'The Bitbucket Cloud app is uninstalled from a workspace',
      what: 'Tally deletes the installation\'s rows (the installer\'s UUID, username and avatar URL, the link, and the edge\'s keys and secret) at once, in one transaction. Nothing of it stays: there is no database, file or backup of a workspace.',
    },
    {
      when: `${s.accountRetentionDays} days after uninstall (TALLY_ACCOUNT_RETENTION_DAYS)`,
      what: 'A daily job deletes the account record (client key, base URL, product, install and uninstall times) for good. A re-install inside the window starts a fresh full sync: nothing old reappears.',
    },
    {
      when: 'A worklog is deleted in Jira',
      what: facts.worklogDeleted,
    },
    {
      when: `An Atlassian account is closed (checked every ${s.gdprCycleDays} days, TALLY_GDPR_CYCLE_DAYS, or the cycle Atlassian asks for)`,
      what:
        `Tally reports the account ids it stores to Atlassian's Personal Data Reporting API (at most 90 per request) and, for each account Atlassian reports closed, erases the account id and the comment of its worklogs in every tenant database.${facts.eraseLeaves} ` +
        `Backups taken before the erasure keep them until those backups expire (${s.backupRetentionDays} days).`,
    },
    {
      when: `A backup is ${s.backupRetentionDays} days old (TALLY_BACKUP_RETENTION_DAYS)`,
      what: 'The backup job deletes it, unless it is the installation\'s newest backup.',
    },
  ];
}

/** What Tally holds in memory only. */
export const inMemoryData: readonly MemoryPlace[] = [
  {
    name: 'Report columns',
    holds: 'A copy of stored worklog fields in column form (worklog id, account id, issue id, start, time spent; no comment) for fast reports.',
    lifetime: 'The 16 most recently used installations; dropped on uninstall and on restart.',
  },
  {
    name: 'Live Jira data',
    holds: 'Issue keys, summaries, parents and projects, people\'s display names and avatars, and viewers\' permissions, fetched from Jira when a report page needs them.',
    lifetime: 'Minutes: issues 10, people 15, resolved filters 5, permissions 1.5 (src/reporting/live/live-jira-data.ts); bounded in size; dropped on uninstall and restart.',
  },
];

/** What Tally never stores, anywhere (also not in backups or logs). */
export const neverStored: readonly string[] = [
  'Issue keys, summaries, descriptions or any other issue data besides the issue id.',
  'Project names or keys.',
  'People\'s display names, avatars, e-mail addresses, phone numbers or time zones from Jira: the account id is the only personal identifier stored of a Jira user.',
  'E-mail addresses or phone numbers from Bitbucket, even when an install event carries them. Of Bitbucket users only the installer\'s UUID, username and avatar URL are kept (Bitbucket Cloud app, below).',
  'Repositories, pull requests, branch names, commit messages or code from Bitbucket: they are read when a panel is shown and not kept.',
  'Atlassian user tokens or passwords. Requests to Jira are signed with the installation\'s shared secret.',
];

/**
 * The Bitbucket Cloud app in a few sentences (the second data statement's promises, kept): what
 * it stores, what it never collects, what the data is used for, and when it is deleted. Its tables
 * follow these sentences in the statement.
 */
export const bitbucketSummary: readonly string[] = [
  'Tally for Bitbucket Cloud (a Forge app, and a Connect app for existing installations) shows, beside a pull request, the time logged in Jira on the issues it mentions. It stores only what an installation needs: how Bitbucket names the installation (Connect: the clientKey and its shared secret, encrypted; Forge: the installation and workspace ids), the UUID, username and avatar URL of the user who installed it, and which Jira site the workspace is linked to.',
  'No e-mail address or phone number is collected: an install event may carry them, and Tally reads only the fields named here and writes the rest nowhere — not to a database, a file, a backup or a log.',
  'This data is used only to talk to Bitbucket for the installation and to show the linked Jira site\'s time; it is never added to the Jira site\'s data. A workspace has no database, file or backup of its own: times are read from the linked Jira site\'s synced worklogs, and people\'s names and issue details are fetched live from Jira and never stored.',
  'Uninstalling the app from the workspace deletes all of it (the rows below) at once and for good. Either side can unlink, which clears only the link. Uninstalling the Jira site cuts its links and deletes its pairing codes: installed again, it must pair again.',
  'Where: the control database (the tables below).',
];
