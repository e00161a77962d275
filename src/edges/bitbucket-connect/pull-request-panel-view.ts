import type { HiddenIssue } from '../../bitbucket/issue-visibility.js';
import type { VisiblePullRequestIssue } from '../../bitbucket/pull-request-time.js';
import type { LivePerson, PullRequestPanel } from '../../bitbucket/bitbucket-time-ports.js';
import { formatSeconds, html, page, type SafeHtml } from './html.js';
import { renderLogWorkForm, type LogWorkFormView } from './log-work-form-view.js';

/** A person's live name, or what to say when Jira names no author or no longer knows the account. */
export function personName(people: Record<string, LivePerson>, accountId: string | null): string {
  if (accountId === null) return 'Unknown author';
  return people[accountId]?.displayName ?? 'Former user';
}

function issueCell(panel: Pick<PullRequestPanel, 'issueDetails' | 'siteUrl'>, issue: { key: string; issueId: number; otherKeys: string[] }): SafeHtml {
  const detail = panel.issueDetails[String(issue.issueId)];
  const url = detail?.url ?? `${panel.siteUrl}/browse/${encodeURIComponent(issue.key)}`;
  const also = issue.otherKeys.length > 0 ? html` <span class="muted">(also ${issue.otherKeys.join(', ')})</span>` : '';
  return html`<a href="${url}" target="_blank" rel="noopener noreferrer">${issue.key}</a>${detail ? html` ${detail.summary}` : ''}${also}`;
}

function isVisible(issue: VisiblePullRequestIssue | HiddenIssue): issue is VisiblePullRequestIssue {
  return issue.visible;
}

/**
 * The pull-request panel: per issue (linked to Jira) the time logged and the part logged while
 * the pull request was open; the total (each time cell carries its exact `data-seconds`); the total per person (names fetched live); issues the
 * viewer may not browse listed without any time; keys Jira does not know.
 */
export function renderPullRequestPanel(panel: PullRequestPanel, logWork?: LogWorkFormView | { unavailable: string }): string {
  const { time } = panel;
  const visible = time.issues.filter(isVisible);
  const hidden = time.issues.filter((issue) => !issue.visible);
  const issueRows = visible.map(
    (issue) => html`<tr><th scope="row">${issueCell(panel, issue)}</th><td class="num" data-seconds="${issue.seconds}">${formatSeconds(issue.seconds)}</td><td class="num" data-seconds="${issue.secondsWhileOpen}">${formatSeconds(issue.secondsWhileOpen)}</td></tr>`,
  );
  const personRows = time.total.byAccount.map(
    (entry) => html`<tr><th scope="row">${personName(panel.people, entry.accountId)}</th><td class="num" data-seconds="${entry.seconds}">${formatSeconds(entry.seconds)}</td><td class="num" data-seconds="${entry.secondsWhileOpen}">${formatSeconds(entry.secondsWhileOpen)}</td></tr>`,
  );
  const body = html`<h1>Time logged on pull request #${panel.pullRequest.id}</h1>
${time.issues.length === 0 && time.unknownKeys.length === 0 ? html`<p>No Jira issue key was found in this pull request's branch, title, description or commits.</p>` : ''}
${visible.length > 0
    ? html`<table><caption>Time per issue</caption><thead><tr><th scope="col">Issue</th><th scope="col" class="num">Total</th><th scope="col" class="num">While open</th></tr></thead>
<tbody>${issueRows}</tbody><tfoot><tr><th scope="row">Total</th><td class="num" data-seconds="${time.total.seconds}">${formatSeconds(time.total.seconds)}</td><td class="num" data-seconds="${time.total.secondsWhileOpen}">${formatSeconds(time.total.secondsWhileOpen)}</td></tr></tfoot></table>`
    : ''}
${personRows.length > 0
    ? html`<table><caption>Time per person</caption><thead><tr><th scope="col">Person</th><th scope="col" class="num">Total</th><th scope="col" class="num">While open</th></tr></thead><tbody>${personRows}</tbody></table>`
    : ''}
${hidden.length > 0 ? html`<h2>Not visible to you</h2><p>Jira does not let you browse these issues, so their time is not shown:</p><ul>${hidden.map((issue) => html`<li>${issue.key}</li>`)}</ul>` : ''}
${!panel.viewerMatched ? html`<p class="notice">Your Bitbucket account is not known to the linked Jira site, so no issue's time can be shown to you.</p>` : ''}
${time.unknownKeys.length > 0 ? html`<h2>Unknown keys</h2><p>No issue on the linked Jira site has these keys:</p><ul>${time.unknownKeys.map((key) => html`<li>${key}</li>`)}</ul>` : ''}
${panel.truncated ? html`<p class="muted">This pull request has more keys or commits than Tally reads; some may be missing.</p>` : ''}
${logWork === undefined ? '' : 'unavailable' in logWork ? html`<h2>Log work</h2><p class="muted">${logWork.unavailable}</p>` : renderLogWorkForm(logWork)}`;
  // A refused form is announced by the page's title too (the page loads anew: no script moves focus).
  const refused = logWork !== undefined && !('unavailable' in logWork) && (logWork.message?.kind === 'error' || Object.keys(logWork.fieldErrors).length > 0);
  return page(`${refused ? 'Error: ' : ''}Time logged on pull request #${panel.pullRequest.id}`, body);
}
