import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { PullRequestPanel, RepositoryPage } from '../../bitbucket/bitbucket-time-ports.js';
import type { WorkspaceSettings } from './bitbucket-forge-ui-routes.js';

/*
 * The Custom UI of the Bitbucket Forge app (forge-bitbucket/static/tally-bitbucket/): its pure
 * renderers against the remote's JSON shapes, and its bridge calls against the installed
 * `@forge/bridge` (the page makes the same calls without bundling the package).
 */

const UI_DIR = fileURLToPath(new URL('../../../forge-bitbucket/static/tally-bitbucket/', import.meta.url));

interface Renderers {
  escapeHtml(value: unknown): string;
  formatSeconds(seconds: number): string;
  renderPullRequestPanel(panel: PullRequestPanel): string;
  renderRepositoryTime(page: RepositoryPage): string;
  renderPeriodForm(todayIso: string): string;
  renderSettings(settings: WorkspaceSettings): string;
  renderError(answer: unknown): string;
  suggestedKeys(panel: PullRequestPanel): string[];
  logWorkProblems(answer: unknown): { fieldErrors: Record<string, string>; message: string | undefined; aboutIssue: boolean };
  renderLogWorkForm(state: Record<string, unknown>): string;
  loggedWorkText(answer: unknown): string;
}

type CallBridge = (name: string, payload?: unknown) => Promise<unknown>;
interface Bridge {
  invokeRemote(callBridge: CallBridge, input: Record<string, unknown>): Promise<unknown>;
  getContext(callBridge: CallBridge): Promise<unknown>;
}

// Imported by path: plain ES modules outside the TypeScript project.
const render = (await import(`${UI_DIR}render.js`)) as Renderers;
const bridge = (await import(`${UI_DIR}bridge.js`)) as Bridge;

const panel: PullRequestPanel = {
  pullRequest: { id: 7, title: 'ABC-1 fix', state: 'OPEN', openedAtMs: 0, closedAtMs: null },
  siteUrl: 'https://acme.atlassian.net',
  time: {
    issues: [
      { key: 'ABC-1', otherKeys: [], issueId: 10001, visible: true, seconds: 5_400, secondsWhileOpen: 3_600, byAccount: [{ accountId: 'acc-ana', seconds: 5_400, secondsWhileOpen: 3_600 }] },
      { key: 'SEC-9', visible: false },
    ],
    unknownKeys: ['NOPE-3'],
    total: { seconds: 5_400, secondsWhileOpen: 3_600, byAccount: [{ accountId: 'acc-ana', seconds: 5_400, secondsWhileOpen: 3_600 }] },
  },
  issueDetails: { '10001': { key: 'ABC-1', summary: 'Fix <script>alert(1)</script> login', url: 'https://acme.atlassian.net/browse/ABC-1' } },
  people: { 'acc-ana': { accountId: 'acc-ana', displayName: 'Ana "A" Lima', avatarUrl: null } },
  viewerMatched: true,
  truncated: false,
};

