import { html, type SafeHtml } from './html.js';

/** The form's fields, named as `POST /api/worklogs` names them (docs/api.md). */
export const LOG_WORK_FIELDS = ['issue', 'date', 'startTime', 'duration', 'comment'] as const;
export type LogWorkField = (typeof LOG_WORK_FIELDS)[number];

/** What the pull-request panel's log-work form shows. */
export interface LogWorkFormView {
  action: string;
  /** The `log-work` session token: it travels in the form body only. */
  sessionToken: string;
  /** `workspace/repo_slug` and the pull request id, sent back with the form. */
  repository: string;
  pullRequestId: number;
  /** Keys offered for the issue field (the pull request's visible issues); any other key may be typed. */
  suggestedKeys: readonly string[];
  values: Record<LogWorkField, string>;
  /** Tally's own problems with a field (`WORKLOG_INPUT_INVALID` details), by field. */
  fieldErrors: Partial<Record<LogWorkField, string>>;
  /** The outcome of the form just sent: a written worklog, or a refusal in Jira's (or Tally's) words. */
  message?: { kind: 'ok' | 'error'; text: string; /** The refusal is about the issue (not found, no permission, time tracking off). */ aboutIssue?: boolean };
}

const LABELS: Record<LogWorkField, string> = {
  issue: 'Issue',
  date: 'Date',
  startTime: 'Start time',
  duration: 'Time spent',
  comment: 'Comment (optional)',
};

const HINTS: Partial<Record<LogWorkField, string>> = {
  issue: "A key such as ABC-12: one of this pull request's issues, or any other.",
  date: 'In your Jira time zone.',
  startTime: '24-hour time, HH:mm, in your Jira time zone.',
  duration: 'As Jira writes it: 1h 30m, 45m, 1.5h or 1d.',
};

const idOf = (field: LogWorkField) => `lw-${field}`;
const REFUSAL_ID = 'lw-refusal';

function describedBy(view: LogWorkFormView, field: LogWorkField): string | undefined {
  const ids = [
    HINTS[field] ? `${idOf(field)}-hint` : undefined,
    view.fieldErrors[field] ? `${idOf(field)}-error` : undefined,
    field === 'issue' && view.message?.kind === 'error' && view.message.aboutIssue ? REFUSAL_ID : undefined,
  ].filter((id): id is string => id !== undefined);
  return ids.length > 0 ? ids.join(' ') : undefined;
}

function fieldRow(view: LogWorkFormView, field: LogWorkField, control: (attributes: SafeHtml) => SafeHtml): SafeHtml {
  const error = view.fieldErrors[field];
  const invalid = error !== undefined || (field === 'issue' && view.message?.kind === 'error' && view.message.aboutIssue === true);
  const described = describedBy(view, field);
  const attributes = html`id="${idOf(field)}" name="${field}"${described ? html` aria-describedby="${described}"` : ''}${invalid ? html` aria-invalid="true"` : ''}`;
  return html`<div class="field"><label for="${idOf(field)}">${LABELS[field]}</label>
${HINTS[field] ? html`<span id="${idOf(field)}-hint" class="muted">${HINTS[field]}</span>` : ''}
${error ? html`<span id="${idOf(field)}-error" class="field-error">${error}</span>` : ''}
${control(attributes)}</div>`;
}

/**
 * The log-work form of the pull-request panel: a plain HTML form (no script — the CSP allows
 * none) that posts to Tally with the panel's `log-work` session token. Every field has a label and
 * its hint and error tied by `aria-describedby`; a refusal heads the form as an alert, in the
 * words Jira (or Tally) gave, with links to the fields it names.
 */
export function renderLogWorkForm(view: LogWorkFormView): SafeHtml {
  const { values } = view;
  const problems = LOG_WORK_FIELDS.flatMap((field) => (view.fieldErrors[field] ? [{ field, text: view.fieldErrors[field] as string }] : []));
  const summary =
    view.message?.kind === 'error' || problems.length > 0
      ? html`<div class="error" role="alert"><h3>Work was not logged</h3>
${view.message?.kind === 'error' ? html`<p id="${REFUSAL_ID}">${view.message.text}</p>` : ''}
${problems.length > 0 ? html`<ul>${problems.map((problem) => html`<li><a href="#${idOf(problem.field)}">${LABELS[problem.field]}: ${problem.text}</a></li>`)}</ul>` : ''}</div>`
      : view.message?.kind === 'ok'
        ? html`<p class="notice" role="status">${view.message.text}</p>`
        : '';
  return html`<section aria-labelledby="lw-heading"><h2 id="lw-heading">Log work</h2>
${summary}
<form method="post" action="${view.action}" class="log-work">
<input type="hidden" name="token" value="${view.sessionToken}">
<input type="hidden" name="repo" value="${view.repository}">
<input type="hidden" name="pr" value="${view.pullRequestId}">
${fieldRow(view, 'issue', (a) => html`<input ${a} type="text" list="lw-issue-keys" value="${values.issue}" required maxlength="255" autocomplete="off" spellcheck="false">`)}
<datalist id="lw-issue-keys">${view.suggestedKeys.map((key) => html`<option value="${key}"></option>`)}</datalist>
${fieldRow(view, 'date', (a) => html`<input ${a} type="date" value="${values.date}" required>`)}
${fieldRow(view, 'startTime', (a) => html`<input ${a} type="time" value="${values.startTime}" required>`)}
${fieldRow(view, 'duration', (a) => html`<input ${a} type="text" value="${values.duration}" required maxlength="40" autocomplete="off" spellcheck="false">`)}
${fieldRow(view, 'comment', (a) => html`<textarea ${a} rows="3" maxlength="32767">${values.comment}</textarea>`)}
<button type="submit">Log work</button>
<p class="muted">Written to Jira as you: Jira records you as the author and applies your permissions.</p>
</form></section>`;
}

/** Tally's `field: message` problems (`WORKLOG_INPUT_INVALID` details) by form field; unknown ones are left out. */
export function fieldErrorsOf(details: readonly string[]): Partial<Record<LogWorkField, string>> {
  const errors: Partial<Record<LogWorkField, string>> = {};
  for (const detail of details) {
    const colon = detail.indexOf(': ');
    const field = detail.slice(0, colon) as LogWorkField;
    if (colon > 0 && (LOG_WORK_FIELDS as readonly string[]).includes(field)) errors[field] = detail.slice(colon + 2);
  }
  return errors;
}
