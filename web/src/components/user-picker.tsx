import { useEffect, useId, useMemo, useRef, useState } from 'react';

/** A user the picker offers: account id and display name. */
export interface UserOption {
  accountId: string;
  name: string;
}

function summaryText(selected: readonly string[], options: readonly UserOption[]): string {
  if (selected.length === 0) return 'All users';
  if (selected.length === 1) return options.find((o) => o.accountId === selected[0])?.name ?? '1 user';
  return `${selected.length} users`;
}

/**
 * Multi-select of the users in the current results: a button (a disclosure) opens a panel with a
 * search box and one checkbox per user. Escape closes it and gives the focus back to the button
 * (the focus was inside the panel, which goes away); Tab out of it closes it and leaves the focus
 * where it went; a click outside closes it too. The button names the panel in `aria-controls`
 * only while the panel exists.
 */
export function UserPicker({ options, selected, onChange }: { options: readonly UserOption[]; selected: readonly string[]; onChange(accountIds: string[]): void }) {
  const [open, setOpen] = useState(false);
  const [search, setSearch] = useState('');
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const panelId = useId();
  const close = (returnFocus: boolean) => {
    setOpen(false);
    // The panel (and whatever in it had the focus) is about to go: without this the focus would
    // fall to the top of the page.
    if (returnFocus) buttonRef.current?.focus();
  };

  useEffect(() => {
    if (!open) return;
    const onPointer = (event: PointerEvent) => {
      if (!rootRef.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointer);
    return () => document.removeEventListener('pointerdown', onPointer);
  }, [open]);

  // Selected users stay listed even when they logged nothing in the new period.
  const all = useMemo(() => {
    const known = new Set(options.map((o) => o.accountId));
    return [...options, ...selected.filter((id) => !known.has(id)).map((id) => ({ accountId: id, name: id || 'Unknown user' }))];
  }, [options, selected]);
  const needle = search.trim().toLowerCase();
  const shown = needle ? all.filter((o) => o.name.toLowerCase().includes(needle)) : all;
  const toggle = (accountId: string) =>
    onChange(selected.includes(accountId) ? selected.filter((id) => id !== accountId) : [...selected, accountId]);

  return (
    <div
      className="field user-picker"
      ref={rootRef}
      onKeyDown={(event) => {
        if (event.key !== 'Escape' || !open) return;
        event.preventDefault();
        close(true);
      }}
      onBlur={(event) => {
        // Tab out of the panel: it closes behind the focus, which stays where it went.
        if (open && event.relatedTarget instanceof Node && !rootRef.current?.contains(event.relatedTarget)) close(false);
      }}
    >
      <span className="field-label" id={`${panelId}-label`}>
        Users
      </span>
      <button ref={buttonRef} type="button" className="select-button" data-testid="filter-users" aria-expanded={open} aria-controls={open ? panelId : undefined} aria-labelledby={`${panelId}-label ${panelId}-value`} onClick={() => setOpen(!open)}>
        <span id={`${panelId}-value`}>{summaryText(selected, all)}</span>
        <span aria-hidden="true"> ▾</span>
      </button>
      {open && (
        <div className="popover" id={panelId} role="group" aria-labelledby={`${panelId}-label`}>
          <input ref={searchRef} type="search" className="popover-search" data-testid="filter-users-search" aria-label="Search users" placeholder="Search users" value={search} autoFocus onChange={(event) => setSearch(event.target.value)} />
          <ul className="popover-list">
            {shown.map((option) => (
              <li key={option.accountId}>
                <label>
                  <input type="checkbox" data-testid="filter-user-option" data-account-id={option.accountId} checked={selected.includes(option.accountId)} onChange={() => toggle(option.accountId)} />
                  {option.name}
                </label>
              </li>
            ))}
            {shown.length === 0 && <li className="popover-empty">No users in these results</li>}
          </ul>
          {selected.length > 0 && (
            <button
              type="button"
              className="button subtle"
              data-testid="filter-users-all"
              onClick={() => {
                onChange([]);
                // This button goes away with the selection; the search box is the next control.
                searchRef.current?.focus();
              }}
            >
              Show all users
            </button>
          )}
        </div>
      )}
    </div>
  );
}
