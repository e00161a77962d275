import { useCallback, useEffect, useRef, useState } from 'react';
import { isAbort } from '../api/api-error.js';
import type { DetailRow, ReportCoverage, ReportQuestion, Totals } from '../api/api-types.js';
import type { TallyApi } from '../api/tally-api.js';

/** Worklogs per "Load more" (the API allows 1–500). */
export const DETAILS_PAGE_SIZE = 200;

export interface DetailsState {
  status: 'idle' | 'loading' | 'ready' | 'error';
  rows: DetailRow[];
  nextCursor: string | null;
  total: Totals | undefined;
  /** Whether the range's worklogs are all held yet, as the last page said. */
  coverage?: ReportCoverage | undefined;
  error: Error | undefined;
}

const EMPTY: DetailsState = { status: 'idle', rows: [], nextCursor: null, total: undefined, error: undefined };

/**
 * The details list with cursor paging: the first page loads when `key` changes (while
 * `enabled`), `loadMore()` appends the next. A new question discards the pages of the old one
 * and aborts its requests.
 */
export function useDetailsPages(api: TallyApi, question: ReportQuestion | null, key: string | null, enabled: boolean): [DetailsState, () => void, () => void] {
  const [state, setState] = useState<DetailsState>(EMPTY);
  const [attempt, setAttempt] = useState(0);
  const controllerRef = useRef<AbortController | null>(null);
  const questionRef = useRef(question);
  questionRef.current = question;
  // The (question, attempt) whose first page is loaded: switching tabs back does not reload it.
  const loadedRef = useRef<string | null>(null);

  const fetchPage = useCallback(
    (cursor: string | null) => {
      const current = questionRef.current;
      if (!current) return;
      controllerRef.current?.abort();
      const controller = new AbortController();
      controllerRef.current = controller;
      setState((s) => ({ ...s, status: 'loading', error: undefined }));
      api.details(current, { limit: DETAILS_PAGE_SIZE, cursor }, controller.signal).then(
        (page) => {
          if (controller.signal.aborted) return;
          setState((s) => ({ status: 'ready', rows: cursor ? [...s.rows, ...page.rows] : page.rows, nextCursor: page.nextCursor, total: page.total, coverage: page.coverage, error: undefined }));
        },
        (error: unknown) => {
          if (controller.signal.aborted || isAbort(error)) return;
          setState((s) => ({ ...s, status: 'error', error: error instanceof Error ? error : new Error(String(error)) }));
        },
      );
    },
    [api],
  );

  useEffect(() => {
    if (!enabled || key === null) return;
    const marker = `${key}\u0000${attempt}`;
    if (loadedRef.current === marker) return;
    loadedRef.current = marker;
    setState(EMPTY);
    fetchPage(null);
  }, [enabled, key, attempt, fetchPage]);

  useEffect(() => () => controllerRef.current?.abort(), []);

  const loadMore = useCallback(() => {
    if (state.nextCursor && state.status !== 'loading') fetchPage(state.nextCursor);
  }, [fetchPage, state.nextCursor, state.status]);
  const retry = useCallback(() => (state.rows.length > 0 && state.nextCursor ? fetchPage(state.nextCursor) : setAttempt((n) => n + 1)), [fetchPage, state.rows.length, state.nextCursor]);
  return [state, loadMore, retry];
}
