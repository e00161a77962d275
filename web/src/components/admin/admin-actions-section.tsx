import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../../api/api-error.js';

/** An admin action by name, as the section runs it (admin-page.tsx says what each does). */
export type AdminAction = 'resync-range' | 'resync-all' | 'reconcile' | 'data-statement';

/** What the actions section is given: the page runs the actions and says how they went. */
export interface AdminActionsProps {
  /** The action running now, if any (one at a time). */
  busy: AdminAction | 'backup' | undefined;
  /** The last action's failure, shown in words (Tally's message, and its details). */
  failure: Error | undefined;
  onResync(range: { from: string; to: string } | undefined): void;
  onReconcile(): void;
  onDataStatement(): void;
}

/**
 * The admin's actions: re-sync a date range, re-sync everything (asks first: it reads the whole
 * history again and spends Jira points), reconcile now, download the data statement. Every
 * button keeps the focus while its action runs (`aria-disabled`, not `disabled`).
 */
export function AdminActionsSection({ busy, failure, onResync, onReconcile, onDataStatement }: AdminActionsProps) {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [rangeProblem, setRangeProblem] = useState<string | undefined>();
  const [confirming, setConfirming] = useState(false);
  const id = useId();
  const fromRef = useRef<HTMLInputElement>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const everythingRef = useRef<HTMLButtonElement>(null);
  const returnToEverything = useRef(false);
  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
    else if (returnToEverything.current) {
      returnToEverything.current = false;
      everythingRef.current?.focus();
    }
  }, [confirming]);

  const submitRange = (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    if (from === '' || to === '') {
      setRangeProblem('Enter both dates of the range.');
      fromRef.current?.focus();
      return;
    }
    if (to < from) {
      setRangeProblem('The range ends before it starts.');
      fromRef.current?.focus();
      return;
    }
    setRangeProblem(undefined);
    onResync({ from, to });
  };
  const closeConfirm = () => {
    returnToEverything.current = true;
    setConfirming(false);
  };

  const details = failure instanceof ApiError ? failure.details : [];
  return (
    <section className="admin-section admin-card" aria-labelledby="admin-actions-heading" data-testid="admin-actions">
      <h2 id="admin-actions-heading">Actions</h2>
      <div className="admin-problem-slot" role="alert" data-testid="admin-action-error">
        {failure && (
          <div className="admin-problem">
            <p>{failure.message}</p>
            {details.length > 0 && (
              <ul>
                {details.map((detail) => (
                  <li key={detail}>{detail}</li>
                ))}
              </ul>
            )}
          </div>
        )}
      </div>
      <form className="admin-resync-range" onSubmit={submitRange} noValidate aria-labelledby={`${id}-range-title`}>
        <h3 id={`${id}-range-title`}>Re-sync a date range</h3>
        <p className="muted">Reads the worklogs started in the range from Jira again (at most 366 days).</p>
        <div className="admin-range-fields">
          <div className="field">
            <label htmlFor={`${id}-from`}>From</label>
            <input
              id={`${id}-from`}
              ref={fromRef}
              type="date"
              data-testid="admin-resync-from"
              value={from}
              aria-invalid={rangeProblem ? true : undefined}
              aria-describedby={rangeProblem ? `${id}-range-problem` : undefined}
              onChange={(event) => setFrom(event.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-to`}>To</label>
            <input
              id={`${id}-to`}
              type="date"
              data-testid="admin-resync-to"
              value={to}
              aria-invalid={rangeProblem ? true : undefined}
              aria-describedby={rangeProblem ? `${id}-range-problem` : undefined}
              onChange={(event) => setTo(event.target.value)}
            />
          </div>
          <button type="submit" className="button" data-testid="admin-resync-range" aria-disabled={busy !== undefined || undefined}>
            {busy === 'resync-range' ? 'Queueing…' : 'Re-sync range'}
          </button>
        </div>
        {rangeProblem && (
          <p className="field-problem" id={`${id}-range-problem`} data-testid="admin-resync-problem">
            {rangeProblem}
          </p>
        )}
      </form>
      <div className="admin-action-row">
        {confirming ? (
          <div className="unlink-confirm" role="group" aria-labelledby={`${id}-all-question`} onKeyDown={(event) => event.key === 'Escape' && closeConfirm()}>
            <span id={`${id}-all-question`}>Re-sync everything? Tally reads the whole history from Jira again; on a big site that takes hours and spends Jira points.</span>
            <button
              type="button"
              className="button danger"
              ref={confirmRef}
              data-testid="admin-resync-all-confirm"
              onClick={() => {
                closeConfirm();
                onResync(undefined);
              }}
            >
              Re-sync everything
            </button>
            <button type="button" className="button subtle" data-testid="admin-resync-all-cancel" onClick={closeConfirm}>
              Cancel
            </button>
          </div>
        ) : (
          <button type="button" className="button" ref={everythingRef} data-testid="admin-resync-all" aria-disabled={busy !== undefined || undefined} onClick={() => busy === undefined && setConfirming(true)}>
            {busy === 'resync-all' ? 'Queueing…' : 'Re-sync everything…'}
          </button>
        )}
        <button type="button" className="button" data-testid="admin-reconcile" aria-disabled={busy !== undefined || undefined} onClick={() => busy === undefined && onReconcile()}>
          {busy === 'reconcile' ? 'Queueing…' : 'Reconcile now'}
        </button>
        <button type="button" className="button" data-testid="admin-data-statement" aria-disabled={busy !== undefined || undefined} onClick={() => busy === undefined && onDataStatement()}>
          {busy === 'data-statement' ? 'Downloading…' : 'Download data statement'}
        </button>
      </div>
    </section>
  );
}
