/**
 * The catalogue of every error code a client or operator can see. Codes are stable: clients and
 * docs/errors.md depend on them, and a test fails when the two disagree.
 */
export interface ErrorCodeSpec {
  /** The HTTP status the error maps to at the edge. */
  readonly httpStatus: number;
  /** Whether retrying the same operation later may succeed. */
  readonly retryable: boolean;
  /** One sentence for docs/errors.md: when this happens and what to do. */
  readonly description: string;
}

export const errorCodes = {
  ADMIN_INPUT_INVALID: {
    httpStatus: 400,
    retryable: false,
    description: 'An admin action was given invalid input (a re-sync needs both `from` and `to` or neither, as real dates `YYYY-MM-DD`, `to` not before `from`, at most 366 days); `details` lists `field: message`, and nothing was queued.',
  },
  BACKUP_CORRUPT: {
    httpStatus: 500,
    retryable: false,
    description: 'A backup failed verification (checksum, SQLite integrity check or pg_restore reading the dump, manifest or worklog count) and is never restored; restore another backup (`tally backup list`).',
  },
  BACKUP_FAILED: {
    httpStatus: 503,
    retryable: true,
    description: 'Taking a backup failed (disk full, I/O error, database busy); nothing partial is kept, earlier backups stay, and the schedule retries.',
  },
  BACKUP_ID_INVALID: {
    httpStatus: 400,
    retryable: false,
    description: 'A backup id is not of the form `20261123T080000123Z-1a2b3c` (see `tally backup list`); refused before any path is built.',
  },
  BACKUP_NOT_FOUND: {
    httpStatus: 404,
    retryable: false,
    description: 'The tenant has no backup with this id, or no backup at all; `tally backup list --tenant <tenant>` shows them.',
  },
  BACKUP_RESTORE_BUSY: {
    httpStatus: 409,
    retryable: true,
    description: "Another process (usually the running server) has the tenant's database open; stop it, then restore again.",
  },
  BACKUP_SCHEMA_UNSUPPORTED: {
    httpStatus: 409,
    retryable: false,
    description: 'The backup was written by a Tally with database migrations this version does not know; restore it with that version or a newer one.',
  },
  BACKUP_SOURCE_MISSING: {
    httpStatus: 404,
    retryable: false,
    description: 'The tenant has no database to back up yet (it never synchronised).',
  },
  BACKUP_TENANT_MISMATCH: {
    httpStatus: 409,
    retryable: false,
    description: "The backup's manifest names another tenant than the one it would be restored into; a backup is only ever restored into its own tenant.",
  },
  BACKUP_TENANT_UNINSTALLED: {
    httpStatus: 409,
    retryable: false,
    description: 'The tenant is uninstalled (its data is being or has been deleted): no backup of it is taken or restored.',
  },
  BITBUCKET_INSTALL_REFUSED: {
    httpStatus: 401,
    retryable: false,
    description: 'A Bitbucket Connect lifecycle call was refused: a first install from a base URL that is not Bitbucket\'s, a re-install or uninstall of a known installation not signed with its stored shared secret, or a payload that is not Bitbucket\'s. Nothing was changed.',
  },
  BITBUCKET_INSTALLATION_PENDING: {
    httpStatus: 409,
    retryable: true,
    description: 'The Bitbucket Connect installation is not confirmed yet: Tally has not yet made one call to Bitbucket with the secret it received. Reload in a few seconds; if it persists, reinstall the app.',
  },
  BITBUCKET_NOT_LINKED: {
    httpStatus: 409,
    retryable: false,
    description: 'This Bitbucket workspace is not linked to a Jira site in Tally (or the linked site was uninstalled): a workspace admin enters a pairing code from Tally\'s Jira admin page in the workspace settings.',
  },
  BITBUCKET_PAIRING_CODE_INVALID: {
    httpStatus: 400,
    retryable: false,
    description: 'The pairing code is unknown, expired or already used; a Jira site admin creates a new one in Tally\'s Jira admin page (codes last 15 minutes and work once).',
  },
  BITBUCKET_PAIRING_RATE_LIMITED: {
    httpStatus: 429,
    retryable: true,
    description: 'Too many wrong pairing codes were entered for this Bitbucket workspace; wait 15 minutes and enter a fresh code.',
  },
  BITBUCKET_UNAVAILABLE: {
    httpStatus: 502,
    retryable: true,
    description: 'Bitbucket did not answer, answered with an error, or is rate-limiting the app; the page shows what it could and retries later.',
  },
  BITBUCKET_NOT_FOUND: {
    httpStatus: 404,
    retryable: false,
    description: 'Bitbucket does not know the repository or pull request named, or the app may not read it.',
  },
  CONFIG_INVALID: {
    httpStatus: 500,
    retryable: false,
    description: 'The environment holds invalid or missing configuration; every problem is listed at once.',
  },
  REQUEST_INVALID: {
    httpStatus: 400,
    retryable: false,
    description: 'The request body, query or path parameters failed validation.',
  },
  REQUEST_TOO_LARGE: {
    httpStatus: 413,
    retryable: false,
    description: 'The request body is larger than the route accepts.',
  },
  EXPORT_TOO_LARGE: {
    httpStatus: 413,
    retryable: false,
    description: 'An exported file is larger than the page can receive (inside Forge: about 3.7 MB); narrow the question.',
  },
  AUTH_MISSING: {
    httpStatus: 401,
    retryable: false,
    description: 'The request carries no token where the route requires one.',
  },
  AUTH_INVALID: {
    httpStatus: 401,
    retryable: false,
    description: 'The token is malformed, expired, wrongly signed or bound to another request.',
  },
  AUTH_FORBIDDEN: {
    httpStatus: 403,
    retryable: false,
    description: 'The token is valid but the acting user or tenant may not do this.',
  },
  NOT_FOUND: {
    httpStatus: 404,
    retryable: false,
    description: 'No such route or resource for this tenant.',
  },
  CONNECT_KEYS_UNAVAILABLE: {
    httpStatus: 503,
    retryable: true,
    description: "Atlassian's install-key service failed, timed out or sent no usable key; the install may be retried.",
  },
  FORGE_KEYS_UNAVAILABLE: {
    httpStatus: 503,
    retryable: true,
    description: "Forge's invocation-token key set (TALLY_FORGE_JWKS_URL) failed, timed out or held no usable key; Forge redelivers the call, and the next attempt fetches the keys again.",
  },
  JIRA_UNAVAILABLE: {
    httpStatus: 502,
    retryable: true,
    description: 'Jira answered with a server error, a malformed body or not at all; the call may be retried.',
  },
  JIRA_RATE_LIMITED: {
    httpStatus: 503,
    retryable: true,
    description: 'Jira refused the call with 429; retry after the delay Jira asked for.',
  },
  JIRA_INTERACTIVE_BUDGET_SPENT: {
    httpStatus: 429,
    retryable: true,
    description: "The site's look-ups for people waiting on Tally (report labels, filters, permissions) spent their share of the app's hourly Jira points (by default 5% per site, 20% for all sites together), so syncs keep theirs; the call was not sent. Retry after Retry-After (the next UTC hour); cached names and keys still show.",
  },
  JIRA_AUTH_FAILED: {
    httpStatus: 502,
    retryable: false,
    description: "Jira refused Tally's credentials (401 or 403): the shared secret changed, the app was disabled or lacks a scope; sync for the site stops until it is re-installed or enabled.",
  },
  JIRA_RESPONSE_INVALID: {
    httpStatus: 502,
    retryable: true,
    description: 'Jira answered 2xx with a body Tally cannot use (not JSON, cut short, or missing a required field); nothing of it is kept and the call may be retried.',
  },
  JIRA_NOT_FOUND: {
    httpStatus: 404,
    retryable: false,
    description: 'Jira answered 404: the issue does not exist, is not visible to the app, or has time tracking disabled (Jira does not say which).',
  },
  JIRA_REQUEST_REJECTED: {
    httpStatus: 502,
    retryable: false,
    description: 'Jira refused the request itself (400 or another 4xx but 401, 403, 404, 408 and 429), e.g. invalid JQL or an expired page token; the same call will fail again.',
  },
  CONTROL_DB_UNAVAILABLE: {
    httpStatus: 503,
    retryable: true,
    description: 'The control database cannot be opened or reached; check TALLY_DATA_DIR or DATABASE_URL and that the server is up.',
  },
  CONTROL_DB_MIGRATION_FAILED: {
    httpStatus: 500,
    retryable: false,
    description: 'A control database migration failed; the database stays at the last completed migration and the message names the failed one.',
  },
  STORE_TENANT_ID_INVALID: {
    httpStatus: 500,
    retryable: false,
    description: 'A tenant database was asked for with a malformed tenant id; refused, so no path outside the data directory is ever opened.',
  },
  STORE_UNAVAILABLE: {
    httpStatus: 503,
    retryable: true,
    description: "A tenant's database cannot be opened, is locked by another process or was closed; check TALLY_DATA_DIR and retry.",
  },
  STORE_MIGRATION_FAILED: {
    httpStatus: 500,
    retryable: false,
    description: "A tenant database migration failed; nothing of that run is kept and the message names the failed migration.",
  },
  STORE_WRITE_FAILED: {
    httpStatus: 500,
    retryable: false,
    description: "A batch could not be written to a tenant's database; nothing of it was kept, so the sync cursor did not move.",
  },
  TENANT_SECRET_UNREADABLE: {
    httpStatus: 500,
    retryable: false,
    description: "A tenant's stored shared secret cannot be decrypted: TALLY_SECRET_KEY changed or the row was altered; the app must be reinstalled on that site.",
  },
  REPORT_JQL_INVALID: {
    httpStatus: 400,
    retryable: false,
    description: "A report's JQL filter is empty, longer than 10,000 characters, or refused by Jira (syntax, unknown field, function or value, or an unbounded query); fix the query. The message never repeats the query.",
  },
  REPORT_JQL_NEEDS_VIEWER: {
    httpStatus: 400,
    retryable: false,
    description: "A report asked for a JQL filter where the platform gave Tally no Jira access of the viewer's own (a Connect page): the query would run as the app and could probe what the viewer may not see. Project, issue and user filters still work; JQL works where the viewer's own access comes with the request (Forge).",
  },
  GDPR_RATE_LIMITED: {
    httpStatus: 503,
    retryable: true,
    description: "Atlassian's Personal Data Reporting API answered 429; the report cycle waits the Retry-After it asked for and resumes where it stopped.",
  },
  GDPR_API_UNAVAILABLE: {
    httpStatus: 502,
    retryable: true,
    description: "Atlassian's Personal Data Reporting API failed (5xx, timeout, network error or an unusable body); the report cycle resumes later from the batch that failed.",
  },
  GDPR_REPORT_REJECTED: {
    httpStatus: 502,
    retryable: false,
    description: "Atlassian's Personal Data Reporting API refused a report (400, 401, 403 or another 4xx): the app key or a tenant's credentials are not accepted, or the request is malformed; the tenant's cycle is retried a day later.",
  },
  SITE_TOKEN_REJECTED: {
    httpStatus: 502,
    retryable: false,
    description: 'Jira refused TALLY_JIRA_API_TOKEN at start-up on the site and the gateway (401): the token is revoked or expired, or TALLY_JIRA_EMAIL is not its account\'s e-mail; create a new token and start again. The token is never echoed.',
  },
  SITE_TOKEN_INSUFFICIENT: {
    httpStatus: 502,
    retryable: false,
    description: 'Jira accepted TALLY_JIRA_API_TOKEN at start-up but it lacks what Tally needs: the message names the missing scopes (a scoped token needs `read:jira-work` and `read:jira-user`) or the missing Browse projects permission of its account.',
  },
  SITE_STARTING: {
    httpStatus: 503,
    retryable: true,
    description: 'The self-hosted site edge has not finished connecting to the Jira site (token check, registration); the page retries after a few seconds.',
  },
  WORKLOG_INPUT_INVALID: {
    httpStatus: 400,
    retryable: false,
    description: 'Log work, edit or the timer was given an invalid issue, date, start time, duration or comment; `details` lists `field: message`, and nothing was sent to Jira.',
  },
  LOG_WORK_UNAVAILABLE: {
    httpStatus: 409,
    retryable: false,
    description: 'Tally cannot write to Jira as this person here: the site edge has one API token and no user context; a Connect installation lacks the OAuth client id or user impersonation; a Forge installation has no system token yet or Atlassian refused offline impersonation (log work from Bitbucket); the message says which (`GET /api/session` → `logWork.reason`).',
  },
  JIRA_WORKLOG_REFUSED: {
    httpStatus: 400,
    retryable: false,
    description: "Jira refused the worklog write or the timer; the message is Jira's own words, `details` names the reason (`time_tracking_off`, `no_permission`, `issue_not_found`, `worklog_not_found`, `bad_input`) and the status is 400, 403 or 404 by that reason. Nothing was written.",
  },
  TIMER_RUNNING: {
    httpStatus: 409,
    retryable: false,
    description: 'A timer is already running for this person (it lives in Jira, so on any device); stop or discard it before starting another.',
  },
  TIMER_NOT_RUNNING: {
    httpStatus: 404,
    retryable: false,
    description: 'There is no running timer to stop or discard (perhaps it was stopped on another device).',
  },
  INTERNAL: {
    httpStatus: 500,
    retryable: false,
    description: 'An unexpected error; it is logged with a correlation id and without secrets.',
  },
} as const satisfies Record<string, ErrorCodeSpec>;

/** A stable error code from {@link errorCodes}. */
export type ErrorCode = keyof typeof errorCodes;

/** Lists every code in the catalogue, sorted. */
export function listErrorCodes(): ErrorCode[] {
  return (Object.keys(errorCodes) as ErrorCode[]).sort();
}
