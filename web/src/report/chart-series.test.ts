import { describe, expect, it } from 'vitest';
import type { SummaryGroup, SummaryReport } from '../api/api-types.js';
import { buildChartData, chartGroupBy, niceAxis, TOP_STACKS } from './chart-series.js';
import { chooseBucket, listBuckets } from './time-buckets.js';

function user(key: string, days: Record<string, number>): SummaryGroup {
  const children = Object.entries(days).map(([day, seconds]) => ({ dimension: 'day' as const, key: day, label: day, seconds, worklogs: 1 }));
  return { dimension: 'user', key, label: `User ${key}`, seconds: children.reduce((s, c) => s + c.seconds, 0), worklogs: children.length, children };
}

function report(groups: SummaryGroup[], groupBy: SummaryReport['groupBy'] = ['user', 'day']): SummaryReport {
  const seconds = groups.reduce((s, g) => s + g.seconds, 0);
  return { from: '2026-03-01', to: '2026-03-03', timeZone: 'UTC', groupBy, total: { seconds, worklogs: groups.length }, groups };
}

describe('chart series', () => {
  it('asks for the first non-time grouping level and the bucket', () => {
    expect(chartGroupBy(['project', 'user'], 'week')).toEqual(['project', 'week']);
    expect(chartGroupBy(['month', 'user'], 'day')).toEqual(['day']);
    expect(chartGroupBy([], 'month')).toEqual(['month']);
  });

  it('picks days, weeks or months by the range length', () => {
    expect(chooseBucket({ from: '2026-03-01', to: '2026-03-31' })).toBe('day');
    expect(chooseBucket({ from: '2026-01-01', to: '2026-06-30' })).toBe('week');
    expect(chooseBucket({ from: '2026-01-01', to: '2026-12-31' })).toBe('month');
    expect(listBuckets({ from: '2026-02-27', to: '2026-03-10' }, 'week').map((b) => b.key)).toEqual(['2026-W09', '2026-W10', '2026-W11']);
    expect(listBuckets({ from: '2025-12-15', to: '2026-02-01' }, 'month').map((b) => b.key)).toEqual(['2025-12', '2026-01', '2026-02']);
  });

  it('stacks the top groups, sums the rest as Other, and keeps empty days', () => {
    const slots = listBuckets({ from: '2026-03-01', to: '2026-03-03' }, 'day');
    const groups = Array.from({ length: TOP_STACKS + 2 }, (_, i) => user(`u${i}`, { '2026-03-01': (i + 1) * 3600, '2026-03-03': 1800 }));
    const data = buildChartData(report(groups), slots);
    expect(data.series).toHaveLength(TOP_STACKS + 1);
    expect(data.series[0]?.key).toBe(`u${TOP_STACKS + 1}`);
    expect(data.series.at(-1)?.label).toBe('Other (2)');
    expect(data.bars.map((b) => b.key)).toEqual(['2026-03-01', '2026-03-02', '2026-03-03']);
    expect(data.bars[1]?.total).toBe(0);
    const all = groups.reduce((s, g) => s + g.seconds, 0);
    expect(data.bars.reduce((s, b) => s + b.total, 0)).toBe(all);
    expect(data.maxSeconds).toBe(data.bars[0]?.total);
  });

  it('draws one series when the report has no stack level', () => {
    const slots = listBuckets({ from: '2026-03-01', to: '2026-03-02' }, 'day');
    const days: SummaryGroup[] = [{ dimension: 'day', key: '2026-03-02', label: '2026-03-02', seconds: 7200, worklogs: 2 }];
    const data = buildChartData(report(days, ['day']), slots);
    expect(data.stackBy).toBeUndefined();
    expect(data.bars.map((b) => b.seconds)).toEqual([[0], [7200]]);
  });

  it('rounds the axis up to a readable step', () => {
    expect(niceAxis(7.3)).toEqual({ max: 8, step: 2 });
    expect(niceAxis(0)).toEqual({ max: 1, step: 0.25 });
    expect(niceAxis(130)).toEqual({ max: 150, step: 50 });
  });
});
