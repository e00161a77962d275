import { availableParallelism } from 'node:os';
import { AppError } from '../platform/app-error.js';
import { configSchema, type ParsedEnv } from './config-schema.js';

/** Tally's validated, frozen configuration. Built once in `src/main.ts`. */
export interface Config {
  readonly mode: ParsedEnv['TALLY_MODE'];
  readonly port: number;
  /** The public https base URL Atlassian calls; in demo mode it defaults to loopback. */
  readonly baseUrl: string;
  readonly appKey: string;
  readonly appName: string;
  readonly dataDir: string;
  readonly backupDir: string;
  readonly databaseUrl: string | undefined;
  /** 32 bytes decoded from TALLY_SECRET_KEY; undefined only in demo mode. */
  readonly secretKey: Buffer | undefined;
  readonly installKeysUrl: string;
  /** Atlassian's OAuth 2.0 authorization server for Connect user impersonation (`POST {url}/oauth2/token`). */
  readonly atlassianOauthUrl: string;
  readonly allowedHostSuffixes: readonly string[];
  readonly syncIntervalSeconds: number;
  /** How a new site's first sync reads (issue 15): recent window first, or everything in feed order. */
  readonly backfill: { readonly strategy: ParsedEnv['TALLY_BACKFILL_STRATEGY']; readonly recentDays: number | undefined };
  /** How often each tenant's stored set is reconciled with Jira's (a backfill-priority job). */
  readonly reconcileIntervalHours: number;
  /** How long one Jira request may take (connect, answer and body) before it is aborted and retried. */
  readonly jiraTimeoutMs: number;
  /** The app's hourly Jira points quota (65,000 in Atlassian's global pool; more for Tier 2 apps). */
  readonly jiraPointsPerHour: number;
  /** Worker threads that decode `/worklog/list` answers; 0 decodes on the main thread. */
  readonly parseThreads: number;
  /** How often each tenant's database is backed up into `backupDir/<tenant id>/`. */
  readonly backupIntervalHours: number;
  /** How many days a tenant's backups are kept before the backup job deletes them. */
  readonly backupRetentionDays: number;
  /** How many days the account record of an uninstalled tenant is kept before it is deleted for good. */
  readonly accountRetentionDays: number;
  /** Origin of Atlassian's Personal Data Reporting API (`POST /app/report-accounts/`); tests point it at the simulator. */
  readonly gdprApiUrl: string;
  /** Default personal-data reporting cycle in days, until the API's `Cycle-Period` says otherwise. */
  readonly gdprCycleDays: number;
  /** The Forge app's ARI (the invocation tokens' `aud`); undefined turns the Forge edge off. */
  readonly forgeAppId: string | undefined;
  /** Where Forge's invocation-token signing keys are fetched (cached; re-fetched on an unknown `kid`). */
  readonly forgeJwksUrl: string;
  /** How long a suspected-uninstalled Forge tenant gets no tick before its data is purged. */
  readonly forgeUninstallGraceHours: number;
  /** The only hosts an invocation token's `apiBaseUrl` may point to (Tally sends tokens there). */
  readonly forgeApiHosts: readonly string[];
  /** The bearer token of `/metrics`; undefined: the route is not mounted (404). A secret: never logged. */
  readonly metricsToken: string | undefined;
  /** Where tenant stores live: a SQLite file per site, or a PostgreSQL database per site (issue 14). */
  readonly tenantStore: 'sqlite' | 'postgres';
  /** The PostgreSQL servers tenant databases are placed on (default: DATABASE_URL's server). */
  readonly pgServers: readonly string[];
  /** Most connections Tally opens to PostgreSQL for tenant databases, over all tenants and servers. */
  readonly pgMaxConnections: number;
  /** Most tenant stores kept open at once; the least recently used idle one is closed beyond it. */
  readonly openStores: number;
  /** Memory the in-memory report columns may take before the least recently used tenant's are evicted. */
  readonly reportMemoryMb: number;
  /**
   * pg-boss's heartbeat (jobs on PostgreSQL): a running job not heard from for this long — its
   * instance was killed or froze — is taken over by another instance at the next supervise pass.
   */
  readonly jobHeartbeatSeconds: number;
  /** Jobs (each for another tenant) this instance runs at once: TALLY_JOB_CONCURRENCY, else 2 (on PostgreSQL stores at most half of TALLY_PG_MAX_CONNECTIONS). */
  readonly jobConcurrency: number;
  /** The Bitbucket Connect app's key (its descriptor at `/bitbucket/atlassian-connect.json`). */
  readonly bitbucketAppKey: string;
  /**
   * Bitbucket's own base URLs (`https://bitbucket.org`, `https://api.bitbucket.org`): the only
   * `baseUrl`/`baseApiUrl` an unsigned first Connect install may carry; tests add the simulator's.
   */
  readonly bitbucketBaseUrls: readonly string[];
  /** The Bitbucket Forge app's ARI (its invocation tokens' `aud`); undefined turns the Bitbucket Forge edge off. */
  readonly bitbucketForgeAppId: string | undefined;
  /** The only hosts a Bitbucket invocation token's `apiBaseUrl` may point to. */
  readonly bitbucketForgeApiHosts: readonly string[];
  /** How long a Jira admin's pairing code for a Bitbucket workspace stays valid. */
  readonly bitbucketPairingMinutes: number;
  /** The edges `TALLY_EDGES` lists; undefined: every edge whose configuration is present is on. */
  readonly edges: readonly string[] | undefined;
  /** Whether `TALLY_BASE_URL` was set (edges Atlassian calls need a public URL; the site edge does not). */
  readonly baseUrlConfigured: boolean;
  /** The self-hosted site edge's settings; undefined while `TALLY_JIRA_SITE` is unset. */
  readonly jiraSite: JiraSiteConfig | undefined;
  readonly logLevel: ParsedEnv['TALLY_LOG_LEVEL'];
}

