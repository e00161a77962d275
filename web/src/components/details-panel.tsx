import type { DetailsState } from '../report/use-details-pages.js';
import { DetailsTable } from './details-table.js';
import { EmptyState, ErrorState, LoadingState } from './status-views.js';
import { PartialRangeNote } from './partial-range-note.js';

/** The details tab: the windowed worklog list, its count, "Load more", and its states. */
export function DetailsPanel({ state, filtered, onLoadMore, onRetry }: { state: DetailsState; filtered: boolean; onLoadMore(): void; onRetry(): void }) {
  if (state.rows.length === 0) {
    if (state.status === 'error' && state.error) return <ErrorState error={state.error} onRetry={onRetry} />;
    if (state.status === 'ready') return <EmptyState filtered={filtered} />;
    return <LoadingState label="Loading worklogs…" />;
  }
  const total = state.total?.worklogs ?? state.rows.length;
  return (
    <div className="details" data-testid="details" data-state={state.status}>
      {state.coverage && !state.coverage.complete && <PartialRangeNote coverage={state.coverage} />}
      <DetailsTable rows={state.rows} />
      <div className="table-footer">
        <span className="muted" data-testid="details-count" role="status">
          Showing {state.rows.length.toLocaleString()} of {total.toLocaleString()} worklogs
        </span>
        {state.nextCursor && (
          <button type="button" className="button" data-testid="details-load-more" disabled={state.status === 'loading'} onClick={onLoadMore}>
            {state.status === 'loading' ? 'Loading…' : 'Load more'}
          </button>
        )}
      </div>
      {state.status === 'error' && state.error && <ErrorState error={state.error} onRetry={onRetry} />}
    </div>
  );
}
