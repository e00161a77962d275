import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { WorklogInputError, type WorklogField } from '../../api/worklog-error.js';
import { checkValues, firstProblemField, type FieldProblems, type LogWorkValues } from './log-work-fields.js';
import { FailureAlert } from './failure-alert.js';
import './log-work.css';

/** What the form is for: a new worklog (the issue may be typed) or a change to one (the issue is fixed). */
export type LogWorkMode = 'create' | 'edit';

/** What the log-work form is given. */
export interface LogWorkFormProps {
  mode: LogWorkMode;
  initial: LogWorkValues;
  /** Whether the issue is given (a report row, the issue panel, an edit): shown, not typed. */
  issueFixed: boolean;
  /** Sends the values; rejects with the failure to show (worklog-error.ts). */
  onSubmit(values: LogWorkValues): Promise<void>;
  onCancel?(): void;
  /** Whether the first field takes the focus when the form appears (in a dialog: yes). */
  autoFocus?: boolean;
}

const LABELS: Readonly<Record<WorklogField, string>> = { issue: 'Issue', date: 'Date', startTime: 'Start time', duration: 'Time spent', comment: 'Comment' };
const HINTS: Partial<Record<WorklogField, string>> = {
  issue: 'An issue key, e.g. TT-12.',
  // Jira reads the date and time in the time zone of the person's Jira profile (as its own dialog does).
  startTime: 'In the time zone of your Jira profile.',
  duration: 'As in Jira: 1h 30m, 45m, 1.5h or 1d.',
};

/**
 * The log-work form: issue, date, start time, time spent, comment. Each field has a label, a
 * hint where the format matters, and its own problem tied to it with `aria-describedby`. A failed
 * submit moves the focus to the first field with a problem, or to the error region when the
 * failure is not about one field (Jira's refusal, shown in Jira's words).
 */
export function LogWorkForm({ mode, initial, issueFixed, onSubmit, onCancel, autoFocus = false }: LogWorkFormProps) {
  const [values, setValues] = useState(initial);
  const [problems, setProblems] = useState<FieldProblems>({});
  const [failure, setFailure] = useState<Error | undefined>();
  const [sending, setSending] = useState(false);
  const id = useId();
  const fieldRefs = useRef<Partial<Record<WorklogField, HTMLInputElement | HTMLTextAreaElement | null>>>({});
  const alertRef = useRef<HTMLDivElement>(null);
  // Where the focus goes once the failure is on screen (a field, or the error region).
  const [focusTarget, setFocusTarget] = useState<{ to: WorklogField | 'alert'; n: number } | undefined>();

  useEffect(() => {
    // In a dialog the first field takes the focus (the dialog is open by now: it opens in its ref).
    if (autoFocus) fieldRefs.current[issueFixed ? 'date' : 'issue']?.focus();
    // Only when the form appears, not when its props change.
  }, []);

  useEffect(() => {
    if (!focusTarget) return;
    if (focusTarget.to === 'alert') alertRef.current?.focus();
    else fieldRefs.current[focusTarget.to]?.focus();
  }, [focusTarget]);

  const fail = (next: FieldProblems, error: Error | undefined) => {
    setProblems(next);
    setFailure(error);
    // A problem with a field the form does not show (the given issue) is in the alert's words.
    const shown = firstProblemField(issueFixed ? { ...next, issue: undefined } : next);
    setFocusTarget((current) => ({ to: shown ?? 'alert', n: (current?.n ?? 0) + 1 }));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (sending) return;
    const found = checkValues(values);
    if (firstProblemField(found)) return fail(found, undefined);
    setSending(true);
    setProblems({});
    setFailure(undefined);
    try {
      await onSubmit(values);
    } catch (error) {
      const failed = error instanceof Error ? error : new Error(String(error));
      fail(failed instanceof WorklogInputError ? failed.fields : {}, failed);
    } finally {
      setSending(false);
    }
  };

  const fieldId = (field: WorklogField) => `${id}-${field}`;
  const describedBy = (field: WorklogField) => [HINTS[field] ? `${fieldId(field)}-hint` : '', problems[field] ? `${fieldId(field)}-problem` : ''].filter(Boolean).join(' ') || undefined;
  const change = (field: WorklogField) => (event: { target: { value: string } }) => setValues((current) => ({ ...current, [field]: event.target.value }));
  const inputProps = (field: WorklogField) => ({
    id: fieldId(field),
    name: field,
    value: values[field],
    onChange: change(field),
    'aria-invalid': problems[field] ? true : undefined,
    'aria-describedby': describedBy(field),
    'data-testid': `log-work-${field}`,
    ref: (element: HTMLInputElement | HTMLTextAreaElement | null) => {
      fieldRefs.current[field] = element;
    },
  });
  const below = (field: WorklogField) => (
    <>
      {HINTS[field] && (
        <p className="log-work-hint" id={`${fieldId(field)}-hint`}>
          {HINTS[field]}
        </p>
      )}
      {problems[field] && (
        <p className="field-problem" id={`${fieldId(field)}-problem`} data-testid={`log-work-${field}-problem`}>
          {problems[field]}
        </p>
      )}
    </>
  );

  return (
    <form className="log-work-form" noValidate onSubmit={(event) => void submit(event)} data-testid="log-work-form" data-mode={mode} aria-busy={sending}>
      <FailureAlert failure={failure} alertRef={alertRef} />
      {issueFixed ? (
        <p className="log-work-issue" data-testid="log-work-issue-fixed">
          <span className="field-label">Issue</span> <span className="issue-key">{values.issue}</span>
        </p>
      ) : (
        <div className="field">
          <label htmlFor={fieldId('issue')}>{LABELS.issue}</label>
          <input {...inputProps('issue')} autoComplete="off" spellCheck={false} />
          {below('issue')}
        </div>
      )}
      <div className="log-work-row">
        <div className="field">
          <label htmlFor={fieldId('date')}>{LABELS.date}</label>
          <input {...inputProps('date')} type="date" />
          {below('date')}
        </div>
        <div className="field">
          <label htmlFor={fieldId('startTime')}>{LABELS.startTime}</label>
          <input {...inputProps('startTime')} type="time" />
          {below('startTime')}
        </div>
        <div className="field">
          <label htmlFor={fieldId('duration')}>{LABELS.duration}</label>
          <input {...inputProps('duration')} autoComplete="off" spellCheck={false} placeholder="1h 30m" />
          {below('duration')}
        </div>
      </div>
      <div className="field">
        <label htmlFor={fieldId('comment')}>{LABELS.comment}</label>
        <textarea {...inputProps('comment')} rows={3} />
        {below('comment')}
      </div>
      <div className="log-work-actions">
        <button type="submit" className="button primary" data-testid="log-work-submit" aria-disabled={sending || undefined}>
          {sending ? 'Saving…' : mode === 'edit' ? 'Save changes' : 'Log work'}
        </button>
        {onCancel && (
          <button type="button" className="button subtle" data-testid="log-work-cancel" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
