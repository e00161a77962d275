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
 * Multi-select of the users in the current results: a button opens a panel with a search box
 * and one checkbox per user. Escape or a click outside closes it.
 */
export function UserPicker({ options, selected, onChange }: { options: readonly UserOption[]; selected: readonly string[]; onChange(accountIds: string[]): void }) {
  const [open, setOpen] = useState(false);
  const [search, setSearch] = useState('');
  const rootRef = useRef<HTMLDivElement>(null);
  const panelId = useId();

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
    <div className="field user-picker" ref={rootRef} onKeyDown={(event) => event.key === 'Escape' && setOpen(false)}>
      <span className="field-label" id={`${panelId}-label`}>
        Users
      </span>
      <button type="button" className="select-button" data-testid="filter-users" aria-haspopup="true" aria-expanded={open} aria-controls={panelId} aria-labelledby={`${panelId}-label ${panelId}-value`} onClick={() => setOpen(!open)}>
        <span id={`${panelId}-value`}>{summaryText(selected, all)}</span>
        <span aria-hidden="true"> ▾</span>
      </button>
      {open && (
        <div className="popover" id={panelId} role="group" aria-labelledby={`${panelId}-label`}>
          <input type="search" className="popover-search" aria-label="Search users" placeholder="Search users" value={search} autoFocus onChange={(event) => setSearch(event.target.value)} />
          <ul className="popover-list">
            {shown.map((option) => (
              <li key={option.accountId}>
                <label>
                  <input type="checkbox" checked={selected.includes(option.accountId)} onChange={() => toggle(option.accountId)} />
                  {option.name}
                </label>
              </li>
            ))}
            {shown.length === 0 && <li className="popover-empty">No users in these results</li>}
          </ul>
          {selected.length > 0 && (
            <button type="button" className="button subtle" onClick={() => onChange([])}>
              Show all users
            </button>
          )}
        </div>
      )}
    </div>
  );
}
