import { AppError } from '../../platform/app-error.js';
import type { Clock } from '../../platform/clock.js';
import type { ReportCredentials } from '../../privacy/personal-data/report-accounts-client.js';
import type { ConnectInstallationStore } from './connect-installation-store.js';
import { signSymmetricToken } from '../kit/atlassian-jwt.js';
import { DEFAULT_JIRA_TOKEN_LIFETIME_SECONDS } from './jira-request-signer.js';
import { queryStringHash } from '../kit/qsh.js';

/** Dependencies of {@link createConnectReportCredentials}. */
export interface ConnectReportCredentialsDeps {
  installations: Pick<ConnectInstallationStore, 'findCredentials'>;
  appKey: string;
  clock: Clock;
  /** Origin (and optional path) of the Personal Data Reporting API, e.g. `https://api.atlassian.com`. */
  apiUrl: string;
}

/**
 * Connect's {@link ReportCredentials}: an HS256 JWT with the tenant's current shared secret,
 * claims `{ iss: appKey, iat, exp: iat + 180 s, qsh, aud: [clientKey] }`, `qsh` over the exact
 * method, path (relative to `apiUrl`'s path) and query — for `POST /app/report-accounts/` that is
 * `POST&/app/report-accounts&`. The claim set is (unverified) per jira-connect-protocol.md §6: an
 * Atlassian answer says only "using JWTs"; `aud` names the installation whose secret signed, as
 * on Tally's Jira calls. Guarantees: a tenant's token is only ever made for a URL under `apiUrl`
 * (INTERNAL otherwise, nothing signed), and only for an installed Jira tenant (undefined otherwise).
 */
export function createConnectReportCredentials(deps: ConnectReportCredentialsDeps): ReportCredentials {
  if (deps.appKey === '') throw new AppError('INTERNAL', 'the app key must not be empty', { expose: false });
  const api = new URL(deps.apiUrl);
  const apiPath = api.pathname.replace(/\/+$/, '');
  return {
    async authorize(tenantId, request) {
      const target = new URL(request.url);
      if (target.origin !== api.origin || (apiPath !== '' && !target.pathname.startsWith(`${apiPath}/`))) {
        throw new AppError('INTERNAL', 'refusing to sign a personal-data report for a URL outside the reporting API', { expose: false });
      }
      const credentials = await deps.installations.findCredentials(tenantId);
      if (!credentials || credentials.tenant.state !== 'installed' || credentials.tenant.product !== 'jira') return undefined;
      const iat = Math.floor(deps.clock.nowMs() / 1000);
      const qsh = queryStringHash(request.method, target.pathname + target.search, apiPath);
      const token = signSymmetricToken({
        claims: { iss: deps.appKey, iat, exp: iat + DEFAULT_JIRA_TOKEN_LIFETIME_SECONDS, qsh, aud: [credentials.clientKey] },
        secret: credentials.sharedSecret,
      });
      return `JWT ${token}`;
    },
  };
}
