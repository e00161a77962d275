import type { FieldSource } from './field-catalogue.js';
import type { DataStatement, StatementColumn, StatementTable } from './data-statement.js';
import { tenantStoreFacts } from './tenant-store-facts.js';

const sourceLabels: Record<FieldSource, string> = {
  jira: 'Jira',
  derived: 'derived',
  install: 'Atlassian install',
  tally: 'Tally',
};

/** A table cell: a pipe would end the cell, a line break the row. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

function typeOf(column: StatementColumn): string {
  return [column.type || 'untyped', column.primaryKey ? 'key' : undefined, column.nullable ? 'may be null' : undefined].filter(Boolean).join(', ');
}

function renderTable(table: StatementTable): string[] {
  const lines = [`### \`${table.name}\``, '', table.purpose, '', `Kept: ${table.retention}`, ''];
  lines.push('| Field | Type | Personal data | Source | Description |', '|---|---|---|---|---|');
  for (const column of table.columns) {
    lines.push(`| \`${column.name}\` | ${cell(typeOf(column))} | ${column.personalData} | ${sourceLabels[column.source]} | ${cell(column.description)} |`);
  }
  for (const column of table.columns) {
    for (const [heading, items] of [['Values of', column.values], ['Fields of the JSON in', column.jsonFields]] as const) {
      if (items.length === 0) continue;
      lines.push('', `${heading} \`${column.name}\`:`, '');
      for (const item of items) lines.push(`- \`${item.name}\`: ${item.description}`);
    }
  }
  if (table.indexes.length > 0) {
    lines.push('', 'Indexes (copies of the fields above, for speed):', '');
    for (const index of table.indexes) lines.push(`- \`${index.name}\` (${index.columns.join(', ')}): ${index.description}`);
  }
  lines.push('');
  return lines;
}

/**
 * The statement as Markdown: a summary, where data lives, the deletion and retention rules,
 * every stored field of every table, what lives in memory only and what is never stored.
 * Deterministic: the same statement always renders to the same text (docs/data-statement.md
 * is this text for the default configuration).
 */
export function renderDataStatementText(statement: DataStatement): string {
  const s = statement.settings;
  const lines: string[] = [
    `# ${statement.title}`,
    '',
    'Generated from the database schema Tally creates, by `tally data-statement` (`--json` for JSON); a running Tally serves it at `GET /data-statement`. ' +
      'A test fails when a table or column exists that this statement does not describe.',
    '',
    '## In short',
    '',
    '- Tally copies each Jira site\'s worklogs into a database of that site\'s own: a full synchronisation on install, incremental synchronisation after. The worklogs stay in Jira too.',
    '- Per worklog it stores the eight fields Jira reports (`client_worklog_id`, `account_id`, `client_issue_id`, `comment`, `created`, `updated`, `started`, `time_spent_seconds`) and two instants derived from them. Nothing else about issues or people.',
    '- A running timer lives in Jira, as a user property (`tally.timer`) of the person who started it, not in Tally\'s store; worklogs Tally writes for a person go to Jira and come back only through the synchronisation, so the eight fields above stay all it keeps.',
    '- The data is stored unencrypted, in the form received from Atlassian. A worklog comment may contain sensitive information: we recommend not writing personal or sensitive information into worklog comments.',
    `- Uninstalling the app deletes the site's data and every backup of it. The account record is kept ${s.accountRetentionDays} days after uninstall, then deleted for good.`,
    '- Tally\'s Bitbucket Cloud app keeps no data of a workspace: only who installed it (UUID, username, avatar URL) and its link to a Jira site, deleted on uninstall. No e-mail address or phone number ([Bitbucket Cloud app](#bitbucket-cloud-app)).',
    '',
    '## Where data lives',
    '',
  ];
  for (const place of statement.storedPlaces) {
    lines.push(`### ${place.name}`, '', `- Where: ${place.location}`, `- Holds: ${place.holds}`, `- Kept: ${place.retention}`, '');
  }
  lines.push('## Deletion and retention', '');
  for (const rule of statement.deletionRules) lines.push(`- **${rule.when}:** ${rule.what}`);
  lines.push('');
  for (const database of statement.databases) {
    lines.push(`## ${database.title}`, '');
    for (const table of database.tables) lines.push(...renderTable(table));
  }
  lines.push(`## ${statement.bitbucket.title}`, '');
  for (const sentence of statement.bitbucket.summary) lines.push(`- ${sentence}`);
  lines.push('');
  for (const table of statement.bitbucket.tables) lines.push(...renderTable(table));
  lines.push('## In memory only', '', 'Never written to disk, so never in a database, backup or log:', '');
  for (const place of statement.inMemory) lines.push(`- **${place.name}:** ${place.holds} Lifetime: ${place.lifetime}`);
  if (statement.edges.length > 0) {
    lines.push('', '## Platform edges', '', 'How a site reaches Tally decides what is kept about its installation:', '');
    for (const note of statement.edges) lines.push(`- ${note}`);
  }
  lines.push('', '## Never stored', '');
  for (const item of statement.neverStored) lines.push(`- ${item}`);
  lines.push('');
  lines.push(
    '## Configuration this statement was written with',
    '',
    `- Data directory (TALLY_DATA_DIR): \`${s.dataDir}\``,
    `- Backup directory (TALLY_BACKUP_DIR): \`${s.backupDir}\``,
    tenantStoreFacts(s).configurationLine,
    `- Control database: ${s.controlDb === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : 'SQLite in the data directory'}`,
    `- Account retention (TALLY_ACCOUNT_RETENTION_DAYS): ${s.accountRetentionDays} days`,
    `- Backup interval (TALLY_BACKUP_INTERVAL_HOURS): ${s.backupIntervalHours} hours`,
    `- Backup retention (TALLY_BACKUP_RETENTION_DAYS): ${s.backupRetentionDays} days`,
    `- Personal-data reporting cycle (TALLY_GDPR_CYCLE_DAYS): ${s.gdprCycleDays} days`,
    '',
  );
  return lines.join('\n');
}