describe('Bitbucket Custom UI renderers', () => {
  it('shows each visible issue with its total, its time while open and its people, and a hidden issue by key only', () => {
    const html = render.renderPullRequestPanel(panel);
    expect(html).toContain('<a href="https://acme.atlassian.net/browse/ABC-1"');
    expect(html).toContain('<td>1h 30m</td><td>1h</td>');
    expect(html).toContain('Ana &quot;A&quot; Lima: 1h 30m (1h while open)');
    expect(html).toMatch(/<tr class="hidden-issue"><th scope="row">SEC-9<\/th><td colspan="2">Not visible to you in Jira<\/td><\/tr>/);
    expect(html).toContain('Not found in Jira: NOPE-3');
    // Jira's text is data, never markup.
    expect(html).not.toContain('<script>');
    expect(html).toContain('Fix &lt;script&gt;alert(1)&lt;/script&gt; login');
  });

  it('says so when a pull request mentions no issue, and when the viewer is unknown to Jira', () => {
    const empty = { ...panel, time: { issues: [], unknownKeys: [], total: { seconds: 0, secondsWhileOpen: 0, byAccount: [] } } };
    expect(render.renderPullRequestPanel(empty)).toMatch(/No Jira issue is mentioned/);
    expect(render.renderPullRequestPanel({ ...panel, viewerMatched: false })).toMatch(/Jira does not know your account/);
  });

  it('renders the repository page for a period, with the period as the viewer chose it', () => {
    const page: RepositoryPage = {
      repository: { workspace: '{w}', repository: '{r}' },
      fromMs: Date.UTC(2026, 2, 1),
      toMs: Date.UTC(2026, 2, 31),
      siteUrl: 'https://acme.atlassian.net',
      time: { issues: [{ key: 'ABC-1', otherKeys: [], issueId: 10001, visible: true, seconds: 60, byAccount: [{ accountId: null, seconds: 60 }] }], unknownKeys: [], total: { seconds: 60, byAccount: [{ accountId: null, seconds: 60 }] } },
      issueDetails: {},
      people: {},
      viewerMatched: true,
      pullRequestsRead: 3,
      truncated: false,
    };
    const html = render.renderRepositoryTime(page);
    expect(html).toContain('from 2026-03-01 to 2026-03-30');
    expect(html).toContain('Unknown author: 1m');
    const form = render.renderPeriodForm('2026-03-31');
    expect(form).toContain('<label for="from">From</label> <input id="from" name="from" type="date" required value="2026-03-02">');
    expect(form).toContain('value="2026-03-31"');
  });

  it('offers the pairing code field when not linked and the unlink button when linked', () => {
    const unlinked = render.renderSettings({ linked: false, siteUrl: null, linkedAtMs: null });
    expect(unlinked).toMatch(/<label for="code">Pairing code<\/label> <input id="code"/);
    expect(unlinked).not.toContain('Unlink');
    const linked = render.renderSettings({ linked: true, siteUrl: 'https://acme.atlassian.net', linkedAtMs: 1 });
    expect(linked).toContain('<strong>https://acme.atlassian.net</strong>');
    expect(linked).toContain('<button type="submit">Unlink from Jira</button>');
  });

  it('shows errors as alerts, with the remote\'s message or a plain one', () => {
    expect(render.renderError({ error: { code: 'BITBUCKET_PAIRING_CODE_INVALID', message: 'The pairing code is <unknown>' } })).toBe('<p role="alert">The pairing code is &lt;unknown&gt;</p>');
    expect(render.renderError({ error: { code: 'BITBUCKET_NOT_LINKED', message: 'x' } })).toMatch(/workspace settings/);
    expect(render.renderError(undefined)).toMatch(/could not be reached/);
    expect(render.formatSeconds(59)).toBe('0m');
    expect(render.formatSeconds(7_200)).toBe('2h');
  });

  it('offers the log-work form with every field labelled and its hint tied, suggesting the visible issues only', () => {
    const keys = render.suggestedKeys(panel);
    expect(keys).toEqual(['ABC-1']);
    const html = render.renderLogWorkForm({ keys, values: { issue: 'ABC-1', date: '2026-11-17', startTime: '09:00', duration: '', comment: '' } });
    for (const [name, label] of [['issue', 'Issue'], ['date', 'Date'], ['startTime', 'Start time'], ['duration', 'Time spent'], ['comment', 'Comment (optional)']]) {
      expect(html).toContain(`<label for="lw-${name}">${label}</label>`);
      expect(html).toMatch(new RegExp(`<(input|textarea) id="lw-${name}" name="${name}"`));
    }
    expect(html).toContain('<input id="lw-duration" name="duration" aria-describedby="lw-duration-hint" type="text"');
    expect(html).toContain('<datalist id="lw-issue-keys"><option value="ABC-1"></option></datalist>');
    expect(html).not.toContain('role="alert"');
  });

  it("ties Tally's field problems to their fields, and Jira's refusal about the issue to the issue field, in Jira's words", () => {
    const invalid = render.logWorkProblems({ error: { code: 'WORKLOG_INPUT_INVALID', message: 'x', details: ['duration: enter a duration such as 1h 30m', 'startTime: enter a time as HH:mm'] } });
    expect(invalid).toEqual({ fieldErrors: { duration: 'enter a duration such as 1h 30m', startTime: 'enter a time as HH:mm' }, message: undefined, aboutIssue: false });
    const html = render.renderLogWorkForm({ keys: [], values: { issue: 'ABC-1', date: '2026-11-17', startTime: '9', duration: 'soon', comment: '' }, ...invalid });
    expect(html).toContain('<input id="lw-duration" name="duration" aria-describedby="lw-duration-hint lw-duration-error" aria-invalid="true"');
    expect(html).toContain('<span id="lw-duration-error" class="field-error">enter a duration such as 1h 30m</span>');
    expect(html).toContain('<a href="#lw-startTime">Start time: enter a time as HH:mm</a>');
    expect(html).toContain('value="soon"');

    const refused = render.logWorkProblems({ error: { code: 'JIRA_WORKLOG_REFUSED', message: 'You do not have the permission to associate a worklog to this issue.', details: ['no_permission'] } });
    const page = render.renderLogWorkForm({ keys: [], values: { issue: 'ABC-1' }, ...refused });
    expect(page).toMatch(/<div id="lw-summary" class="summary" role="alert" tabindex="-1"><strong>Work was not logged<\/strong><p id="lw-refusal">You do not have the permission to associate a worklog to this issue\.<\/p>/);
    expect(page).toContain('<input id="lw-issue" name="issue" aria-describedby="lw-issue-hint lw-refusal" aria-invalid="true"');
    // Why Tally cannot write here is said the same way, tied to no field.
    const unavailable = render.renderLogWorkForm({ keys: [], values: {}, ...render.logWorkProblems({ error: { code: 'LOG_WORK_UNAVAILABLE', message: 'The linked Jira site runs Tally through <jira-forge>' } }) });
    expect(unavailable).toContain('The linked Jira site runs Tally through &lt;jira-forge&gt;');
    expect(unavailable).not.toContain('aria-invalid');
  });

  it('says what was written, and when the totals will show it', () => {
    const worklog = { id: 1, issueId: 10001, issueKey: 'ABC-1', started: '2026-11-17T09:15:00.000+0100', timeSpentSeconds: 5_400, timeSpent: '1h 30m', comment: null, authorAccountId: 'acc-ana' };
    expect(render.loggedWorkText({ worklog, shown: true })).toBe('Logged 1h 30m on ABC-1, started 2026-11-17 at 09:15 (your Jira time zone).');
    expect(render.loggedWorkText({ worklog, shown: false })).toMatch(/within a few seconds/);
    expect(render.renderLogWorkForm({ keys: [], values: {}, written: 'Logged <1h>' })).toContain('<p id="lw-summary" class="written" role="status" tabindex="-1">Logged &lt;1h&gt;</p>');
  });

  it('ships the page the manifest names: index.html loading its module', () => {
    const html = readFileSync(`${UI_DIR}index.html`, 'utf8');
    expect(html).toContain('<script type="module" src="./app.js"></script>');
    expect(html).toMatch(/<html lang="en">/);
    for (const file of ['app.js', 'bridge.js', 'render.js', 'style.css']) expect(existsSync(`${UI_DIR}${file}`), file).toBe(true);
  });
});

