import { useEffect, useRef, type RefObject } from 'react';
import type { DetailsState } from '../report/use-details-pages.js';
import { DetailsTable } from './details-table.js';
import { EmptyState, ErrorState, LoadingState } from './status-views.js';
import { PartialRangeNote } from './partial-range-note.js';

/**
 * The details tab: the windowed worklog list, its count, "Load more", and its states. "Load more"
 * keeps the focus while it loads (`aria-disabled`, not `disabled`, which would drop the focus to
 * the top of the page); when the last page has come and the button goes, the list (the next
 * control) takes it.
 * "Try again" goes away once pressed, so the panel itself takes the focus then.
 */
export function DetailsPanel({ state, filtered, onLoadMore, onRetry }: { state: DetailsState; filtered: boolean; onLoadMore(): void; onRetry(): void }) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const panelRef = useRef<HTMLDivElement>(null);
  const loadMoreUsed = useRef(false);
  useEffect(() => {
    if (state.nextCursor || !loadMoreUsed.current) return;
    loadMoreUsed.current = false;
    const active = document.activeElement;
    if (!active || active === document.body) scrollRef.current?.focus();
  }, [state.nextCursor]);
  const retry = () => {
    onRetry();
    panelRef.current?.focus();
  };
  return (
    <div ref={panelRef} tabIndex={-1} className="details-panel">
      <DetailsContent state={state} filtered={filtered} scrollRef={scrollRef} loadMoreUsed={loadMoreUsed} onLoadMore={onLoadMore} onRetry={retry} />
    </div>
  );
}

function DetailsContent({ state, filtered, scrollRef, loadMoreUsed, onLoadMore, onRetry }: { state: DetailsState; filtered: boolean; scrollRef: RefObject<HTMLDivElement | null>; loadMoreUsed: RefObject<boolean>; onLoadMore(): void; onRetry(): void }) {
  if (state.rows.length === 0) {
    if (state.status === 'error' && state.error) return <ErrorState error={state.error} onRetry={onRetry} />;
    if (state.status === 'ready') return <EmptyState filtered={filtered} />;
    return <LoadingState label="Loading worklogs…" />;
  }
  const loading = state.status === 'loading';
  const total = state.total?.worklogs ?? state.rows.length;
  return (
    <div className="details" data-testid="details" data-state={state.status}>
      {state.coverage && !state.coverage.complete && <PartialRangeNote coverage={state.coverage} />}
      {/* Above the list, like the summary's toolbar: below it, "Load more" would be a Tab press
          per row action away (every drawn row can hold buttons). */}
      <div className="table-toolbar">
        <span className="muted" data-testid="details-count" role="status">
          Showing {state.rows.length.toLocaleString()} of {total.toLocaleString()} worklogs
        </span>
        {state.nextCursor && (
          <button
            type="button"
            className="button"
            data-testid="details-load-more"
            aria-disabled={loading}
            onClick={() => {
              if (loading) return;
              loadMoreUsed.current = true;
              onLoadMore();
            }}
          >
            {loading ? 'Loading…' : 'Load more'}
          </button>
        )}
      </div>
      <DetailsTable rows={state.rows} scrollRef={scrollRef} />
      {state.status === 'error' && state.error && <ErrorState error={state.error} onRetry={onRetry} />}
    </div>
  );
}
