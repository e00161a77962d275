import { z } from 'zod';
import type { JiraSiteConfig } from '../../config/load-config.js';
import { AppError } from '../../platform/app-error.js';
import type { Clock } from '../../platform/clock.js';
import type { Fetch } from '../../platform/fetch.js';
import { basicAuthorization } from './basic-authorization.js';
import { probeJira } from './site-probe.js';

/** Where and as whom Tally reaches the team's site, as a start found it. */
export interface SiteConnection {
  cloudId: string;
  /** The REST base the token works on: the site URL (classic) or `{gateway}/ex/jira/{cloudId}` (scoped). */
  apiBaseUrl: string;
  tokenKind: 'classic' | 'scoped';
  /** The token's account (`/myself`): whose visibility the sync and the page have. */
  accountId: string;
}

/** What {@link connectToSite} needs. */
export interface ConnectToSiteDeps {
  site: JiraSiteConfig;
  fetch: Fetch;
  clock: Clock;
  timeoutMs: number;
}

const tenantInfoSchema = z.object({ cloudId: z.string().regex(/^[A-Za-z0-9-]{1,64}$/) });
const myselfSchema = z.object({ accountId: z.string().min(1).max(128) });
const permissionsSchema = z.object({ permissions: z.record(z.string(), z.object({ havePermission: z.boolean() }).partial()) });

/** The operations Tally needs, each probed cheaply, with the classic scope that grants it (self-hosted-site.md §1.4). */
const PROBES = [
  { endpoint: 'GET /rest/api/3/myself', scope: 'read:jira-user', path: () => '/rest/api/3/myself' },
  { endpoint: 'GET /rest/api/3/worklog/updated', scope: 'read:jira-work', path: (nowMs: number) => `/rest/api/3/worklog/updated?since=${nowMs}` },
  { endpoint: 'GET /rest/api/3/mypermissions', scope: 'read:jira-work', path: () => '/rest/api/3/mypermissions?permissions=BROWSE_PROJECTS' },
] as const;

/** The site's cloud id from `GET {site}/_edge/tenant_info`: no authentication, so no token is sent (§1.3). */
async function readCloudId(deps: ConnectToSiteDeps): Promise<string> {
  const answer = await probeJira(deps.fetch, `${deps.site.siteUrl}/_edge/tenant_info`, undefined, deps.timeoutMs, 'GET /_edge/tenant_info');
  const parsed = answer.kind === 'ok' ? tenantInfoSchema.safeParse(answer.body) : undefined;
  if (!parsed?.success) throw new AppError('CONFIG_INVALID', `TALLY_JIRA_SITE: ${deps.site.siteUrl} did not name its cloud id at /_edge/tenant_info; is it a Jira Cloud site (https://<name>.atlassian.net)?`, { expose: true });
  return parsed.data.cloudId;
}

/** Where each kind of token works: classic on the site URL, scoped only through the gateway (§0, §1.2). */
function candidateBases(site: JiraSiteConfig, cloudId: string): { tokenKind: 'classic' | 'scoped'; apiBaseUrl: string }[] {
  const classic = { tokenKind: 'classic' as const, apiBaseUrl: site.siteUrl };
  const scoped = { tokenKind: 'scoped' as const, apiBaseUrl: `${site.apiGatewayUrl}/ex/jira/${cloudId}` };
  if (site.tokenKind === 'classic') return [classic];
  if (site.tokenKind === 'scoped') return [scoped];
  // The token carries no marker of its kind: try the site first and, on 401, the gateway (§1.2).
  return [classic, scoped];
}

/**
 * Checks the configured token against the site before Tally serves it: reads the cloud id, picks
 * the REST base the token works on (`TALLY_JIRA_TOKEN_KIND`; `auto` tries the site, then the
 * gateway), then probes each operation Tally needs with a cheap call and names everything
 * missing at once. Throws, exposed (`npm start` prints the message): `SITE_TOKEN_REJECTED` when
 * Jira refuses the token everywhere; `SITE_TOKEN_INSUFFICIENT` naming missing scopes or the
 * missing Browse projects permission; `CONFIG_INVALID` for a site without a cloud id;
 * `JIRA_UNAVAILABLE` when Jira does not answer. Sends the token only to the candidate bases;
 * never echoes it. Read-only; safe to repeat.
 */
export async function connectToSite(deps: ConnectToSiteDeps): Promise<SiteConnection> {
  const { site, fetch, clock, timeoutMs } = deps;
  const cloudId = await readCloudId(deps);
  const authorization = basicAuthorization(site.email, site.apiToken);
  const tried: string[] = [];
  for (const candidate of candidateBases(site, cloudId)) {
    tried.push(candidate.apiBaseUrl);
    const answers = [];
    for (const probe of PROBES) {
      const answer = await probeJira(fetch, `${candidate.apiBaseUrl}${probe.path(clock.nowMs())}`, authorization, timeoutMs, probe.endpoint);
      // A plain 401 on the first probe: the token does not work on this base at all.
      if (answer.kind === 'rejected' && answers.length === 0) break;
      answers.push({ probe, answer });
    }
    if (answers.length === 0) continue;
    const missingScopes = [...new Set(answers.filter(({ answer }) => answer.kind === 'scope-missing').map(({ probe }) => probe.scope))];
    if (missingScopes.length > 0) {
      throw new AppError(
        'SITE_TOKEN_INSUFFICIENT',
        `Jira accepted TALLY_JIRA_API_TOKEN at ${candidate.apiBaseUrl} but it lacks the scope${missingScopes.length > 1 ? 's' : ''} ${missingScopes.join(', ')}; create a token with read:jira-work and read:jira-user (docs/self-hosted.md)`,
        { expose: true },
      );
    }
    const refused = answers.find(({ answer }) => answer.kind !== 'ok');
    if (refused) throw new AppError('SITE_TOKEN_INSUFFICIENT', `Jira refused ${refused.probe.endpoint} at ${candidate.apiBaseUrl} for the account of TALLY_JIRA_API_TOKEN (${refused.answer.kind === 'forbidden' ? 403 : 401})`, { expose: true });
    const [myself, , permissions] = answers.map(({ answer }) => (answer.kind === 'ok' ? answer.body : undefined));
    const account = myselfSchema.safeParse(myself);
    const grants = permissionsSchema.safeParse(permissions);
    if (!account.success || !grants.success) throw new AppError('JIRA_UNAVAILABLE', `Jira answered /myself or /mypermissions at ${candidate.apiBaseUrl} in a shape Tally does not know`, { expose: true });
    if (grants.data.permissions.BROWSE_PROJECTS?.havePermission !== true) {
      throw new AppError(
        'SITE_TOKEN_INSUFFICIENT',
        'The account of TALLY_JIRA_API_TOKEN lacks the Browse projects permission in every project, so it sees no worklogs; grant it (through a group or project role) and start again',
        { expose: true },
      );
    }
    return { cloudId, apiBaseUrl: candidate.apiBaseUrl, tokenKind: candidate.tokenKind, accountId: account.data.accountId };
  }
  throw new AppError(
    'SITE_TOKEN_REJECTED',
    `Jira rejected TALLY_JIRA_API_TOKEN at ${tried.join(' and ')}: the token is revoked or expired, or TALLY_JIRA_EMAIL is not its account's e-mail (a scoped token needs TALLY_JIRA_TOKEN_KIND=scoped or auto); create a new token (docs/self-hosted.md) and start again`,
    { expose: true },
  );
}
