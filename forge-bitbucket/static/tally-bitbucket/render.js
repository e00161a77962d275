/**
 * Pure renderers of the Bitbucket pages: JSON answers of Tally's remote in, HTML text out, every
 * value escaped. No DOM, no network: tested in node (src/edges/bitbucket-forge/custom-ui.test.ts).
 * The answers' shapes: src/bitbucket/bitbucket-time-ports.ts (PullRequestPanel, RepositoryPage)
 * and src/edges/bitbucket-forge/bitbucket-forge-ui-routes.ts (WorkspaceSettings).
 */

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe inside HTML content and double-quoted attributes. */
export function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (ch) => ESCAPES[ch]);
}

/** Seconds as Jira writes durations (`1h 30m`, `45m`, `0m`); exact to the minute below. */
export function formatSeconds(seconds) {
  const minutes = Math.floor(seconds / 60);
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return `${rest}m`;
  return rest === 0 ? `${hours}h` : `${hours}h ${rest}m`;
}

function personName(people, accountId) {
  if (accountId === null) return 'Unknown author';
  return people?.[accountId]?.displayName ?? 'Former user';
}

function issueLink(details, issue) {
  const live = details?.[String(issue.issueId)];
  const label = live ? `${issue.key} ${live.summary}` : issue.key;
  return live ? `<a href="${escapeHtml(live.url)}" target="_blank" rel="noreferrer">${escapeHtml(label)}</a>` : escapeHtml(label);
}

function peopleList(people, byAccount, withOpen) {
  if (byAccount.length === 0) return '';
  const items = byAccount
    .map((entry) => `<li>${escapeHtml(personName(people, entry.accountId))}: ${formatSeconds(entry.seconds)}${withOpen ? ` (${formatSeconds(entry.secondsWhileOpen)} while open)` : ''}</li>`)
    .join('');
  return `<ul class="people">${items}</ul>`;
}

function hiddenRow(issue, columns) {
  return `<tr class="hidden-issue"><th scope="row">${escapeHtml(issue.key)}</th><td colspan="${columns}">Not visible to you in Jira</td></tr>`;
}

function notes(answer) {
  const parts = [];
  if (answer.time.unknownKeys.length > 0) parts.push(`<p class="note">Not found in Jira: ${answer.time.unknownKeys.map(escapeHtml).join(', ')}</p>`);
  if (!answer.viewerMatched) parts.push('<p class="note">Jira does not know your account, so no issue\'s time is shown.</p>');
  if (answer.truncated) parts.push('<p class="note">This is a large pull request or repository: only part of it was read.</p>');
  return parts.join('');
}

/** The pull-request panel (PullRequestPanel JSON). */
export function renderPullRequestPanel(panel) {
  const { time } = panel;
  if (time.issues.length === 0 && time.unknownKeys.length === 0) {
    return '<p>No Jira issue is mentioned in this pull request\'s branch, title, description or commits.</p>';
  }
  const rows = time.issues
    .map((issue) =>
      issue.visible
        ? `<tr><th scope="row">${issueLink(panel.issueDetails, issue)}${peopleList(panel.people, issue.byAccount, true)}</th><td>${formatSeconds(issue.seconds)}</td><td>${formatSeconds(issue.secondsWhileOpen)}</td></tr>`
        : hiddenRow(issue, 2),
    )
    .join('');
  return [
    `<table><caption>Time logged in Jira (${escapeHtml(panel.siteUrl)})</caption>`,
    '<thead><tr><th scope="col">Issue</th><th scope="col">Total</th><th scope="col">While open</th></tr></thead>',
    `<tbody>${rows}</tbody>`,
    `<tfoot><tr><th scope="row">Total</th><td>${formatSeconds(time.total.seconds)}</td><td>${formatSeconds(time.total.secondsWhileOpen)}</td></tr></tfoot></table>`,
    notes(panel),
  ].join('');
}

/** The repository page's results for one period (RepositoryPage JSON). */
export function renderRepositoryTime(page) {
  const { time } = page;
  if (time.issues.length === 0) return `<p>No time was logged on the issues of this repository's pull requests in this period.</p>${notes(page)}`;
  const rows = time.issues
    .map((issue) => (issue.visible ? `<tr><th scope="row">${issueLink(page.issueDetails, issue)}${peopleList(page.people, issue.byAccount, false)}</th><td>${formatSeconds(issue.seconds)}</td></tr>` : hiddenRow(issue, 1)))
    .join('');
  return [
    `<table><caption>Time logged in Jira (${escapeHtml(page.siteUrl)}) from ${escapeHtml(isoDate(page.fromMs))} to ${escapeHtml(isoDate(page.toMs - 1))}</caption>`,
    '<thead><tr><th scope="col">Issue</th><th scope="col">Time</th></tr></thead>',
    `<tbody>${rows}</tbody>`,
    `<tfoot><tr><th scope="row">Total</th><td>${formatSeconds(time.total.seconds)}</td></tr></tfoot></table>`,
    notes(page),
  ].join('');
}

