import { Hono, type Context } from 'hono';
import type { Kysely } from 'kysely';
import type { BitbucketInstallation, BitbucketInstallationId, BitbucketInstallations } from '../../bitbucket/bitbucket-installations.js';
import type { BitbucketLogWork } from '../../bitbucket/bitbucket-log-work.js';
import type { BitbucketTimeService, PullRequestPanel, RepositoryRef } from '../../bitbucket/bitbucket-time-ports.js';
import { AppError, isAppError } from '../../platform/app-error.js';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import { redactUrl } from '../../platform/logger.js';
import type { TenantRegistry } from '../../tenants/tenant-registry.js';
import type { BitbucketHost } from '../edge.js';
import { extractToken } from '../kit/atlassian-jwt.js';
import { renderConfigurePage, type ConfigureView } from './configure-page-view.js';
import type { ConnectInstallationRow, ConnectInstallationRows } from './connect-installation-rows.js';
import { BITBUCKET_CONNECT_ROUTES as ROUTES } from './descriptor.js';
import { connectAuthorizer } from './outbound-authorizer.js';
import { fieldErrorsOf, type LogWorkFormView } from './log-work-form-view.js';
import { renderPullRequestPanel } from './pull-request-panel-view.js';
import { resolvePeriod, type ReportPeriod } from './report-period.js';
import { periodForm, renderRepositoryPage } from './repository-page-view.js';
import { pathAndQueryOf, verifyBitbucketRequest, type RequestTokenDeps } from './request-token.js';
import type { SessionPurpose, SessionTokens } from './session-token.js';
import { renderErrorPage, renderNotLinkedPage, renderPendingPage } from './status-views.js';

/** What the page routes need. */
export interface PageDeps {
  db: Kysely<any>;
  rows: ConnectInstallationRows;
  installations: BitbucketInstallations;
  time: BitbucketTimeService;
  /** Log work from the panel, written to the linked Jira site as the viewer. */
  worklogs: BitbucketLogWork;
  apiFor: BitbucketHost['apiFor'];
  registry: Pick<TenantRegistry, 'findTenant'>;
  tokens: RequestTokenDeps;
  sessions: SessionTokens;
  appKey: string;
  clock: Clock;
  requestConfirmation(installationId: BitbucketInstallationId): void;
  logger: Logger;
}

/** A page request whose installation was proven by Bitbucket's JWT or Tally's session token. */
interface VerifiedPage {
  row: ConnectInstallationRow;
  installation: BitbucketInstallation;
  /** The viewer's Atlassian account id (covered by the qsh or the session token); undefined for an anonymous viewer. */
  viewerAccountId: string | undefined;
}

const LONGEST_NAME = 200;

/** `workspace/repo_slug` (or `{uuid}/{uuid}`) as the time service names a repository; REQUEST_INVALID otherwise. */
export function parseRepository(fullName: string | undefined): RepositoryRef {
  const parts = (fullName ?? '').split('/');
  const [workspace, repository] = parts;
  if (parts.length !== 2 || !workspace || !repository || workspace.length > LONGEST_NAME || repository.length > LONGEST_NAME) {
    throw new AppError('REQUEST_INVALID', 'repo: a repository full name workspace/repository is expected');
  }
  return { workspace, repository };
}

function parsePullRequestId(text: string | undefined): number {
  const id = /^[1-9]\d{0,9}$/.test(text ?? '') ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(id)) throw new AppError('REQUEST_INVALID', 'pr: a pull request id is expected');
  return id;
}

/** The session-token subject of one pull request's panel. */
const panelSubject = (repoName: string, pullRequestId: number) => `${repoName}#${pullRequestId}`;

/** Jira's refusals that are about the issue field (the others are about the input as a whole). */
const ISSUE_REFUSALS: ReadonlySet<string> = new Set(['issue_not_found', 'no_permission', 'time_tracking_off']);

/** The keys the form offers: the pull request's issues the viewer may browse, by their current key. */
function suggestedKeysOf(panel: PullRequestPanel): string[] {
  const keys = panel.time.issues.flatMap((issue) => (issue.visible ? [panel.issueDetails[String(issue.issueId)]?.key ?? issue.key] : []));
  return [...new Set(keys)];
}

class PageState extends Error {
  constructor(readonly state: 'pending' | 'not-linked') {
    super(state);
  }
}

/**
 * The iframes Bitbucket loads (`?jwt=`, HS256 with the installation's secret, qsh over the whole
 * URL relative to the app's baseUrl) and their follow-up forms (Tally's session token). Each page
 * needs an active installation (pending: the BITBUCKET_INSTALLATION_PENDING page, and the
 * confirmation is queued again) and — except the configure page — a link to a Jira site.
 * Everything is rendered on the server; every failure is a page with its stable code.
 */
