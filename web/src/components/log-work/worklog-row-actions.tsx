import type { DetailRow } from '../../api/api-types.js';
import { useLogWork } from './log-work-context.js';

/** Whether the details table shows the actions column (a page with log work available). */
export function useRowActionsShown(): boolean {
  return useLogWork()?.availability.available === true;
}

const rowSelector = (testId: string, worklogId: number) => `[data-testid="${testId}"][data-worklog-id="${worklogId}"]`;

/** The details table's actions column: its `<col>`, when shown. */
export function RowActionsCol() {
  return useRowActionsShown() ? <col className="col-row-actions" /> : null;
}

/** The actions column's header, when shown (named for screen readers; the buttons say what they do). */
export function RowActionsHeader() {
  return useRowActionsShown() ? (
    <th scope="col">
      <span className="visually-hidden">Actions</span>
    </th>
  ) : null;
}

/**
 * A details row's actions: "Log work on this issue" for any row; Edit and Delete on the viewer's
 * own worklogs (Jira decides whether they may: its refusal is shown in words). Each button names
 * its worklog for screen readers, and is found again by its data attributes after the report
 * reloads, so the focus comes back to it.
 */
export function RowActionsCell({ row }: { row: DetailRow }) {
  const actions = useLogWork();
  if (!actions || !actions.availability.available) return null;
  const own = actions.accountId !== null && row.accountId === actions.accountId;
  const ref = { issueId: row.issueId, worklogId: row.worklogId, issueKey: row.issueKey, workDate: row.workDate, timeSpentSeconds: row.timeSpentSeconds };
  const which = `${row.issueKey}, ${row.workDate}`;
  return (
    <td className="row-actions">
      <button
        type="button"
        className="button subtle compact"
        data-testid="worklog-log-here"
        data-worklog-id={row.worklogId}
        onClick={(event) => actions.open({ kind: 'create', issueKey: row.issueKey }, event.currentTarget, [rowSelector('worklog-log-here', row.worklogId)])}
      >
        Log<span className="visually-hidden"> work on {row.issueKey}</span>
      </button>
      {own && (
        <>
          <button
            type="button"
            className="button subtle compact"
            data-testid="worklog-edit"
            data-worklog-id={row.worklogId}
            onClick={(event) => actions.open({ kind: 'edit', worklog: ref }, event.currentTarget, [rowSelector('worklog-edit', row.worklogId)])}
          >
            Edit<span className="visually-hidden"> your worklog on {which}</span>
          </button>
          <button
            type="button"
            className="button subtle compact"
            data-testid="worklog-delete"
            data-worklog-id={row.worklogId}
            onClick={(event) => actions.open({ kind: 'delete', worklog: ref }, event.currentTarget, [rowSelector('worklog-delete', row.worklogId), '[data-testid="details-table"]'])}
          >
            Delete<span className="visually-hidden"> your worklog on {which}</span>
          </button>
        </>
      )}
    </td>
  );
}