/** A team's own Jira site, reached with an API token (the self-hosted site edge). */
export interface JiraSiteConfig {
  /** The site's URL, e.g. `https://acme.atlassian.net` (no trailing slash). */
  readonly siteUrl: string;
  readonly email: string;
  /** The API token: read from the environment at each start, never stored, logged or echoed. */
  readonly apiToken: string;
  /** `classic` (Basic against the site), `scoped` (through the gateway), or `auto` (try the site first). */
  readonly tokenKind: ParsedEnv['TALLY_JIRA_TOKEN_KIND'];
  /** The secret of an admin-registered Jira webhook to `/site/webhooks/worklog`; undefined: polling only. */
  readonly webhookSecret: string | undefined;
  /** Where scoped tokens are sent: `<gateway>/ex/jira/<cloudId>` (Atlassian's `https://api.atlassian.com`). */
  readonly apiGatewayUrl: string;
}

const SECRET_KEY_BYTES = 32;
const HEX_KEY = /^[0-9a-fA-F]{64}$/;
/** Standard base64 of 32 bytes: 43 characters and one `=` (what `openssl rand -base64 32` prints). */
const BASE64_KEY = /^[A-Za-z0-9+/]{43}=$/;

/** What TALLY_SECRET_KEY accepts, for the refusal message (which never echoes the value). */
export const SECRET_KEY_FORMATS = 'exactly 64 hex characters, or standard base64 of 32 bytes (44 characters ending in one "=", as printed by `openssl rand -base64 32`)';

/**
 * Decodes a key written as exactly 64 hex characters or as canonical standard base64 of 32 bytes
 * (surrounding whitespace, such as a file's final newline, is ignored); undefined for anything
 * else. The pattern is checked first and the decoded bytes are encoded again and compared with
 * the text, because Node's decoders skip characters outside their alphabet: a 44-character
 * phrase like `our-tally-production-key-for-acme-corp-2025!` "decodes" to 32 bytes.
 */
function decodeSecretKey(raw: string): Buffer | undefined {
  const text = raw.trim();
  let decoded: Buffer;
  if (HEX_KEY.test(text)) {
    decoded = Buffer.from(text, 'hex');
    if (decoded.toString('hex') !== text.toLowerCase()) return undefined;
  } else if (BASE64_KEY.test(text)) {
    decoded = Buffer.from(text, 'base64');
    // Also refuses non-canonical spellings: the unused low bits of the last character must be 0.
    if (decoded.toString('base64') !== text) return undefined;
  } else {
    return undefined;
  }
  if (decoded.length !== SECRET_KEY_BYTES) return undefined;
  // A key of one repeated byte (all zeros, say) is a placeholder, not a secret.
  if (decoded.every((byte) => byte === decoded[0])) return undefined;
  return decoded;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Tally serves at the root of its base URL (routes and every `qsh` are relative to it), and
 * Atlassian only calls https apps; plain http is for loopback development and tests.
 */
function checkBaseUrl(raw: string, mode: Config['mode']): string[] {
  const url = new URL(raw);
  const problems: string[] = [];
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    problems.push('TALLY_BASE_URL: must be an origin without a path, query or fragment (e.g. https://tally.example.com)');
  }
  if (url.protocol === 'http:' && mode !== 'demo' && !LOOPBACK_HOSTS.has(url.hostname)) {
    problems.push('TALLY_BASE_URL: must use https outside demo mode (http is accepted only for loopback)');
  }
  return problems;
}

