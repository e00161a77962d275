import { useRef, type KeyboardEvent, type ReactNode } from 'react';

export type ReportTab = 'summary' | 'details';

const TABS: readonly { id: ReportTab; label: string }[] = [
  { id: 'summary', label: 'Summary' },
  { id: 'details', label: 'Details' },
];

/**
 * Summary/Details tabs (WAI-ARIA tabs pattern: arrow keys move between tabs). `children` is the
 * selected tab's content; the other panel is rendered empty and hidden.
 */
export function ReportTabs({ tab, onTab, children }: { tab: ReportTab; onTab(tab: ReportTab): void; children: ReactNode }) {
  const refs = useRef<Record<string, HTMLButtonElement | null>>({});
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return;
    const index = TABS.findIndex((t) => t.id === tab);
    const next = TABS[(index + (event.key === 'ArrowRight' ? 1 : TABS.length - 1)) % TABS.length];
    if (!next) return;
    onTab(next.id);
    refs.current[next.id]?.focus();
    event.preventDefault();
  };
  return (
    <>
      <div className="tabs" role="tablist" aria-label="Report views" onKeyDown={onKeyDown}>
        {TABS.map(({ id, label }) => (
          <button
            key={id}
            ref={(element) => {
              refs.current[id] = element;
            }}
            type="button"
            role="tab"
            id={`tab-${id}`}
            data-testid={`tab-${id}`}
            aria-selected={tab === id}
            aria-controls={`panel-${id}`}
            tabIndex={tab === id ? 0 : -1}
            onClick={() => onTab(id)}
          >
            {label}
          </button>
        ))}
      </div>
      {/* Both panels exist, so each tab's aria-controls names an element; only the shown one has content. */}
      {TABS.map(({ id }) => (
        <div key={id} className="tab-panel" role="tabpanel" id={`panel-${id}`} aria-labelledby={`tab-${id}`} hidden={tab !== id}>
          {tab === id ? children : null}
        </div>
      ))}
    </>
  );
}
