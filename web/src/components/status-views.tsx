import { ApiError } from '../api/api-error.js';

/** The loading placeholder: a few shimmering lines, announced once to screen readers. */
export function LoadingState({ label }: { label: string }) {
  return (
    <div className="state state-loading" data-testid="report-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

/** Nothing matched: says so, and what to try. */
export function EmptyState({ filtered }: { filtered: boolean }) {
  return (
    <div className="state state-empty" data-testid="report-empty" role="status">
      <h2>No time logged in this period</h2>
      <p>{filtered ? 'No worklogs match these filters. Widen the period or clear some filters.' : 'Pick another period, or check that people log work on issues Tally can see.'}</p>
    </div>
  );
}

function hintFor(error: Error): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  if (error.code.startsWith('AUTH_')) return 'Your session may have expired: reload the page.';
  if (error.status === 0 || error.status >= 500) return 'Try again in a moment.';
  return undefined;
}

/** A failed request: the API's own message (rendered as text), its details, and a retry. */
export function ErrorState({ error, onRetry }: { error: Error; onRetry?: () => void }) {
  const details = error instanceof ApiError ? error.details : [];
  const code = error instanceof ApiError ? error.code : undefined;
  const hint = hintFor(error);
  return (
    <div className="state state-error" data-testid="report-error" role="alert">
      <h2>The report could not be loaded</h2>
      <p data-testid="report-error-message">{error.message}</p>
      {details.length > 0 && (
        <ul>
          {details.map((detail) => (
            <li key={detail}>{detail}</li>
          ))}
        </ul>
      )}
      {hint && <p className="hint">{hint}</p>}
      {code && <p className="error-code">Error code: {code}</p>}
      {onRetry && (
        <button type="button" className="button" data-testid="report-retry" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
