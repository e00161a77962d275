import { useEffect, useState, type FormEvent } from 'react';
import { hasFilters, NO_FILTERS, type ReportFilters } from '../report/report-question.js';
import { UserPicker, type UserOption } from './user-picker.js';

/**
 * The filters: users apply at once; issue keys, projects and JQL apply on Enter or "Apply", so
 * a half-typed JQL query is never sent.
 */
export function FiltersForm({ filters, users, jql = true, onChange }: { filters: ReportFilters; users: readonly UserOption[]; jql?: boolean; onChange(filters: ReportFilters): void }) {
  const [draft, setDraft] = useState(filters);
  // Follow changes made elsewhere (Clear), but keep unapplied typing when only the users change.
  useEffect(() => setDraft((current) => ({ ...current, issues: filters.issues, projects: filters.projects, jql: filters.jql })), [filters.issues, filters.projects, filters.jql]);
  const dirty = draft.issues !== filters.issues || draft.projects !== filters.projects || draft.jql !== filters.jql;
  const clearable = hasFilters(filters) || dirty;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (dirty) onChange({ ...draft, accountIds: filters.accountIds });
  };
  const clear = () => {
    if (!clearable) return;
    // Unapplied typing goes too, even when the applied filters were empty already.
    setDraft(NO_FILTERS);
    onChange(NO_FILTERS);
  };
  return (
    <form className="control-group filters" aria-label="Filters" onSubmit={submit}>
      <UserPicker options={users} selected={filters.accountIds} onChange={(accountIds) => onChange({ ...filters, accountIds })} />
      <div className="field">
        <label htmlFor="filter-issues">Issues</label>
        <input id="filter-issues" data-testid="filter-issues" placeholder="KEY-1, 10042" value={draft.issues} onChange={(event) => setDraft({ ...draft, issues: event.target.value })} />
      </div>
      <div className="field">
        <label htmlFor="filter-projects">Projects</label>
        <input id="filter-projects" data-testid="filter-projects" placeholder="KEY, OTHER" value={draft.projects} onChange={(event) => setDraft({ ...draft, projects: event.target.value })} />
      </div>
      {/* A JQL filter runs as the viewer; where Tally cannot act as them, the box is not offered. */}
      {jql && (
        <div className="field field-wide">
          <label htmlFor="filter-jql">JQL</label>
          <input id="filter-jql" data-testid="filter-jql" placeholder="labels = billable" spellCheck={false} value={draft.jql} onChange={(event) => setDraft({ ...draft, jql: event.target.value })} />
        </div>
      )}
      <div className="field field-actions">
        {/* aria-disabled, not disabled: pressing either turns it off, and a disabled button would
            drop the keyboard user's focus to the top of the page. */}
        <button type="submit" className="button primary" data-testid="filters-apply" aria-disabled={!dirty}>
          Apply
        </button>
        <button type="button" className="button subtle" data-testid="filters-clear" aria-disabled={!clearable} onClick={clear}>
          Clear
        </button>
      </div>
    </form>
  );
}
