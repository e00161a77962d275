import type { HiddenIssue } from '../../bitbucket/issue-visibility.js';
import type { VisibleRepositoryIssue } from '../../bitbucket/repository-time.js';
import type { RepositoryPage } from '../../bitbucket/bitbucket-time-ports.js';
import { formatSeconds, html, page, type SafeHtml } from './html.js';
import { personName } from './pull-request-panel-view.js';
import type { PeriodPreset, ReportPeriod } from './report-period.js';

const PRESETS: readonly [PeriodPreset, string][] = [
  ['this-month', 'This month'],
  ['last-month', 'Last month'],
  ['last-30-days', 'Last 30 days'],
  ['custom', 'Custom (from – to)'],
];

/** The period form: posts back to the page with the session token (the iframe JWT cannot cover a new query). */
export function periodForm(input: { action: string; sessionToken: string; repository: string; period: ReportPeriod }): SafeHtml {
  const options = PRESETS.map(([value, label]) => html`<option value="${value}"${value === input.period.preset ? html` selected` : ''}>${label}</option>`);
  return html`<form method="post" action="${input.action}">
<input type="hidden" name="token" value="${input.sessionToken}"><input type="hidden" name="repo" value="${input.repository}">
<label for="period">Period</label><select id="period" name="period">${options}</select>
<label for="from">From</label><input id="from" name="from" type="date" value="${input.period.fromDate}">
<label for="to">To</label><input id="to" name="to" type="date" value="${input.period.toDate}">
<button type="submit">Show</button></form>`;
}

function isVisible(issue: VisibleRepositoryIssue | HiddenIssue): issue is VisibleRepositoryIssue {
  return issue.visible;
}

/** The repository page: time per issue and per person in the period, for the keys of the repository's pull requests. */
export function renderRepositoryPage(answer: RepositoryPage, form: SafeHtml, period: ReportPeriod): string {
  const { time } = answer;
  const name = `${answer.repository.workspace}/${answer.repository.repository}`;
  const visible = time.issues.filter(isVisible);
  const hidden = time.issues.filter((issue) => !issue.visible);
  const issueRows = visible.map((issue) => {
    const detail = answer.issueDetails[String(issue.issueId)];
    const url = detail?.url ?? `${answer.siteUrl}/browse/${encodeURIComponent(issue.key)}`;
    return html`<tr><th scope="row"><a href="${url}" target="_blank" rel="noopener noreferrer">${issue.key}</a>${detail ? html` ${detail.summary}` : ''}</th><td class="num" data-seconds="${issue.seconds}">${formatSeconds(issue.seconds)}</td></tr>`;
  });
  const personRows = time.total.byAccount.map((entry) => html`<tr><th scope="row">${personName(answer.people, entry.accountId)}</th><td class="num" data-seconds="${entry.seconds}">${formatSeconds(entry.seconds)}</td></tr>`);
  const body = html`<h1>Time logged on ${name}</h1>${form}
<p class="muted">From ${period.fromDate} to ${period.toDate} (UTC), for the Jira issues named in the ${answer.pullRequestsRead} most recently updated pull requests.</p>
${visible.length > 0
    ? html`<table><caption>Time per issue</caption><thead><tr><th scope="col">Issue</th><th scope="col" class="num">Time</th></tr></thead><tbody>${issueRows}</tbody>
<tfoot><tr><th scope="row">Total</th><td class="num" data-seconds="${time.total.seconds}">${formatSeconds(time.total.seconds)}</td></tr></tfoot></table>`
    : html`<p>No time visible to you was logged in this period on the issues of this repository's pull requests.</p>`}
${personRows.length > 0 ? html`<table><caption>Time per person</caption><thead><tr><th scope="col">Person</th><th scope="col" class="num">Time</th></tr></thead><tbody>${personRows}</tbody></table>` : ''}
${hidden.length > 0 ? html`<h2>Not visible to you</h2><p>Jira does not let you browse these issues, so their time is not shown:</p><ul>${hidden.map((issue) => html`<li>${issue.key}</li>`)}</ul>` : ''}
${!answer.viewerMatched ? html`<p class="notice">Your Bitbucket account is not known to the linked Jira site, so no issue's time can be shown to you.</p>` : ''}
${time.unknownKeys.length > 0 ? html`<h2>Unknown keys</h2><ul>${time.unknownKeys.map((key) => html`<li>${key}</li>`)}</ul>` : ''}
${answer.truncated ? html`<p class="muted">Tally read only part of this repository's pull requests; some keys may be missing.</p>` : ''}`;
  return page(`Time logged on ${name}`, body);
}
