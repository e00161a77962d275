import type { ReportCoverage, ReportSort, SummaryReport } from '../api/api-types.js';
import type { ChartData } from '../report/chart-series.js';
import type { TimeBucket } from '../report/time-buckets.js';
import { shownData, type Resource } from '../report/use-api-resource.js';
import { HoursChart } from './hours-chart.js';
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
 * Says that the range's sums are not totals yet: part of it is older than what the first sync has
 * read so far (recent first, issue 15). The table's footer says "Partial total" too.
 */
export function PartialRangeNote({ coverage }: { coverage: ReportCoverage }) {
  const from = coverage.completeFromDate ? ` Worklogs from ${formatDay(coverage.completeFromDate)} on are complete;` : '';
  return (
    <p className="banner banner-warning" role="note" data-testid="partial-range">
      <strong>Partial:</strong>
      {from} earlier ones are still loading, so this range’s sums are not its totals yet.
    </p>
  );
}

/** `2026-10-01` as "1 Oct 2026", in no particular zone (it is already a calendar date). */
function formatDay(date: string): string {
  return new Date(`${date}T12:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
}

/**
 * The summary tab: the chart above the totals table, or the loading, empty or error state. While
 * a new answer loads, the previous one stays visible (dimmed) instead of flashing a spinner.
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
  let content;
  if (summary.status === 'error') content = <ErrorState error={summary.error} onRetry={props.onRetry} />;
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
    <div className={state === 'loading' && data ? 'report stale' : 'report'} data-complete={data?.coverage ? String(data.coverage.complete) : undefined} data-testid="report" data-state={state} data-range={data ? `${data.from}..${data.to}` : undefined} aria-busy={state === 'loading'}>
      {content}
    </div>
  );
}