export function bitbucketPageRoutes(deps: PageDeps): Hono<any> {
  const routes = new Hono();
  const nowSeconds = () => Math.floor(deps.clock.nowMs() / 1000);

  const respond = async (c: Context, work: () => Promise<string>): Promise<Response> => {
    c.header('cache-control', 'no-store');
    try {
      return c.html(await work());
    } catch (error) {
      if (error instanceof PageState) return error.state === 'pending' ? c.html(renderPendingPage(), 409) : c.html(renderNotLinkedPage());
      if (isAppError(error, 'BITBUCKET_NOT_LINKED')) return c.html(renderNotLinkedPage());
      if (error instanceof AppError) {
        if (error.httpStatus >= 500) deps.logger.error({ code: error.code, path: redactUrl(c.req.path), err: error }, 'Bitbucket page failed');
        return c.html(renderErrorPage(error.code, error.expose ? error.message : 'Internal error'), error.httpStatus as 400);
      }
      deps.logger.error({ path: redactUrl(c.req.path), err: error }, 'unexpected error on a Bitbucket page');
      return c.html(renderErrorPage('INTERNAL', 'Internal error'), 500);
    }
  };

  const requireActive = (installation: BitbucketInstallation) => {
    if (installation.state !== 'active') {
      deps.requestConfirmation(installation.id);
      throw new PageState('pending');
    }
  };

  const loadInstallation = async (installationId: BitbucketInstallationId) => {
    const installation = await deps.installations.find(installationId);
    const row = await deps.rows.findByInstallationId(deps.db, installationId);
    if (!installation || !row) throw new AppError('AUTH_INVALID', 'Unknown installation');
    return { installation, row };
  };

  /** An iframe load: Bitbucket's JWT, from `?jwt=` or the header. */
  const fromBitbucket = async (c: Context): Promise<VerifiedPage> => {
    const token = extractToken({ header: (name) => c.req.header(name), query: (name) => c.req.query(name) }, true);
    const { installation: verified } = await verifyBitbucketRequest(deps.tokens, { token, method: c.req.method, pathAndQuery: pathAndQueryOf(c.req.url) });
    const { installation, row } = await loadInstallation(verified.installationId);
    requireActive(installation);
    return { installation, row, viewerAccountId: c.req.query('account') || undefined };
  };

  /** A follow-up form: Tally's session token for `purpose` and `subject`. */
  const fromSession = async (form: Record<string, unknown>, purpose: SessionPurpose, subject: string): Promise<VerifiedPage & { sessionToken: string; note: string | undefined; expiresAtSeconds: number }> => {
    const token = typeof form.token === 'string' ? form.token : undefined;
    const claims = deps.sessions.verify(token, { purpose, subject }, nowSeconds());
    const { installation, row } = await loadInstallation(claims.installationId as BitbucketInstallationId);
    requireActive(installation);
    return { installation, row, viewerAccountId: claims.accountId || undefined, sessionToken: token as string, note: claims.note, expiresAtSeconds: claims.expiresAtSeconds };
  };

  const requireLinked = (page: VerifiedPage) => {
    if (page.installation.jiraTenantId === null) throw new PageState('not-linked');
  };

  const apiOf = (row: ConnectInstallationRow) =>
    deps.apiFor(row.baseApiUrl, connectAuthorizer({ appKey: deps.appKey, clientKey: row.clientKey, sharedSecret: row.sharedSecret, baseApiUrl: row.baseApiUrl, clock: deps.clock }));

  const formOf = async (c: Context): Promise<Record<string, unknown>> => (await c.req.parseBody()) as Record<string, unknown>;
  const field = (form: Record<string, unknown>, name: string) => (typeof form[name] === 'string' ? (form[name] as string) : undefined);

  /** What the log-work form shows besides the panel: kept values and problems after a refusal, or the outcome note. */
  interface FormState {
    /** The `log-work` token minted for the form never outlives the token this request came with. */
    notAfterSeconds?: number;
    values?: LogWorkFormView['values'];
    fieldErrors?: LogWorkFormView['fieldErrors'];
    message?: LogWorkFormView['message'];
  }

  /** The panel with its log-work form — or, for a viewer Bitbucket named no account for, why there is none. */
  const panelPage = async (page: VerifiedPage, repoName: string, pullRequestId: number, state: FormState = {}) => {
    requireLinked(page);
    const repository = parseRepository(repoName);
    const panel = await deps.time.pullRequestPanel({ installation: page.installation, viewerAccountId: page.viewerAccountId, api: apiOf(page.row), repository, pullRequestId });
    if (page.viewerAccountId === undefined) return renderPullRequestPanel(panel, { unavailable: 'Log in to Bitbucket to log work: Tally writes it to Jira as you.' });
    const subject = panelSubject(repoName, pullRequestId);
    const sessionToken = deps.sessions.mint({ installationId: page.installation.id, accountId: page.viewerAccountId, purpose: 'log-work', subject }, nowSeconds(), state.notAfterSeconds);
    const suggestedKeys = suggestedKeysOf(panel);
    // The date is a default only: Jira reads it in the viewer's own zone, which only a call as them would tell.
    const values = state.values ?? { issue: suggestedKeys[0] ?? '', date: new Date(deps.clock.nowMs()).toISOString().slice(0, 10), startTime: '09:00', duration: '', comment: '' };
    return renderPullRequestPanel(panel, {
      action: ROUTES.logWork,
      sessionToken,
      repository: repoName,
      pullRequestId,
      suggestedKeys,
      values,
      fieldErrors: state.fieldErrors ?? {},
      ...(state.message ? { message: state.message } : {}),
    });
  };

  routes.get(ROUTES.pullRequestPanel, (c) =>
    respond(c, async () => {
      const verified = await fromBitbucket(c);
      const repoName = c.req.query('repo') ?? '';
      parseRepository(repoName);
      const pullRequestId = parsePullRequestId(c.req.query('pr'));
      return panelPage(verified, repoName, pullRequestId);
    }),
  );

  /*
   * Log work: the form posts here with the panel's `log-work` token, whose signed claims — not the
   * form — name the installation and the viewer's account (Bitbucket put it in the panel's URL under
   * its qsh). Written: 303 to the panel again (a reload cannot write twice), with a read-only token
   * carrying the outcome. Refused (Tally's checks, Jira's words, no way to act as the viewer): the
   * panel at once with the values kept and the refusal — nothing was written.
   */
  routes.post(ROUTES.logWork, async (c) => {
    let status = 200;
    let location: string | undefined;
    const response = await respond(c, async () => {
      const form = await formOf(c);
      const repoName = field(form, 'repo') ?? '';
      const pullRequestId = parsePullRequestId(field(form, 'pr'));
      const subject = panelSubject(repoName, pullRequestId);
      const verified = await fromSession(form, 'log-work', subject);
      requireLinked(verified);
      const values = { issue: field(form, 'issue') ?? '', date: field(form, 'date') ?? '', startTime: field(form, 'startTime') ?? '', duration: field(form, 'duration') ?? '', comment: field(form, 'comment') ?? '' };
      try {
        const { worklog, shown } = await deps.worklogs.logWork({
          installation: verified.installation,
          accountId: verified.viewerAccountId,
          input: { issue: values.issue, date: values.date, startTime: values.startTime, duration: values.duration, comment: values.comment.trim() === '' ? undefined : values.comment },
        });
        deps.logger.info({ event: 'bitbucket_work_logged', installationId: verified.installation.id, worklogId: worklog.id }, 'work logged from a Bitbucket pull request');
        const note = `Logged ${worklog.timeSpent} on ${worklog.issueKey}, started ${worklog.started.slice(0, 10)} at ${worklog.started.slice(11, 16)} (your Jira time zone).${shown ? '' : ' It shows in the totals within a few seconds: reload if it is not there yet.'}`;
        const result = deps.sessions.mint({ installationId: verified.installation.id, accountId: verified.viewerAccountId ?? '', purpose: 'log-work-result', subject, note }, nowSeconds(), verified.expiresAtSeconds);
        location = `${ROUTES.pullRequestPanelAfterWrite}?${new URLSearchParams({ repo: repoName, pr: String(pullRequestId), token: result })}`;
        return '';
      } catch (error) {
        // The link and the installation's state have their own pages; any other refusal or failure keeps the form.
        if (!(error instanceof AppError) || error.code.startsWith('BITBUCKET_')) throw error;
        if (error.httpStatus >= 500) deps.logger.error({ code: error.code, installationId: verified.installation.id, err: error }, 'log work from a Bitbucket pull request failed');
        status = error.httpStatus;
        const state: FormState = { notAfterSeconds: verified.expiresAtSeconds, values };
        if (error.code === 'WORKLOG_INPUT_INVALID') state.fieldErrors = fieldErrorsOf(error.details);
        else {
          const text = error.expose ? error.message : 'Tally could not finish writing the worklog. Check the issue in Jira before you try again.';
          state.message = { kind: 'error', text: `${text} (${error.code})`, aboutIssue: error.code === 'JIRA_WORKLOG_REFUSED' && ISSUE_REFUSALS.has(error.details[0] ?? '') };
        }
        return panelPage(verified, repoName, pullRequestId, state);
      }
    });
    if (location !== undefined) return c.redirect(location, 303);
    return status === 200 ? response : new Response(response.body, { status, headers: response.headers });
  });

  routes.get(ROUTES.pullRequestPanelAfterWrite, (c) =>
    respond(c, async () => {
      const repoName = c.req.query('repo') ?? '';
      const pullRequestId = parsePullRequestId(c.req.query('pr'));
      const verified = await fromSession({ token: c.req.query('token') }, 'log-work-result', panelSubject(repoName, pullRequestId));
      return panelPage(verified, repoName, pullRequestId, { notAfterSeconds: verified.expiresAtSeconds, ...(verified.note ? { message: { kind: 'ok', text: verified.note } } : {}) });
    }),
  );

  const repositoryPage = async (page: VerifiedPage, repoName: string, period: ReportPeriod, sessionToken: string) => {
    requireLinked(page);
    const repository = parseRepository(repoName);
    const answer = await deps.time.repositoryPage({ installation: page.installation, viewerAccountId: page.viewerAccountId, api: apiOf(page.row), repository, fromMs: period.fromMs, toMs: period.toMs });
    return renderRepositoryPage(answer, periodForm({ action: ROUTES.repositoryPage, sessionToken, repository: repoName, period }), period);
  };

  routes.get(ROUTES.repositoryPage, (c) =>
    respond(c, async () => {
      const verified = await fromBitbucket(c);
      const repoName = c.req.query('repo') ?? '';
      parseRepository(repoName);
      const sessionToken = deps.sessions.mint({ installationId: verified.installation.id, accountId: verified.viewerAccountId ?? '', purpose: 'repository', subject: repoName }, nowSeconds());
      return repositoryPage(verified, repoName, resolvePeriod({}, deps.clock.nowMs()), sessionToken);
    }),
  );

  routes.post(ROUTES.repositoryPage, (c) =>
    respond(c, async () => {
      const form = await formOf(c);
      const repoName = field(form, 'repo') ?? '';
      const verified = await fromSession(form, 'repository', repoName);
      const period = resolvePeriod({ preset: field(form, 'period'), from: field(form, 'from'), to: field(form, 'to') }, deps.clock.nowMs());
      return repositoryPage(verified, repoName, period, verified.sessionToken);
    }),
  );

  const configureView = async (page: VerifiedPage, sessionToken: string, message?: ConfigureView['message']) => {
    const installation = (await deps.installations.find(page.installation.id)) ?? page.installation;
    const tenant = installation.jiraTenantId === null ? undefined : await deps.registry.findTenant(installation.jiraTenantId);
    const linkedSiteUrl = tenant?.state === 'installed' ? tenant.baseUrl : undefined;
    return renderConfigurePage({ linkedSiteUrl, sessionToken, pairAction: ROUTES.pair, unlinkAction: ROUTES.unlink, ...(message ? { message } : {}) });
  };

  routes.get(ROUTES.configurePage, (c) =>
    respond(c, async () => {
      const verified = await fromBitbucket(c);
      const sessionToken = deps.sessions.mint({ installationId: verified.installation.id, accountId: verified.viewerAccountId ?? '', purpose: 'configure', subject: '' }, nowSeconds());
      return configureView(verified, sessionToken);
    }),
  );

  routes.post(ROUTES.pair, async (c) => {
    let status: 200 | 400 | 429 = 200;
    const response = await respond(c, async () => {
      const form = await formOf(c);
      const verified = await fromSession(form, 'configure', '');
      try {
        await deps.installations.redeemPairingCode(verified.installation.id, field(form, 'code') ?? '');
      } catch (error) {
        if (!isAppError(error, 'BITBUCKET_PAIRING_CODE_INVALID') && !isAppError(error, 'BITBUCKET_PAIRING_RATE_LIMITED')) throw error;
        status = error.httpStatus as 400 | 429;
        return configureView(verified, verified.sessionToken, { kind: 'error', text: `${error.message} (${error.code})` });
      }
      deps.logger.info({ event: 'bitbucket_linked', installationId: verified.installation.id }, 'Bitbucket workspace linked');
      return configureView(verified, verified.sessionToken, { kind: 'ok', text: 'The workspace is linked.' });
    });
    return status === 200 ? response : new Response(response.body, { status, headers: response.headers });
  });

  routes.post(ROUTES.unlink, (c) =>
    respond(c, async () => {
      const verified = await fromSession(await formOf(c), 'configure', '');
      await deps.installations.unlink(verified.installation.id);
      deps.logger.info({ event: 'bitbucket_unlinked', installationId: verified.installation.id }, 'Bitbucket workspace unlinked');
      return configureView(verified, verified.sessionToken, { kind: 'ok', text: 'The workspace is no longer linked.' });
    }),
  );

  return routes;
}
