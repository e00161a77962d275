import { useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { ReportSort, SummaryReport } from '../api/api-types.js';
import { DIMENSION_LABELS } from '../report/dimension-labels.js';
import { formatHours, formatShare } from '../report/format.js';
import { expandableIds, visibleRows, type TreeRow } from '../report/summary-tree.js';
import { useWindowedRows } from '../report/use-windowed-rows.js';
import { Avatar } from './avatar.js';

/** Fixed row height: the windowing computes positions from it (styles.css uses the same). */
const ROW_HEIGHT_PX = 36;
const INDENT_PX = 20;

function ariaSort(sort: ReportSort, by: ReportSort['by']): 'ascending' | 'descending' | 'none' {
  if (sort.by !== by) return 'none';
  return sort.direction === 'asc' ? 'ascending' : 'descending';
}

function nextSort(sort: ReportSort, by: ReportSort['by']): ReportSort {
  if (sort.by === by) return { by, direction: sort.direction === 'asc' ? 'desc' : 'asc' };
  return { by, direction: by === 'seconds' ? 'desc' : 'asc' };
}

function SummaryRow({ row, index, total, onToggle }: { row: TreeRow; index: number; total: number; onToggle(row: TreeRow, expand?: boolean): void }) {
  const { group } = row;
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'ArrowRight' && !row.expanded) onToggle(row, true);
    else if (event.key === 'ArrowLeft' && row.expanded) onToggle(row, false);
    else return;
    event.preventDefault();
  };
  const share = total > 0 ? (group.seconds / total) * 100 : 0;
  return (
    <tr className={row.hasChildren ? 'subtotal' : undefined} aria-rowindex={index + 2} data-testid="summary-row" data-level={row.level} data-dimension={group.dimension} data-key={group.key}>
      <th scope="row" style={{ paddingInlineStart: 8 + (row.level - 1) * INDENT_PX }}>
        <div className="cell-flex">
        {row.hasChildren ? (
          <button type="button" className="tree-toggle" aria-expanded={row.expanded} aria-label={`${row.expanded ? 'Collapse' : 'Expand'} ${group.label}`} onClick={() => onToggle(row)} onKeyDown={onKeyDown}>
            <span aria-hidden="true">{row.expanded ? '▾' : '▸'}</span>
          </button>
        ) : (
          <span className="tree-spacer" aria-hidden="true" />
        )}
        {group.dimension === 'user' && <Avatar name={group.label} url={group.avatarUrl} />}
        <span className="group-label" title={group.label} data-testid="summary-label">
          {group.label}
        </span>
        </div>
      </th>
      <td className="num" data-testid="summary-hours" data-seconds={group.seconds}>
        {formatHours(group.seconds)}
      </td>
      <td className="num">{group.worklogs.toLocaleString()}</td>
      <td>
        <div className="cell-flex">
        <span className="share-bar" aria-hidden="true">
          <span style={{ width: `${Math.min(100, share)}%` }} />
        </span>
        <span className="share-text">{formatShare(group.seconds, total)}</span>
        </div>
      </td>
    </tr>
  );
}

/**
 * The grouped totals as an expandable tree table: each group shows its subtotal, children appear
 * under expanded groups, and the grand total stays in the footer. Rows are windowed (see
 * useWindowedRows), so thousands of groups scroll smoothly.
 */
export function SummaryTable({ report, sort, onSort }: { report: SummaryReport; sort: ReportSort; onSort(sort: ReportSort): void }) {
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const rows = useMemo(() => visibleRows(report.groups, expanded), [report.groups, expanded]);
  const allExpandable = useMemo(() => expandableIds(report.groups), [report.groups]);
  const scrollRef = useRef<HTMLDivElement>(null);
  const rowWindow = useWindowedRows(rows.length, ROW_HEIGHT_PX, scrollRef);
  const toggle = (row: TreeRow, expand = !row.expanded) => {
    const next = new Set(expanded);
    if (expand) next.add(row.id);
    else next.delete(row.id);
    setExpanded(next);
  };
  const groupHeading = report.groupBy.map((d) => DIMENSION_LABELS[d]).join(' › ') || 'All worklogs';
  return (
    <section className="summary" aria-label="Totals">
      <div className="table-toolbar">
        <span className="muted" data-testid="summary-row-count">{rows.length.toLocaleString()} rows</span>
        {allExpandable.size > 0 && (
          <>
            <button type="button" className="button subtle" data-testid="summary-expand-all" onClick={() => setExpanded(allExpandable)}>
              Expand all
            </button>
            <button type="button" className="button subtle" data-testid="summary-collapse-all" onClick={() => setExpanded(new Set())}>
              Collapse all
            </button>
          </>
        )}
      </div>
      <div className="table-scroll" ref={scrollRef} onScroll={rowWindow.onScroll} data-testid="summary-table" data-groupby={report.groupBy.join(',')}>
        <table className="report-table summary-table" aria-label={`Hours by ${groupHeading}`} aria-rowcount={rows.length + 2}>
          <colgroup>
            <col />
            <col className="col-hours" />
            <col className="col-count" />
            <col className="col-share" />
          </colgroup>
          <thead>
            <tr aria-rowindex={1}>
              <th scope="col" aria-sort={ariaSort(sort, 'key')}>
                <button type="button" className="sort-button" onClick={() => onSort(nextSort(sort, 'key'))}>
                  {groupHeading}
                </button>
              </th>
              <th scope="col" className="num" aria-sort={ariaSort(sort, 'seconds')}>
                <button type="button" className="sort-button" onClick={() => onSort(nextSort(sort, 'seconds'))}>
                  Hours
                </button>
              </th>
              <th scope="col" className="num">
                Worklogs
              </th>
              <th scope="col">Share</th>
            </tr>
          </thead>
          <tbody>
            {rowWindow.padTop > 0 && <tr className="spacer" aria-hidden="true" style={{ height: rowWindow.padTop }} />}
            {rows.slice(rowWindow.start, rowWindow.end).map((row, i) => (
              <SummaryRow key={row.id} row={row} index={rowWindow.start + i} total={report.total.seconds} onToggle={toggle} />
            ))}
            {rowWindow.padBottom > 0 && <tr className="spacer" aria-hidden="true" style={{ height: rowWindow.padBottom }} />}
          </tbody>
          <tfoot>
            <tr aria-rowindex={rows.length + 2} data-testid="summary-total">
              <th scope="row">{report.coverage && !report.coverage.complete ? 'Partial total' : 'Total'}</th>
              <td className="num" data-testid="report-total-hours" data-seconds={report.total.seconds}>
                {formatHours(report.total.seconds)}
              </td>
              <td className="num" data-testid="report-total-worklogs">
                {report.total.worklogs.toLocaleString()}
              </td>
              <td />
            </tr>
          </tfoot>
        </table>
      </div>
    </section>
  );
}
