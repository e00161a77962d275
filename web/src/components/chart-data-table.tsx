import { memo } from 'react';
import type { ChartData } from '../report/chart-series.js';
import { formatHours } from '../report/format.js';
import { describeBucket, type TimeBucket } from '../report/time-buckets.js';

/**
 * The chart's values as a table: one row per bar (its period in full words), one column per
 * stacked series, and the bar's total. This is what a screen reader reads instead of the SVG,
 * and what a keyboard user shows with the chart's "Show values" button; the mouse tooltips are
 * only a shortcut to the same numbers. Bounded: the bucket choice keeps a range to about 120 bars
 * (time-buckets.ts), and the table re-renders only when the data changes, not on every resize.
 */
export const ChartDataTable = memo(function ChartDataTable({ data, bucket, caption, shown }: { data: ChartData; bucket: TimeBucket; caption: string; shown: boolean }) {
  const stacked = data.series.length > 1;
  return (
    <div className={shown ? 'chart-table' : 'chart-table visually-hidden'} data-testid="hours-chart-table">
      <table className="report-table">
        {/* Shown to sight as the figure's caption above; here for the table on its own. */}
        <caption className="visually-hidden">{caption} (hours)</caption>
        <thead>
          <tr>
            <th scope="col">{bucket === 'day' ? 'Day' : bucket === 'week' ? 'Week' : 'Month'}</th>
            {stacked && data.series.map((series) => (
              <th key={series.key} scope="col" className="num">
                {series.label}
              </th>
            ))}
            <th scope="col" className="num">
              {stacked ? 'Total' : 'Hours'}
            </th>
          </tr>
        </thead>
        <tbody>
          {data.bars.map((bar) => (
            <tr key={bar.key} data-testid="hours-chart-row" data-key={bar.key}>
              <th scope="row">{describeBucket(bar.key, bucket)}</th>
              {stacked && bar.seconds.map((seconds, s) => (
                <td key={data.series[s]?.key ?? s} className="num">
                  {formatHours(seconds)}
                </td>
              ))}
              <td className="num" data-testid="hours-chart-total" data-seconds={bar.total}>
                {formatHours(bar.total)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
});
