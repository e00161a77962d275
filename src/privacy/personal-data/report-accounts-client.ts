import { z } from 'zod';
import { AppError } from '../../platform/app-error.js';
import type { Clock } from '../../platform/clock.js';
import type { Fetch } from '../../platform/fetch.js';
import { parseHttpDate } from '../../jira/jira-date-time.js';
import type { StoredAccount } from '../../store/tenant-store.js';
import type { TenantId } from '../../tenants/tenant.js';
import { parseCyclePeriodMs } from './cycle-period.js';

/** Path of Atlassian's Personal Data Reporting API (jira-connect-protocol.md §6). */
export const REPORT_ACCOUNTS_PATH = '/app/report-accounts/';
/** At most this many accounts per request (§6). */
export const MAX_ACCOUNTS_PER_REPORT = 90;

/**
 * How a personal-data report is authenticated on behalf of a tenant (port), implemented by the
 * platform edge the tenant came through (a JWT with the tenant's shared secret, or a bearer token
 * with scope `report:personal-data`).
 */
export interface ReportCredentials {
  /** The `Authorization` value for exactly this request; undefined when the tenant cannot report (not installed, not Jira). */
  authorize(tenantId: TenantId, request: { method: string; url: string }): Promise<string | undefined>;
}

/** What Atlassian asks Tally to do about one reported account. */
export interface AccountAction {
  accountId: string;
  /** `closed`: erase the account's personal data. `updated`: the copy is stale (refetch or erase). */
  status: 'closed' | 'updated';
}

/** The answer to one report. */
export interface ReportAccountsAnswer {
  /** Actions for reported accounts only; anything else in the answer is ignored. */
  actions: AccountAction[];
  /** The period `Cycle-Period` announced, when it was present and believable (see cycle-period.ts). */
  cyclePeriodMs: number | undefined;
}

/** Reports accounts of one tenant (port over the HTTP call, for the cycle and its tests). */
export interface ReportAccountsClient {
  /**
   * Sends ONE request with 1–90 accounts (`updatedAt` = `oldestUpdatedMs` in RFC 3339, UTC) and
   * returns what needs action. Never retries: it throws `GDPR_RATE_LIMITED` (429) or
   * `GDPR_API_UNAVAILABLE` (5xx, network, timeout, unusable body), both retryable and carrying
   * `retryAfterMs` when the answer had `Retry-After`, or `GDPR_REPORT_REJECTED` (other 4xx, or
   * the tenant has no credentials). No message contains an account id or a token.
   */
  report(tenantId: TenantId, accounts: readonly StoredAccount[], signal?: AbortSignal): Promise<ReportAccountsAnswer>;
}

/** Dependencies of {@link createReportAccountsClient}. */
export interface ReportAccountsClientDeps {
  /** Origin (and optional path) of the API; `config.gdprApiUrl`. */
  apiUrl: string;
  credentials: ReportCredentials;
  fetch: Fetch;
  clock: Clock;
  /** Real-time limit per request (default 30 s). */
  timeoutMs?: number;
}

const answerSchema = z.object({
  accounts: z.array(z.object({ accountId: z.string(), status: z.string() })),
});

/** `Retry-After` as delay-seconds or an HTTP date, relative to `nowMs`; undefined when absent or garbage. */
export function parseRetryAfterMs(text: string | null, nowMs: number): number | undefined {
  const trimmed = text?.trim() ?? '';
  if (/^\d{1,9}(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = trimmed === '' ? undefined : parseHttpDate(trimmed);
  return at === undefined ? undefined : Math.max(0, at - nowMs);
}

/** An `errorType` worth repeating in a message: a short code, never free text that could echo input. */
function errorTypeOf(text: string): string {
  try {
    const errorType = (JSON.parse(text) as { errorType?: unknown }).errorType;
    return typeof errorType === 'string' && /^[A-Za-z_]{1,64}$/.test(errorType) ? ` (${errorType})` : '';
  } catch {
    return '';
  }
}

/** Builds the {@link ReportAccountsClient} over `fetch`. Holds no state between calls. */
export function createReportAccountsClient(deps: ReportAccountsClientDeps): ReportAccountsClient {
  const url = `${deps.apiUrl.replace(/\/+$/, '')}${REPORT_ACCOUNTS_PATH}`;
  const timeoutMs = deps.timeoutMs ?? 30_000;

  return {
    async report(tenantId, accounts, signal) {
      if (accounts.length === 0 || accounts.length > MAX_ACCOUNTS_PER_REPORT) {
        throw new AppError('INTERNAL', `A report holds 1 to ${MAX_ACCOUNTS_PER_REPORT} accounts, not ${accounts.length}`);
      }
      const authorization = await deps.credentials.authorize(tenantId, { method: 'POST', url });
      if (authorization === undefined) throw new AppError('GDPR_REPORT_REJECTED', `Tenant ${tenantId} has no credentials to report with`);
      const body = JSON.stringify({ accounts: accounts.map((account) => ({ accountId: account.accountId, updatedAt: new Date(account.oldestUpdatedMs).toISOString() })) });
      const timeout = AbortSignal.timeout(timeoutMs);
      let response: Response;
      let text: string;
      try {
        response = await deps.fetch(url, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/json', accept: 'application/json' },
          body,
          // A redirect is not followed: the signed token must not travel to another URL.
          redirect: 'manual',
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        text = await response.text();
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        throw new AppError('GDPR_API_UNAVAILABLE', 'The personal-data reporting API did not answer', { cause: error });
      }
      const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'), deps.clock.nowMs());
      const retry = retryAfterMs === undefined ? {} : { retryAfterMs };
      if (response.status === 429) throw new AppError('GDPR_RATE_LIMITED', 'The personal-data reporting API asked to slow down (429)', retry);
      if (response.status >= 500 || response.status === 408) {
        throw new AppError('GDPR_API_UNAVAILABLE', `The personal-data reporting API failed with ${response.status}${errorTypeOf(text)}`, retry);
      }
      if (response.status >= 300) {
        throw new AppError('GDPR_REPORT_REJECTED', `The personal-data reporting API refused the report with ${response.status}${errorTypeOf(text)}`);
      }
      return { actions: response.status === 204 || text.trim() === '' ? [] : parseActions(text, accounts), cyclePeriodMs: parseCyclePeriodMs(response.headers.get('cycle-period')) };
    },
  };
}

function parseActions(text: string, reported: readonly StoredAccount[]): AccountAction[] {
  let parsed: z.infer<typeof answerSchema>;
  try {
    parsed = answerSchema.parse(JSON.parse(text));
  } catch {
    // No cause attached: zod's issues may quote values (account ids).
    throw new AppError('GDPR_API_UNAVAILABLE', 'The personal-data reporting API answered 200 with a body Tally cannot use');
  }
  // Only accounts this request reported are acted on: an answer cannot make Tally erase others.
  const asked = new Set(reported.map((account) => account.accountId));
  return parsed.accounts.filter((action): action is AccountAction => asked.has(action.accountId) && (action.status === 'closed' || action.status === 'updated'));
}
