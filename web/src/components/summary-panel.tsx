import { useRef } from 'react';
import type { ReportSort, SummaryReport } from '../api/api-types.js';
import type { ChartData } from '../report/chart-series.js';
import type { TimeBucket } from '../report/time-buckets.js';
import { shownData, type Resource } from '../report/use-api-resource.js';
import { HoursChart } from './hours-chart.js';
import { PartialRangeNote } from './partial-range-note.js';
import { EmptyState, ErrorState, LoadingState } from './status-views.js';
import { SummaryTable } from './summary-table.js';

/** What the summary area shows; exposed as `data-state` for tests and styles. */
function stateOf(summary: Resource<SummaryReport>): 'loading' | 'error' | 'empty' | 'ready' {
  if (summary.status === 'error') return 'error';
  const data = shownData(summary);
  if (!data || summary.status === 'loading') return 'loading';
  return data.total.worklogs === 0 ? 'empty' : 'ready';
}

/**
 * The summary tab: the chart above the totals table, or the loading, empty or error state. While
 * a new answer loads, the previous one stays visible (dimmed) instead of flashing a spinner.
 * "Try again" goes away once pressed, so the report area itself takes the focus then.
 */
export function SummaryPanel(props: {
  summary: Resource<SummaryReport>;
  chart: ChartData | undefined;
  chartFailed: boolean;
  bucket: TimeBucket;
  sort: ReportSort;
  filtered: boolean;
  onSort(sort: ReportSort): void;
  onRetry(): void;
}) {
  const { summary } = props;
  const state = stateOf(summary);
  const data = shownData(summary);
  const reportRef = useRef<HTMLDivElement>(null);
  const retry = () => {
    props.onRetry();
    reportRef.current?.focus();
  };
  let content;
  if (summary.status === 'error') content = <ErrorState error={summary.error} onRetry={retry} />;
  else if (!data) content = <LoadingState label="Loading the report…" />;
  else if (data.total.worklogs === 0) content = <EmptyState filtered={props.filtered} />;
  else {
    content = (
      <>
        {data.coverage && !data.coverage.complete && <PartialRangeNote coverage={data.coverage} />}
        {data.notices?.map((notice) => (
          <p key={notice.code} className="banner" role="note" data-testid="report-notice" data-code={notice.code}>
            {notice.message}
          </p>
        ))}
        {props.chart ? <HoursChart data={props.chart} bucket={props.bucket} /> : props.chartFailed ? <p className="muted">The chart could not be loaded.</p> : <div className="chart-placeholder" aria-hidden="true" />}
        <SummaryTable report={data} sort={props.sort} onSort={props.onSort} />
      </>
    );
  }
  return (
    <div ref={reportRef} tabIndex={-1} className={state === 'loading' && data ? 'report stale' : 'report'} data-complete={data?.coverage ? String(data.coverage.complete) : undefined} data-testid="report" data-state={state} data-range={data ? `${data.from}..${data.to}` : undefined} aria-busy={state === 'loading'}>
      {content}
    </div>
  );
}