/**
 * Reads and validates the environment. Every problem is collected and reported at once in one
 * `CONFIG_INVALID` error (its `details` list one line per key), so an operator fixes them in
 * one pass. The secret key is never echoed in a message.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const problems: string[] = [];
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push(`${issue.path.join('.') || '(environment)'}: ${issue.message}`);
    }
  }
  const values = parsed.success ? parsed.data : undefined;
  const mode = values?.TALLY_MODE ?? 'production';
  // A team's own site (the site edge) needs neither a secret key nor a public URL; whether the
  // edges that are on need them is checked when they are composed (src/edges/edge.ts, `requires`).
  const selfHosted = values?.TALLY_JIRA_SITE !== undefined;

  let secretKey: Buffer | undefined;
  const rawSecret = env.TALLY_SECRET_KEY;
  if (rawSecret !== undefined && rawSecret !== '') {
    secretKey = decodeSecretKey(rawSecret);
    if (!secretKey) {
      problems.push(`TALLY_SECRET_KEY: must be 32 random bytes, written as ${SECRET_KEY_FORMATS}`);
    }
  } else if (mode !== 'demo' && !selfHosted) {
    problems.push('TALLY_SECRET_KEY: required outside demo mode (generate one with `openssl rand -base64 32`)');
  }
  if (values && mode !== 'demo' && !selfHosted && values.TALLY_BASE_URL === undefined) {
    problems.push('TALLY_BASE_URL: required outside demo mode (the public https URL Atlassian calls)');
  }
  if (values?.TALLY_JIRA_SITE !== undefined) {
    if (!values.TALLY_JIRA_EMAIL) problems.push('TALLY_JIRA_EMAIL: required with TALLY_JIRA_SITE (the e-mail of the account the API token belongs to)');
    if (!values.TALLY_JIRA_API_TOKEN) problems.push('TALLY_JIRA_API_TOKEN: required with TALLY_JIRA_SITE (create one at id.atlassian.com → Security → API tokens)');
    const site = new URL(values.TALLY_JIRA_SITE);
    if (site.pathname !== '/' || site.search !== '') problems.push('TALLY_JIRA_SITE: must be the site\'s origin without a path, e.g. https://acme.atlassian.net');
  } else if (values?.TALLY_JIRA_WEBHOOK_SECRET !== undefined) {
    problems.push('TALLY_JIRA_WEBHOOK_SECRET: only used with TALLY_JIRA_SITE');
  }

  if (values?.TALLY_BASE_URL !== undefined) problems.push(...checkBaseUrl(values.TALLY_BASE_URL, mode));
  if (values?.TALLY_TENANT_STORE === 'postgres' && values.DATABASE_URL === undefined && values.TALLY_PG_SERVERS === undefined) {
    problems.push('TALLY_TENANT_STORE: postgres needs DATABASE_URL or TALLY_PG_SERVERS (the servers tenant databases are created on)');
  }

  // Unset: postgres when DATABASE_URL is set, else sqlite.
  const tenantStore = values?.TALLY_TENANT_STORE ?? (values?.DATABASE_URL !== undefined ? 'postgres' : 'sqlite');
  const onPostgresStores = tenantStore === 'postgres';
  // A running job may hold two of its site's connections (a write and a read beside it): more jobs
  // than half the cap could each hold one and wait for another, which none can free.
  const jobsTheCapServes = values === undefined || !onPostgresStores ? Number.POSITIVE_INFINITY : Math.max(1, Math.floor(values.TALLY_PG_MAX_CONNECTIONS / 2));
  if (values?.TALLY_JOB_CONCURRENCY !== undefined && values.TALLY_JOB_CONCURRENCY > jobsTheCapServes) {
    problems.push(`TALLY_JOB_CONCURRENCY: at most ${jobsTheCapServes} with TALLY_PG_MAX_CONNECTIONS=${values.TALLY_PG_MAX_CONNECTIONS} (each running job may hold two of its site's connections)`);
  }

  if (problems.length > 0 || !values) {
    throw new AppError('CONFIG_INVALID', `Invalid configuration:\n  ${problems.join('\n  ')}`, {
      details: problems,
      expose: true,
    });
  }

  const baseUrl = (values.TALLY_BASE_URL ?? `http://localhost:${values.PORT}`).replace(/\/+$/, '');
  return Object.freeze({
    mode,
    port: values.PORT,
    baseUrl,
    appKey: values.TALLY_APP_KEY,
    appName: values.TALLY_APP_NAME,
    dataDir: values.TALLY_DATA_DIR,
    backupDir: values.TALLY_BACKUP_DIR ?? `${values.TALLY_DATA_DIR.replace(/\/+$/, '')}/backups`,
    databaseUrl: values.DATABASE_URL,
    secretKey,
    installKeysUrl: values.TALLY_INSTALL_KEYS_URL.replace(/\/+$/, ''),
    atlassianOauthUrl: values.TALLY_ATLASSIAN_OAUTH_URL.replace(/\/+$/, ''),
    allowedHostSuffixes: Object.freeze([...values.TALLY_ALLOWED_HOSTS]),
    syncIntervalSeconds: values.TALLY_SYNC_INTERVAL_SECONDS,
    backfill: Object.freeze({ strategy: values.TALLY_BACKFILL_STRATEGY, recentDays: values.TALLY_BACKFILL_RECENT_DAYS }),
    reconcileIntervalHours: values.TALLY_RECONCILE_INTERVAL_HOURS,
    jiraPointsPerHour: values.TALLY_JIRA_POINTS_PER_HOUR,
    // Decoders only pay when they get a core of their own: on 2 cores a thread bought 5% at 20%
    // more CPU and 70 MB more memory (docs/benchmarks.md), so small machines decode inline.
    parseThreads: values.TALLY_PARSE_THREADS ?? (availableParallelism() >= 4 ? 2 : 0),
    jiraTimeoutMs: Math.round(values.TALLY_JIRA_TIMEOUT_SECONDS * 1000),
    backupIntervalHours: values.TALLY_BACKUP_INTERVAL_HOURS,
    backupRetentionDays: values.TALLY_BACKUP_RETENTION_DAYS,
    accountRetentionDays: values.TALLY_ACCOUNT_RETENTION_DAYS,
    gdprApiUrl: values.TALLY_GDPR_API_URL.replace(/\/+$/, ''),
    gdprCycleDays: values.TALLY_GDPR_CYCLE_DAYS,
    forgeAppId: values.TALLY_FORGE_APP_ID,
    forgeJwksUrl: values.TALLY_FORGE_JWKS_URL,
    forgeUninstallGraceHours: values.TALLY_FORGE_UNINSTALL_GRACE_HOURS,
    forgeApiHosts: Object.freeze([...values.TALLY_FORGE_API_HOSTS]),
    metricsToken: values.TALLY_METRICS_TOKEN,
    tenantStore,
    pgServers: Object.freeze([...(values.TALLY_PG_SERVERS ?? (values.DATABASE_URL !== undefined ? [values.DATABASE_URL] : []))]),
    pgMaxConnections: values.TALLY_PG_MAX_CONNECTIONS,
    openStores: values.TALLY_OPEN_STORES,
    reportMemoryMb: values.TALLY_REPORT_MEMORY_MB,
    jobHeartbeatSeconds: values.TALLY_JOB_HEARTBEAT_SECONDS,
    jobConcurrency: values.TALLY_JOB_CONCURRENCY ?? Math.min(2, jobsTheCapServes),
    bitbucketAppKey: values.TALLY_BITBUCKET_APP_KEY,
    bitbucketBaseUrls: Object.freeze([...values.TALLY_BITBUCKET_BASE_URLS]),
    bitbucketForgeAppId: values.TALLY_BITBUCKET_FORGE_APP_ID,
    bitbucketForgeApiHosts: Object.freeze([...values.TALLY_BITBUCKET_FORGE_API_HOSTS]),
    bitbucketPairingMinutes: values.TALLY_BITBUCKET_PAIRING_MINUTES,
    edges: values.TALLY_EDGES === undefined ? undefined : Object.freeze([...values.TALLY_EDGES]),
    baseUrlConfigured: values.TALLY_BASE_URL !== undefined,
    jiraSite:
      values.TALLY_JIRA_SITE !== undefined && values.TALLY_JIRA_EMAIL && values.TALLY_JIRA_API_TOKEN
        ? Object.freeze({
            siteUrl: values.TALLY_JIRA_SITE.replace(/\/+$/, ''),
            email: values.TALLY_JIRA_EMAIL,
            apiToken: values.TALLY_JIRA_API_TOKEN,
            tokenKind: values.TALLY_JIRA_TOKEN_KIND,
            webhookSecret: values.TALLY_JIRA_WEBHOOK_SECRET,
            apiGatewayUrl: values.TALLY_JIRA_API_GATEWAY_URL.replace(/\/+$/, ''),
          })
        : undefined,
    logLevel: values.TALLY_LOG_LEVEL,
  });
}
