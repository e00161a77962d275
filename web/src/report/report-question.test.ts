import { describe, expect, it } from 'vitest';
import { buildQuestion, NO_FILTERS, parseList } from './report-question.js';

describe('report question', () => {
  it('splits typed lists on commas and spaces and drops repeats', () => {
    expect(parseList(' TALLY-1, TALLY-2 10042,,TALLY-1 ')).toEqual(['TALLY-1', 'TALLY-2', '10042']);
    expect(parseList('   ')).toEqual([]);
  });

  it('leaves empty filters out and keeps the rest', () => {
    const base = { range: { from: '2026-03-01', to: '2026-03-31' }, timeZone: 'Europe/Berlin', groupBy: ['user' as const], sort: { by: 'seconds' as const, direction: 'desc' as const } };
    expect(buildQuestion({ ...base, filters: NO_FILTERS })).toEqual({ from: '2026-03-01', to: '2026-03-31', timeZone: 'Europe/Berlin', groupBy: ['user'], sort: { by: 'seconds', direction: 'desc' } });
    expect(buildQuestion({ ...base, filters: { accountIds: ['a'], issues: 'X-1', projects: 'X', jql: ' labels = billable ' } })).toMatchObject({
      accountIds: ['a'], issues: ['X-1'], projects: ['X'], jql: 'labels = billable',
    });
  });
});
