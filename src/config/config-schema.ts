import { z } from 'zod';

/** Where Tally runs: `demo` relaxes the secret-key rule only; everything else is production. */
export const runModes = ['production', 'demo'] as const;

const port = z.coerce.number().int().min(0).max(65_535);
const positiveSeconds = z.coerce.number().int().min(1).max(86_400 * 7);

/** A comma-separated list of host suffixes such as `.atlassian.net,.jira.com`. */
const hostSuffixList = z
  .string()
  .transform((raw) => raw.split(',').map((part) => part.trim().toLowerCase()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^[a-z0-9.-]+$/, 'each entry must be a host or a host suffix')).min(1));

/** A comma-separated list of exact host names such as `api.atlassian.com`. */
const hostList = z
  .string()
  .transform((raw) => raw.split(',').map((part) => part.trim().toLowerCase()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?$/, 'each entry must be a host name (with an optional port)')).min(1));

/**
 * Every environment variable Tally reads, with its default. `docs/configuration.md` documents
 * each key; a test fails when a key is missing there.
 */
export const configSchema = z.object({
  TALLY_MODE: z.enum(runModes).default('production'),
  PORT: port.default(3000),
  TALLY_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  TALLY_APP_KEY: z
    .string()
    .regex(/^[a-zA-Z0-9-._]{1,64}$/, 'letters, digits, - . _ only, at most 64 characters')
    .default('io.tally.time-reports'),
  TALLY_APP_NAME: z.string().min(1).max(80).default('Tally time reports'),
  TALLY_DATA_DIR: z.string().min(1).default('./data'),
  TALLY_BACKUP_DIR: z.string().min(1).optional(),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  TALLY_SECRET_KEY: z.string().optional(),
  TALLY_INSTALL_KEYS_URL: z.url({ protocol: /^https?$/ }).default('https://connect-install-keys.atlassian.com'),
  // Connect user impersonation (ACT_AS_USER): where the JWT-bearer token exchange is posted; tests point it at the simulator.
  TALLY_ATLASSIAN_OAUTH_URL: z.url({ protocol: /^https?$/ }).default('https://oauth-2-authorization-server.services.atlassian.com'),
  TALLY_ALLOWED_HOSTS: hostSuffixList.default(['.atlassian.net']),
  TALLY_SYNC_INTERVAL_SECONDS: positiveSeconds.default(300),
  TALLY_RECONCILE_INTERVAL_HOURS: z.coerce.number().int().min(1).max(24 * 90).default(24),
  TALLY_JIRA_TIMEOUT_SECONDS: z.coerce.number().min(0.05).max(600).default(30),
  TALLY_JIRA_POINTS_PER_HOUR: z.coerce.number().int().min(1000).max(10_000_000).default(65_000),
  TALLY_BACKFILL_STRATEGY: z.enum(['recent-first', 'bulk']).default('recent-first'),
  // Empty means "this month and the last": see src/sync/backfill-policy.ts.
  TALLY_BACKFILL_RECENT_DAYS: z.coerce.number().int().min(1).max(3650).optional(),
  // Empty means "decide from the machine": see load-config.ts.
  TALLY_PARSE_THREADS: z.coerce.number().int().min(0).max(16).optional(),
  TALLY_BACKUP_INTERVAL_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(24),
  TALLY_BACKUP_RETENTION_DAYS: z.coerce.number().int().min(1).max(365).default(7),
  TALLY_ACCOUNT_RETENTION_DAYS: z.coerce.number().int().min(0).max(3650).default(30),
  TALLY_GDPR_API_URL: z.url({ protocol: /^https?$/ }).default('https://api.atlassian.com'),
  TALLY_GDPR_CYCLE_DAYS: z.coerce.number().min(1).max(90).default(7),
  // The Forge app's ARI (`forge register` prints it); the Forge edge is off while it is unset.
  TALLY_FORGE_APP_ID: z.string().regex(/^ari:cloud:ecosystem::app\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'must be the app ARI, ari:cloud:ecosystem::app/<uuid>').optional(),
  TALLY_FORGE_JWKS_URL: z.url({ protocol: /^https?$/ }).default('https://forge.cdn.prod.atlassian-dev.net/.well-known/jwks.json'),
  TALLY_FORGE_UNINSTALL_GRACE_HOURS: z.coerce.number().int().min(1).max(24 * 90).default(72),
  TALLY_FORGE_API_HOSTS: hostList.default(['api.atlassian.com']),
  // The Bitbucket edges (docs/bitbucket.md). Connect: on with the Jira Connect edge's conditions
  // (a base URL and secret key); Forge: on when its app ARI is set.
  TALLY_BITBUCKET_APP_KEY: z
    .string()
    .regex(/^[a-zA-Z0-9-._]{1,64}$/, 'letters, digits, - . _ only, at most 64 characters')
    .default('io.tally.bitbucket'),
  TALLY_BITBUCKET_BASE_URLS: z
    .string()
    .transform((raw) => raw.split(',').map((part) => part.trim().replace(/\/+$/, '')).filter(Boolean))
    .pipe(z.array(z.url({ protocol: /^https?$/ })).min(1))
    .default(['https://bitbucket.org', 'https://api.bitbucket.org']),
  TALLY_BITBUCKET_FORGE_APP_ID: z.string().regex(/^ari:cloud:ecosystem::app\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'must be the app ARI, ari:cloud:ecosystem::app/<uuid>').optional(),
  TALLY_BITBUCKET_FORGE_API_HOSTS: hostList.default(['api.bitbucket.org']),
  TALLY_BITBUCKET_PAIRING_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(15),
  // Scale (issue 14, docs/operations.md). Tenant stores: `sqlite` (a file per site) or `postgres`
  // (a database per site on DATABASE_URL's server, or on TALLY_PG_SERVERS); unset: postgres when
  // DATABASE_URL is set, else sqlite.
  TALLY_TENANT_STORE: z.enum(['sqlite', 'postgres']).optional(),
  TALLY_PG_SERVERS: z
    .string()
    .transform((raw) => raw.split(',').map((part) => part.trim()).filter(Boolean))
    .pipe(z.array(z.url({ protocol: /^postgres(ql)?$/ })).min(1))
    .optional(),
  TALLY_PG_MAX_CONNECTIONS: z.coerce.number().int().min(2).max(10_000).default(40),
  TALLY_OPEN_STORES: z.coerce.number().int().min(1).max(100_000).default(64),
  TALLY_REPORT_MEMORY_MB: z.coerce.number().int().min(16).max(1_000_000).default(1024),
  // Jobs on pg-boss (DATABASE_URL): a killed instance's jobs are taken over after this heartbeat
  // plus one supervise pass (15 s). pg-boss refuses a heartbeat under 10 s or not whole.
  TALLY_JOB_HEARTBEAT_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds' })
    .int('must be whole seconds')
    .min(10, 'must be at least 10 (pg-boss\'s shortest heartbeat)')
    .max(600, 'must be at most 600 (a killed instance would hold its jobs for over 10 minutes)')
    .default(30),
  // Sync and other jobs one instance runs at once, each for another site (default 2; on PostgreSQL
  // stores at most half of TALLY_PG_MAX_CONNECTIONS, checked in load-config.ts).
  TALLY_JOB_CONCURRENCY: z.coerce.number({ error: 'must be a number of jobs' }).int('must be a whole number').min(1, 'must be at least 1').max(64, 'must be at most 64').optional(),
  // The bearer token `/metrics` asks for (docs/operations.md); unset, `/metrics` answers 404.
  TALLY_METRICS_TOKEN: z.string().trim().min(16, 'use at least 16 characters (e.g. `openssl rand -hex 24`)').max(1024).optional(),
  // Which platform edges are on, e.g. `jira-site` or `jira-connect,jira-forge`; unset: every configured edge.
  TALLY_EDGES: z
    .string()
    .transform((raw) => raw.split(',').map((part) => part.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[a-z][a-z0-9-]{1,40}$/, 'each entry must be an edge id such as jira-site')))
    .optional(),
  // The self-hosted site edge (docs/self-hosted.md): on when TALLY_JIRA_SITE is set.
  TALLY_JIRA_SITE: z.url({ protocol: /^https?$/ }).optional(),
  TALLY_JIRA_EMAIL: z.string().min(3).max(320).optional(),
  TALLY_JIRA_API_TOKEN: z.string().min(1).max(4096).optional(),
  TALLY_JIRA_TOKEN_KIND: z.enum(['auto', 'classic', 'scoped']).default('auto'),
  TALLY_JIRA_WEBHOOK_SECRET: z.string().min(16, 'use at least 16 characters (Jira\'s "Generate secret" makes 32+)').max(1024).optional(),
  TALLY_JIRA_API_GATEWAY_URL: z.url({ protocol: /^https?$/ }).default('https://api.atlassian.com'),
  TALLY_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** The raw, parsed environment before derived values are filled in. */
export type ParsedEnv = z.infer<typeof configSchema>;

/** The keys {@link configSchema} knows; used by the documentation test. */
export const configKeys = Object.keys(configSchema.shape) as (keyof ParsedEnv)[];