describe('Bitbucket Custom UI bridge calls', () => {
  it('makes exactly the calls @forge/bridge makes for invokeRemote and getContext, and reads the answer as it does', async () => {
    const calls: [string, unknown][] = [];
    const answers: Record<string, unknown> = {
      invoke: { success: true, payload: { status: 200, headers: { 'content-type': 'application/json' }, body: { linked: false } } },
      getContext: { moduleKey: 'workspace-settings' },
    };
    const callBridge: CallBridge = async (name, payload) => {
      calls.push([name, payload]);
      return structuredClone(answers[name]);
    };
    const carrier = globalThis as { __bridge?: { callBridge: CallBridge } };
    carrier.__bridge = { callBridge };
    try {
      // @forge/bridge looks the bridge up when its modules load: import it once the bridge exists.
      const forge = (await import('@forge/bridge')) as unknown as { invokeRemote(input: unknown): Promise<unknown>; view: { getContext(): Promise<unknown> } };
      const input = { path: '/bitbucket/forge/ui/settings', method: 'POST', body: {} };
      const theirs = await forge.invokeRemote(input);
      const theirContext = await forge.view.getContext();
      const ours = await bridge.invokeRemote(callBridge, input);
      const ourContext = await bridge.getContext(callBridge);
      expect(calls[2]).toEqual(calls[0]);
      expect(calls[3]).toEqual(calls[1]);
      expect(ours).toEqual(theirs);
      expect(ourContext).toEqual(theirContext);
      answers.invoke = { success: false, error: { status: 403, headers: {}, body: { error: { code: 'AUTH_FORBIDDEN', message: 'no' } } } };
      expect(await bridge.invokeRemote(callBridge, input)).toEqual(await forge.invokeRemote(input));
    } finally {
      delete carrier.__bridge;
    }
  });
});
