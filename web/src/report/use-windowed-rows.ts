import { useCallback, useLayoutEffect, useState, type RefObject, type UIEvent } from 'react';

/** The slice of rows to render and the space the others take. */
export interface RowWindow {
  start: number;
  end: number;
  padTop: number;
  padBottom: number;
  onScroll(event: UIEvent<HTMLElement>): void;
}

/** Rows drawn beyond the visible area on each side, so fast scrolling shows no blank strip. */
const OVERSCAN_ROWS = 12;

/**
 * Windowing for a scrolling table of fixed-height rows: only the rows in view (plus an overscan)
 * are in the DOM, so ten thousand rows cost what forty do. Spacer rows keep the scrollbar true.
 */
export function useWindowedRows(count: number, rowHeightPx: number, scrollRef: RefObject<HTMLElement | null>): RowWindow {
  const [scrollTop, setScrollTop] = useState(0);
  const [viewportPx, setViewportPx] = useState(600);

  useLayoutEffect(() => {
    const element = scrollRef.current;
    if (!element) return;
    setViewportPx(element.clientHeight || 600);
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => setViewportPx(element.clientHeight || 600));
    observer.observe(element);
    return () => observer.disconnect();
  }, [scrollRef]);

  const onScroll = useCallback((event: UIEvent<HTMLElement>) => setScrollTop(event.currentTarget.scrollTop), []);

  const first = Math.floor(scrollTop / rowHeightPx);
  const start = Math.max(0, Math.min(count, first - OVERSCAN_ROWS));
  const end = Math.min(count, first + Math.ceil(viewportPx / rowHeightPx) + OVERSCAN_ROWS);
  return { start, end, padTop: start * rowHeightPx, padBottom: (count - end) * rowHeightPx, onScroll };
}
