import { describe, expect, it } from 'vitest';
import { hydrateSummary, type WireSummary } from './summary-wire.js';

describe('hydrateSummary', () => {
  const wire: WireSummary = {
    from: '2026-03-01', to: '2026-03-31', timeZone: 'UTC', groupBy: ['user', 'month'],
    total: { seconds: 5400, worklogs: 3 },
    groups: {
      depth: [0, 1, 1, 0, 1],
      key: ['acc-1', '2026-02', '2026-03', 'acc-unlabelled', '2026-03'],
      seconds: [3600, 600, 3000, 1800, 1800],
      worklogs: [2, 1, 1, 1, 1],
    },
    labels: { user: { 'acc-1': { label: 'Ann', avatarUrl: null } }, month: { '2026-02': { label: 'February 2026' }, '2026-03': { label: 'March 2026' } } },
  };

  it('rebuilds the tree depth first, each group with its level dimension and its key label', () => {
    const report = hydrateSummary(wire);
    expect(report.groups[0]).toEqual({
      dimension: 'user', key: 'acc-1', label: 'Ann', avatarUrl: null, seconds: 3600, worklogs: 2,
      children: [
        { dimension: 'month', key: '2026-02', label: 'February 2026', seconds: 600, worklogs: 1 },
        { dimension: 'month', key: '2026-03', label: 'March 2026', seconds: 3000, worklogs: 1 },
      ],
    });
    expect(report.groups[1]?.children?.map((child) => child.key)).toEqual(['2026-03']);
    expect(report.total).toEqual(wire.total);
    expect('labels' in report).toBe(false);
  });

  it('falls back to the key when the answer has no label for it', () => {
    expect(hydrateSummary(wire).groups[1]?.label).toBe('acc-unlabelled');
  });
});
