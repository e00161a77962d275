import { useId, useRef, useState } from 'react';
import { niceAxis, type ChartData } from '../report/chart-series.js';
import { DIMENSION_LABELS } from '../report/dimension-labels.js';
import { formatHours } from '../report/format.js';
import type { TimeBucket } from '../report/time-buckets.js';
import { useElementWidth } from '../report/use-element-width.js';
import { ChartDataTable } from './chart-data-table.js';

const HEIGHT_PX = 220;
const MARGIN = { top: 12, right: 12, bottom: 28, left: 48 };
/** Below this many pixels per label, only every n-th bar is labelled. */
const LABEL_WIDTH_PX = 56;

function seriesClass(index: number, total: number, hasOther: boolean): string {
  return hasOther && index === total - 1 ? 'series-other' : `series-${index % 8}`;
}

/**
 * Hours over time as stacked bars in plain SVG: one bar per day, week or month of the period,
 * stacked by the top groups of the first grouping level (the rest as "Other"). Each segment
 * carries a mouse tooltip; the legend names the colours. The values themselves are in the data
 * table beside it (ChartDataTable): screen readers read the table (the SVG is hidden from them,
 * so nothing is read twice), and "Show values" shows it to everyone else.
 */
export function HoursChart({ data, bucket }: { data: ChartData; bucket: TimeBucket }) {
  const containerRef = useRef<HTMLDivElement>(null);
  const width = useElementWidth(containerRef, 800);
  const titleId = useId();
  const [tableShown, setTableShown] = useState(false);
  const plotWidth = Math.max(1, width - MARGIN.left - MARGIN.right);
  const plotHeight = HEIGHT_PX - MARGIN.top - MARGIN.bottom;
  const axis = niceAxis(data.maxSeconds / 3600);
  const y = (hours: number) => MARGIN.top + plotHeight - (hours / axis.max) * plotHeight;
  const slot = plotWidth / Math.max(1, data.bars.length);
  const barWidth = Math.max(1, Math.min(48, slot * 0.7));
  const labelEvery = Math.max(1, Math.ceil(LABEL_WIDTH_PX / slot));
  const hasOther = data.series.some((s) => s.key === '\u0000other');
  const ticks: number[] = [];
  for (let value = 0; value <= axis.max + 1e-9; value += axis.step) ticks.push(value);
  const stackName = data.stackBy ? DIMENSION_LABELS[data.stackBy].toLowerCase() : undefined;
  const caption = `Hours per ${bucket}${stackName ? `, by ${stackName}` : ''}`;

  return (
    <figure className="chart" data-testid="hours-chart" data-bucket={bucket} data-bars={data.bars.length} aria-labelledby={titleId}>
      <div className="chart-heading">
        <figcaption id={titleId}>{caption}</figcaption>
        <button type="button" className="button subtle chart-table-toggle" data-testid="hours-chart-table-toggle" aria-pressed={tableShown} onClick={() => setTableShown(!tableShown)}>
          Show values
        </button>
      </div>
      <div ref={containerRef} className="chart-canvas">
        <svg width={width} height={HEIGHT_PX} aria-hidden="true" focusable="false">
          {ticks.map((value) => (
            <g key={value} className="chart-grid">
              <line x1={MARGIN.left} x2={MARGIN.left + plotWidth} y1={y(value)} y2={y(value)} />
              <text x={MARGIN.left - 6} y={y(value)} dy="0.32em" textAnchor="end">
                {Number.isInteger(value) ? value : value.toFixed(2)}
              </text>
            </g>
          ))}
          {data.bars.map((bar, index) => {
            const x = MARGIN.left + index * slot + (slot - barWidth) / 2;
            let base = 0;
            return (
              <g key={bar.key} className="chart-bar">
                {bar.seconds.map((seconds, s) => {
                  if (seconds <= 0) return null;
                  const top = y((base + seconds) / 3600);
                  const bottom = y(base / 3600);
                  base += seconds;
                  return (
                    <rect key={s} className={seriesClass(s, data.series.length, hasOther)} x={x} y={top} width={barWidth} height={Math.max(0.5, bottom - top)}>
                      <title>{`${bar.label} · ${data.series[s]?.label ?? ''}: ${formatHours(seconds)} h`}</title>
                    </rect>
                  );
                })}
                {index % labelEvery === 0 && (
                  <text className="chart-x-label" x={x + barWidth / 2} y={HEIGHT_PX - 8} textAnchor="middle">
                    {bar.label}
                  </text>
                )}
              </g>
            );
          })}
          <line className="chart-axis" x1={MARGIN.left} x2={MARGIN.left + plotWidth} y1={y(0)} y2={y(0)} />
        </svg>
      </div>
      <ChartDataTable data={data} bucket={bucket} caption={caption} shown={tableShown} />
      {data.series.length > 1 && (
        <ul className="legend" aria-label="Legend" aria-hidden="true">
          {data.series.map((series, index) => (
            <li key={series.key}>
              <svg width="10" height="10" aria-hidden="true">
                <rect className={seriesClass(index, data.series.length, hasOther)} width="10" height="10" rx="2" />
              </svg>
              <span>{series.label}</span>
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}