/** `YYYY-MM-DD` of an epoch-ms instant (UTC, as the remote reads periods). */
export function isoDate(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The repository page's period chooser; the default is the last 30 days up to and including `todayIso`. */
export function renderPeriodForm(todayIso) {
  const today = Date.parse(`${todayIso}T00:00:00Z`);
  const from = isoDate(today - 29 * 86_400_000);
  return [
    '<form id="period" class="period">',
    `<label for="from">From</label> <input id="from" name="from" type="date" required value="${escapeHtml(from)}">`,
    `<label for="to">To (inclusive)</label> <input id="to" name="to" type="date" required value="${escapeHtml(todayIso)}">`,
    '<button type="submit">Show time</button>',
    '</form><div id="results" aria-live="polite"></div>',
  ].join('');
}

/** The workspace settings page (WorkspaceSettings JSON): the link, and the pairing form or the unlink button. */
export function renderSettings(settings) {
  if (settings.linked) {
    return [
      `<p>This workspace is linked to the Jira site <strong>${escapeHtml(settings.siteUrl)}</strong>. Pull requests show the time logged there.</p>`,
      '<form id="unlink"><button type="submit">Unlink from Jira</button></form>',
    ].join('');
  }
  return [
    '<p>This workspace is not linked to a Jira site yet. A Jira site admin creates a one-time pairing code in Tally\'s Jira admin page; enter it here.</p>',
    '<form id="pair"><label for="code">Pairing code</label> ',
    '<input id="code" name="code" autocomplete="off" spellcheck="false" required maxlength="64" placeholder="XXXX-XXXX-XXXX-XXXX" aria-describedby="code-help"> ',
    '<button type="submit">Link</button><p id="code-help" class="note">Codes last 15 minutes and work once.</p></form>',
  ].join('');
}

/** An error answer (`{ error: { code, message } }`) or a failure to reach Tally, as an alert. */
export function renderError(answer) {
  const error = answer && typeof answer === 'object' && answer.error && typeof answer.error === 'object' ? answer.error : undefined;
  if (error?.code === 'BITBUCKET_NOT_LINKED') return '<p role="alert">This workspace is not linked to a Jira site yet: a workspace admin links it in the workspace settings (Tally time reports).</p>';
  const message = typeof error?.message === 'string' ? error.message : 'Tally could not be reached. Try again in a moment.';
  return `<p role="alert">${escapeHtml(message)}</p>`;
}

const LOG_WORK_FIELDS = [
  { name: 'issue', label: 'Issue', hint: "A key such as ABC-12: one of this pull request's issues, or any other." },
  { name: 'date', label: 'Date', hint: 'In your Jira time zone.' },
  { name: 'startTime', label: 'Start time', hint: '24-hour time, HH:mm, in your Jira time zone.' },
  { name: 'duration', label: 'Time spent', hint: 'As Jira writes it: 1h 30m, 45m, 1.5h or 1d.' },
  { name: 'comment', label: 'Comment (optional)' },
];

/** The keys the log-work form offers: the panel's visible issues, by their current key. */
export function suggestedKeys(panel) {
  const keys = panel.time.issues.filter((issue) => issue.visible).map((issue) => panel.issueDetails?.[String(issue.issueId)]?.key ?? issue.key);
  return [...new Set(keys)];
}

/**
 * What a refused `log-work` call means for the form: Tally's own problems by field
 * (`WORKLOG_INPUT_INVALID` details, `field: message`), or one message (Jira's words, or why Tally
 * cannot write as the viewer) — tied to the issue field when Jira's refusal is about the issue.
 */
export function logWorkProblems(answer) {
  const error = answer && typeof answer === 'object' && answer.error && typeof answer.error === 'object' ? answer.error : {};
  const details = Array.isArray(error.details) ? error.details.filter((d) => typeof d === 'string') : [];
  if (error.code === 'WORKLOG_INPUT_INVALID') {
    const fieldErrors = {};
    for (const detail of details) {
      const at = detail.indexOf(': ');
      const name = detail.slice(0, at);
      if (at > 0 && LOG_WORK_FIELDS.some((field) => field.name === name)) fieldErrors[name] = detail.slice(at + 2);
    }
    return { fieldErrors, message: undefined, aboutIssue: false };
  }
  const message = typeof error.message === 'string' ? error.message : 'Tally could not be reached. Try again in a moment.';
  const aboutIssue = error.code === 'JIRA_WORKLOG_REFUSED' && ['issue_not_found', 'no_permission', 'time_tracking_off'].includes(details[0]);
  return { fieldErrors: {}, message, aboutIssue };
}

/**
 * The log-work form (`state`: `{ keys, values, fieldErrors, message, aboutIssue, written }`): every
 * field labelled, its hint and error tied by `aria-describedby`; a refusal heads it as an alert
 * (focusable, so the page can move focus there), a written worklog as a status line.
 */
export function renderLogWorkForm(state) {
  const fieldErrors = state.fieldErrors ?? {};
  const problems = LOG_WORK_FIELDS.filter((field) => fieldErrors[field.name]);
  const refused = state.message !== undefined || problems.length > 0;
  const summary = refused
    ? [
        '<div id="lw-summary" class="summary" role="alert" tabindex="-1"><strong>Work was not logged</strong>',
        state.message !== undefined ? `<p id="lw-refusal">${escapeHtml(state.message)}</p>` : '',
        problems.length > 0 ? `<ul>${problems.map((field) => `<li><a href="#lw-${field.name}">${escapeHtml(field.label)}: ${escapeHtml(fieldErrors[field.name])}</a></li>`).join('')}</ul>` : '',
        '</div>',
      ].join('')
    : state.written
      ? `<p id="lw-summary" class="written" role="status" tabindex="-1">${escapeHtml(state.written)}</p>`
      : '';
  const row = (field) => {
    const id = `lw-${field.name}`;
    const error = fieldErrors[field.name];
    const invalid = error !== undefined || (field.name === 'issue' && state.aboutIssue);
    const described = [field.hint ? `${id}-hint` : '', error ? `${id}-error` : '', field.name === 'issue' && state.aboutIssue ? 'lw-refusal' : ''].filter(Boolean).join(' ');
    const attributes = `id="${id}" name="${field.name}"${described ? ` aria-describedby="${described}"` : ''}${invalid ? ' aria-invalid="true"' : ''}`;
    const value = escapeHtml(state.values?.[field.name] ?? '');
    const control =
      field.name === 'comment'
        ? `<textarea ${attributes} rows="3" maxlength="32767">${value}</textarea>`
        : field.name === 'date'
          ? `<input ${attributes} type="date" required value="${value}">`
          : field.name === 'startTime'
            ? `<input ${attributes} type="time" required value="${value}">`
            : `<input ${attributes} type="text" required autocomplete="off" spellcheck="false" value="${value}"${field.name === 'issue' ? ' list="lw-issue-keys" maxlength="255"' : ' maxlength="40"'}>`;
    return [
      `<div class="field"><label for="${id}">${escapeHtml(field.label)}</label>`,
      field.hint ? `<span id="${id}-hint" class="note">${escapeHtml(field.hint)}</span>` : '',
      error ? `<span id="${id}-error" class="field-error">${escapeHtml(error)}</span>` : '',
      `${control}</div>`,
    ].join('');
  };
  return [
    '<section aria-labelledby="lw-heading"><h2 id="lw-heading">Log work</h2>',
    summary,
    '<form id="log-work">',
    LOG_WORK_FIELDS.map(row).join(''),
    `<datalist id="lw-issue-keys">${(state.keys ?? []).map((key) => `<option value="${escapeHtml(key)}"></option>`).join('')}</datalist>`,
    '<button type="submit">Log work</button>',
    '<p class="note">Written to Jira as you: Jira records you as the author and applies your permissions.</p>',
    '</form></section>',
  ].join('');
}

/** The status line after a write (the remote's `{ worklog, shown }`). */
export function loggedWorkText(answer) {
  const worklog = answer.worklog;
  const started = String(worklog.started);
  const later = answer.shown ? '' : ' It shows in the totals within a few seconds.';
  return `Logged ${worklog.timeSpent} on ${worklog.issueKey}, started ${started.slice(0, 10)} at ${started.slice(11, 16)} (your Jira time zone).${later}`;
}
