import { useRef, type RefObject } from 'react';
import type { DetailRow } from '../api/api-types.js';
import { formatHours, startedTime } from '../report/format.js';
import { useWindowedRows } from '../report/use-windowed-rows.js';
import { Avatar } from './avatar.js';
import { RowActionsCell, RowActionsCol, RowActionsHeader } from './log-work/worklog-row-actions.js';

const ROW_HEIGHT_PX = 36;

/**
 * The worklogs of the report, newest first, windowed like the summary. Names, summaries and
 * comments are React text: a comment holding markup shows as the characters it contains.
 *
 * The scrolling box is a named, focusable region: without a tab stop of its own a keyboard user
 * could not scroll it where its rows hold no control (axe `scrollable-region-focusable`, WCAG
 * 2.1.1), and could only by tabbing through every row's buttons where they do. Once focused, the
 * browser scrolls it with the arrow, Page and Home/End keys. `scrollRef` lets the
 * panel give it the focus back (e.g. when "Load more" goes away).
 */
export function DetailsTable({ rows, scrollRef: outerRef }: { rows: readonly DetailRow[]; scrollRef?: RefObject<HTMLDivElement | null> }) {
  const ownRef = useRef<HTMLDivElement>(null);
  const scrollRef = outerRef ?? ownRef;
  const rowWindow = useWindowedRows(rows.length, ROW_HEIGHT_PX, scrollRef);
  return (
    <div className="table-scroll" ref={scrollRef} onScroll={rowWindow.onScroll} data-testid="details-table" role="region" aria-label="Worklogs, scrollable" tabIndex={0}>
      <table className="report-table details-table" aria-label="Worklogs" aria-rowcount={rows.length + 1}>
        <colgroup>
          <col className="col-date" />
          <col className="col-user" />
          <col className="col-issue" />
          <col className="col-hours" />
          <col />
          <RowActionsCol />
        </colgroup>
        <thead>
          <tr aria-rowindex={1}>
            <th scope="col">Date</th>
            <th scope="col">User</th>
            <th scope="col">Issue</th>
            <th scope="col" className="num">
              Hours
            </th>
            <th scope="col">Comment</th>
            <RowActionsHeader />
          </tr>
        </thead>
        <tbody>
          {rowWindow.padTop > 0 && <tr className="spacer" aria-hidden="true" style={{ height: rowWindow.padTop }} />}
          {rows.slice(rowWindow.start, rowWindow.end).map((row, i) => (
            <tr key={row.worklogId} aria-rowindex={rowWindow.start + i + 2} data-testid="details-row" data-worklog-id={row.worklogId}>
              <td>
                {row.workDate} <span className="muted">{startedTime(row.started)}</span>
              </td>
              <td>
                <div className="cell-flex">
                  <Avatar name={row.displayName} url={row.avatarUrl} />
                  <span className="truncate" title={row.displayName}>
                    {row.displayName}
                  </span>
                </div>
              </td>
              <td className="truncate" title={`${row.issueKey} ${row.issueSummary}`}>
                <span className="issue-key">{row.issueKey}</span> {row.issueSummary}
              </td>
              <td className="num" data-seconds={row.timeSpentSeconds}>
                {formatHours(row.timeSpentSeconds)}
              </td>
              <td className="truncate comment" title={row.comment ?? ''} data-testid="details-comment">
                {row.comment ?? ''}
              </td>
              <RowActionsCell row={row} />
            </tr>
          ))}
          {rowWindow.padBottom > 0 && <tr className="spacer" aria-hidden="true" style={{ height: rowWindow.padBottom }} />}
        </tbody>
      </table>
    </div>
  );
}
