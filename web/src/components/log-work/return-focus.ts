/**
 * Gives the focus back to the control that opened a dialog, and keeps it there while the report
 * reloads behind it: a write makes the report ask again, the details list is rebuilt, and the
 * row's button the user came from is replaced by a new element (or gone, after a delete). Without
 * this, the focus would drop to the top of the page.
 */

/** Where the focus goes back to: the opener itself, else the first selector that matches. */
export interface FocusReturn {
  element: HTMLElement | null;
  /** Tried in order when the element is gone (e.g. the same row's button, rebuilt; the list; the page's Log work button). */
  selectors: readonly string[];
}

/** How long the focus is guarded after a write (the report refreshes once at once and once later). */
export const GUARD_MS = 5000;

/** The best place available now: the opener itself (rank 0), else the first selector that matches (rank 1…). */
function best(doc: Document, target: FocusReturn): { element: HTMLElement; rank: number } | undefined {
  if (target.element?.isConnected) return { element: target.element, rank: 0 };
  for (const [index, selector] of target.selectors.entries()) {
    const found = doc.querySelector<HTMLElement>(selector);
    if (found) return { element: found, rank: index + 1 };
  }
  return undefined;
}

function focusLost(doc: Document): boolean {
  return doc.activeElement === null || doc.activeElement === doc.body;
}

/**
 * Focuses the target now and, for `guardMs`, again whenever the focus is lost while the page
 * changes — and moves it from a fallback to a better place once that is back (the row's button,
 * rebuilt after the reload) — until the user puts the focus somewhere else. Returns a function
 * that stops guarding.
 */
export function returnFocus(doc: Document, target: FocusReturn, guardMs = GUARD_MS): () => void {
  let placed: { element: HTMLElement; rank: number } | undefined;
  let stopped = false;
  const restore = () => {
    if (stopped) return;
    const found = best(doc, target);
    if (!found) return;
    const onWorsePlace = placed !== undefined && doc.activeElement === placed.element && found.rank < placed.rank;
    if (!focusLost(doc) && !onWorsePlace && placed !== undefined) return;
    found.element.focus();
    placed = found;
  };
  restore();
  const view = doc.defaultView;
  if (!view || typeof view.MutationObserver === 'undefined') return () => undefined;
  const observer = new view.MutationObserver(restore);
  observer.observe(doc.body, { childList: true, subtree: true });
  const onFocusIn = (event: FocusEvent) => {
    const to = event.target as HTMLElement | null;
    if (to && to !== target.element && !target.selectors.some((selector) => to.matches(selector))) stop();
  };
  doc.addEventListener('focusin', onFocusIn);
  const timer = view.setTimeout(() => stop(), guardMs);
  function stop() {
    if (stopped) return;
    stopped = true;
    observer.disconnect();
    doc.removeEventListener('focusin', onFocusIn);
    view?.clearTimeout(timer);
  }
  return stop;
}
