import type { GroupDimension, SummaryGroup, SummaryReport } from '../api/api-types.js';
import type { BucketSlot, TimeBucket } from './time-buckets.js';

/** The time dimensions: a stack by one of them would repeat the x axis. */
const TIME_DIMENSIONS: readonly GroupDimension[] = ['day', 'week', 'month', 'year'];

/** How many groups get their own colour; the rest are summed as "Other". */
export const TOP_STACKS = 6;

/** One coloured layer of the chart. */
export interface ChartSeries {
  key: string;
  label: string;
}

/** One bar: seconds per series (same order as `series`) and the bar's total. */
export interface ChartBar extends BucketSlot {
  seconds: number[];
  total: number;
}

export interface ChartData {
  /** The dimension the stacks follow; undefined when the chart has a single series. */
  stackBy: GroupDimension | undefined;
  series: ChartSeries[];
  bars: ChartBar[];
  maxSeconds: number;
}

/**
 * The grouping the chart asks the API for: the first grouping level (when it is not itself a
 * time dimension) then the bucket, sorted by time spent so the top groups come first.
 */
export function chartGroupBy(groupBy: readonly GroupDimension[], bucket: TimeBucket): GroupDimension[] {
  const first = groupBy[0];
  return first && !TIME_DIMENSIONS.includes(first) ? [first, bucket] : [bucket];
}

function addInto(target: Map<string, number>, groups: readonly SummaryGroup[] | undefined): void {
  for (const group of groups ?? []) target.set(group.key, (target.get(group.key) ?? 0) + group.seconds);
}

/**
 * Turns a `[first, bucket]` (or `[bucket]`) summary into stacked bars over every slot: the
 * `TOP_STACKS` largest groups by time, plus "Other" for the rest when there are more.
 */
export function buildChartData(report: SummaryReport, slots: readonly BucketSlot[]): ChartData {
  const stacked = report.groupBy.length === 2;
  let series: ChartSeries[];
  let perSeries: Map<string, number>[];
  if (!stacked) {
    series = [{ key: 'total', label: 'Hours' }];
    const all = new Map<string, number>();
    addInto(all, report.groups);
    perSeries = [all];
  } else {
    const ranked = [...report.groups].sort((a, b) => b.seconds - a.seconds);
    const top = ranked.length > TOP_STACKS + 1 ? ranked.slice(0, TOP_STACKS) : ranked;
    const rest = ranked.slice(top.length);
    series = top.map((group) => ({ key: group.key, label: group.label }));
    perSeries = top.map((group) => {
      const buckets = new Map<string, number>();
      addInto(buckets, group.children);
      return buckets;
    });
    if (rest.length > 0) {
      series.push({ key: '\u0000other', label: `Other (${rest.length})` });
      const other = new Map<string, number>();
      for (const group of rest) addInto(other, group.children);
      perSeries.push(other);
    }
  }
  let maxSeconds = 0;
  const bars = slots.map((slot) => {
    const seconds = perSeries.map((buckets) => buckets.get(slot.key) ?? 0);
    const total = seconds.reduce((sum, s) => sum + s, 0);
    maxSeconds = Math.max(maxSeconds, total);
    return { ...slot, seconds, total };
  });
  return { stackBy: stacked ? report.groupBy[0] : undefined, series, bars, maxSeconds };
}

/** A round axis maximum (in hours) at or above `hours`, with its tick step. */
export function niceAxis(hours: number): { max: number; step: number } {
  if (hours <= 0) return { max: 1, step: 0.25 };
  const rough = hours / 4;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((candidate) => candidate >= rough) ?? 10 * magnitude;
  return { max: Math.ceil(hours / step) * step, step };
}
