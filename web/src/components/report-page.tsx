import { useCallback, useMemo, useState } from 'react';
import type { GroupDimension, ReportSort, Session } from '../api/api-types.js';
import type { TallyApi } from '../api/tally-api.js';
import { todayIn } from '../report/calendar-date.js';
import { buildChartData, chartGroupBy } from '../report/chart-series.js';
import { rangeForPreset, rangeProblem, type DateRange, type RangePreset } from '../report/date-range.js';
import { buildQuestion, hasFilters, NO_FILTERS, type ReportFilters } from '../report/report-question.js';
import { chooseBucket, listBuckets } from '../report/time-buckets.js';
import { shownData, useApiResource } from '../report/use-api-resource.js';
import { useDetailsPages } from '../report/use-details-pages.js';
import { DetailsPanel } from './details-panel.js';
import { ExportButtons } from './export-buttons.js';
import { FiltersForm } from './filters-form.js';
import { GroupByChooser } from './group-by-chooser.js';
import { useWorklogWritten } from './log-work/log-work-context.js';
import { LogWorkToolbar } from './log-work/log-work-toolbar.js';
import { RangeControls } from './range-controls.js';
import { ReportTabs, type ReportTab } from './report-tabs.js';
import { SummaryPanel } from './summary-panel.js';
import { SyncBanner } from './sync-banner.js';

const DEFAULT_PRESET: RangePreset = 'this-month';
const DEFAULT_GROUP_BY: GroupDimension[] = ['user', 'issue'];
const DEFAULT_SORT: ReportSort = { by: 'seconds', direction: 'desc' };
const BY_SECONDS: ReportSort = { by: 'seconds', direction: 'desc' };

/**
 * The report page once the session is known: the form state, the questions it implies (summary,
 * chart, user list, details), and the views. Every request is keyed by its question, so changing
 * any control asks again and a slower old answer can never replace a newer one.
 */
export function ReportPage({ api, session, nowMs }: { api: TallyApi; session: Session; nowMs(): number }) {
  const [timeZone, setTimeZone] = useState(session.timeZone);
  const [preset, setPreset] = useState<RangePreset>(DEFAULT_PRESET);
  const [range, setRange] = useState<DateRange>(() => rangeForPreset(DEFAULT_PRESET, todayIn(session.timeZone, nowMs())) as DateRange);
  const [filters, setFilters] = useState<ReportFilters>(NO_FILTERS);
  const [groupBy, setGroupBy] = useState<GroupDimension[]>(DEFAULT_GROUP_BY);
  const [sort, setSort] = useState<ReportSort>(DEFAULT_SORT);
  const [tab, setTab] = useState<ReportTab>('summary');
  const [generation, setGeneration] = useState(0);

  const choosePreset = (next: RangePreset) => {
    setPreset(next);
    setRange((current) => rangeForPreset(next, todayIn(timeZone, nowMs())) ?? current);
  };
  const chooseTimeZone = (next: string) => {
    setTimeZone(next);
    // "This week" in Tokyo can be another week than in Berlin.
    setRange((current) => rangeForPreset(preset, todayIn(next, nowMs())) ?? current);
  };
  const chooseRange = (next: DateRange) => {
    setPreset('custom');
    setRange(next);
  };

  const problem = rangeProblem(range);
  const question = useMemo(() => (problem ? null : buildQuestion({ range, timeZone, filters, groupBy, sort })), [problem, range, timeZone, filters, groupBy, sort]);
  const key = question ? `${generation}:${JSON.stringify(question)}` : null;
  const [summary, retrySummary] = useApiResource(key, (signal) => api.summary(question!, signal));

  const bucket = problem ? 'day' : chooseBucket(range);
  const chartQuestion = question ? { ...question, groupBy: chartGroupBy(groupBy, bucket), sort: BY_SECONDS } : null;
  const chartKey = chartQuestion ? `${generation}:${JSON.stringify(chartQuestion)}` : null;
  const [chart] = useApiResource(chartKey, (signal) => api.summary(chartQuestion!, signal));
  const chartData = useMemo(() => {
    const data = shownData(chart);
    return data && !problem ? buildChartData(data, listBuckets(range, bucket)) : undefined;
  }, [chart, range, bucket, problem]);

  // The user filter offers the users of the current results, whoever is selected right now.
  const usersQuestion = question ? { ...question, accountIds: undefined, groupBy: ['user'] as GroupDimension[], sort: BY_SECONDS } : null;
  const usersKey = usersQuestion ? `${generation}:${JSON.stringify(usersQuestion)}` : null;
  const [users] = useApiResource(usersKey, (signal) => api.summary(usersQuestion!, signal));
  const userOptions = useMemo(
    () => (shownData(users)?.groups ?? []).map((g) => ({ accountId: g.key, name: g.label })).sort((a, b) => a.name.localeCompare(b.name)),
    [users],
  );

  const [details, loadMore, retryDetails] = useDetailsPages(api, question, key, tab === 'details');
  const onSynced = useCallback(() => setGeneration((n) => n + 1), []);
  // A worklog written from this page (log work, edit, delete, timer): ask every question again.
  useWorklogWritten(onSynced);
  const filtered = hasFilters(filters);

  return (
    <main className="page">
      <header className="page-header">
        <div>
          <h1>Time reports</h1>
          <p className="muted site-url">{session.siteUrl}</p>
        </div>
        <LogWorkToolbar />
        <ExportButtons api={api} question={question} />
      </header>
      <SyncBanner api={api} onSynced={onSynced} />
      <div className="controls">
        <RangeControls preset={preset} range={range} timeZone={timeZone} problem={problem} onPreset={choosePreset} onRange={chooseRange} onTimeZone={chooseTimeZone} />
        <GroupByChooser levels={groupBy} onChange={setGroupBy} />
      </div>
      <FiltersForm filters={filters} users={userOptions} jql={session.jqlFilter !== false} onChange={setFilters} />
      <ReportTabs tab={tab} onTab={setTab}>
        {tab === 'summary' ? (
          <SummaryPanel summary={summary} chart={chartData} chartFailed={chart.status === 'error'} bucket={bucket} sort={sort} filtered={filtered} onSort={setSort} onRetry={retrySummary} />
        ) : (
          <DetailsPanel state={details} filtered={filtered} onLoadMore={loadMore} onRetry={retryDetails} />
        )}
      </ReportTabs>
    </main>
  );
}
