import type { Config } from '../../config/load-config.js';

/**
 * Every path the descriptor names, relative to `baseUrl`. The router mounts exactly these
 * strings, so the descriptor and the routes cannot drift apart.
 */
export const CONNECT_ROUTES = Object.freeze({
  descriptor: '/atlassian-connect.json',
  installed: '/connect/lifecycle/installed',
  uninstalled: '/connect/lifecycle/uninstalled',
  enabled: '/connect/lifecycle/enabled',
  disabled: '/connect/lifecycle/disabled',
  worklogWebhook: '/connect/webhooks/worklog',
  reportsPage: '/pages/reports',
  /** The issue view's log-work and timer panel: the report page in its `issue-panel` view (Jira fills in `{issue.key}`). */
  issuePanel: '/pages/reports?view=issue-panel&issueKey={issue.key}',
  adminPage: '/pages/admin',
} as const);

/** The worklog webhook events Tally subscribes to (jira-connect-protocol.md §2). */
export const WORKLOG_WEBHOOK_EVENTS = Object.freeze(['worklog_created', 'worklog_updated', 'worklog_deleted'] as const);

/** The Connect app descriptor Tally serves; the shape of Atlassian's Jira descriptor schema. */
export interface JiraDescriptor {
  readonly key: string;
  readonly name: string;
  readonly description: string;
  readonly vendor: { readonly name: string; readonly url: string };
  readonly baseUrl: string;
  readonly authentication: { readonly type: 'jwt' };
  readonly lifecycle: { readonly installed: string; readonly uninstalled: string; readonly enabled: string; readonly disabled: string };
  readonly apiMigrations: { readonly 'signed-install': true; readonly 'context-qsh': true; readonly gdpr: true };
  readonly scopes: readonly string[];
  readonly enableLicensing: boolean;
  readonly modules: {
    readonly webhooks: readonly { readonly event: string; readonly url: string }[];
    readonly generalPages: readonly PageModule[];
    readonly adminPages: readonly PageModule[];
    readonly webPanels: readonly (PageModule & { readonly location: string; readonly weight?: number })[];
  };
}

interface PageModule {
  readonly key: string;
  readonly name: { readonly value: string };
  readonly url: string;
  readonly location?: string;
}

/**
 * Builds the descriptor for `config`. Pure and deterministic: the same config always yields the
 * same descriptor, because Atlassian treats a changed descriptor as a new app version
 * (jira-connect-protocol.md §5; ACE 7.1.5 auto-edits caused unplanned versions, §2.1 of
 * security-and-reliability.md). `baseUrl` loses trailing slashes so JWT `aud` checks compare
 * against one spelling.
 */
export function buildJiraDescriptor(config: Pick<Config, 'baseUrl' | 'appKey' | 'appName'>): JiraDescriptor {
  const baseUrl = config.baseUrl.replace(/\/+$/, '');
  return {
    key: config.appKey,
    name: config.appName,
    description: 'Fast, trustworthy time reports: worklogs synchronised into one database per site.',
    vendor: { name: 'Tally', url: baseUrl },
    baseUrl,
    authentication: { type: 'jwt' },
    lifecycle: {
      installed: CONNECT_ROUTES.installed,
      uninstalled: CONNECT_ROUTES.uninstalled,
      enabled: CONNECT_ROUTES.enabled,
      disabled: CONNECT_ROUTES.disabled,
    },
    // signed-install: installed/uninstalled arrive as RS256 tokens with a kid (protocol §4.5);
    // context-qsh: context JWTs carry qsh "context-qsh"; gdpr: accountId in `sub` (§5).
    apiMigrations: { 'signed-install': true, 'context-qsh': true, gdpr: true },
    // Least privilege (Marketplace security requirement 4, security-and-reliability.md §1.1):
    // as the app Tally only reads — worklogs, webhooks, search and users all need READ (protocol
    // §5, `x-atlassian-connect-scope`). Writes happen only as the person logging work (issue 16):
    // ACT_AS_USER for the token exchange, WRITE for creating and editing worklogs and the timer's
    // user property, DELETE for deleting them. A user token never exceeds the app's scopes.
    scopes: ['READ', 'WRITE', 'DELETE', 'ACT_AS_USER'],
    // Off until Marketplace listing; flipping it is a descriptor change, i.e. a new app version.
    enableLicensing: false,
    modules: {
      webhooks: WORKLOG_WEBHOOK_EVENTS.map((event) => ({ event, url: CONNECT_ROUTES.worklogWebhook })),
      generalPages: [
        { key: 'tally-reports', name: { value: 'Time reports' }, url: CONNECT_ROUTES.reportsPage, location: 'system.top.navigation.bar' },
      ],
      adminPages: [{ key: 'tally-admin', name: { value: 'Tally settings' }, url: CONNECT_ROUTES.adminPage }],
      // The issue view's right-hand panel: log work and the timer for that issue.
      webPanels: [{ key: 'tally-issue-panel', name: { value: 'Log work (Tally)' }, url: CONNECT_ROUTES.issuePanel, location: 'atl.jira.view.issue.right.context', weight: 100 }],
    },
  };
}
