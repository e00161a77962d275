import { describe, expect, it } from 'vitest';
import { isAppError } from '../platform/app-error.js';
import { parseReportQuestion } from './report-question.js';

function rejected(input: unknown) {
  try {
    parseReportQuestion(input);
  } catch (error) {
    if (isAppError(error, 'REQUEST_INVALID')) return error.details;
    throw error;
  }
  throw new Error('expected REQUEST_INVALID');
}

describe('report question', () => {
  it('reads a full question and fills the defaults', () => {
    expect(parseReportQuestion({ from: '2026-03-01', to: '2026-03-31' })).toEqual({
      from: '2026-03-01', to: '2026-03-31', timeZone: undefined, accountIds: undefined, issues: undefined, projects: undefined, jql: undefined,
      groupBy: [], sort: { by: 'key', direction: 'asc' },
    });
    const q = parseReportQuestion({
      from: '2024-02-29', to: '2026-03-31', timeZone: 'Asia/Tokyo', accountIds: ['5b10ac8d82e05b22cc7d4ef5'], issues: ['TALLY-12', '10042'],
      projects: ['TALLY'], jql: ' labels = billable ', groupBy: ['user', 'month'], sort: { by: 'seconds', direction: 'desc' },
    });
    expect(q).toMatchObject({ timeZone: 'Asia/Tokyo', jql: 'labels = billable', groupBy: ['user', 'month'], sort: { by: 'seconds', direction: 'desc' } });
  });

  it('lists every problem at once, naming fields and never echoing values', () => {
    const details = rejected({
      from: '2026-02-30', to: '2025-01-01', timeZone: 'Mars/Olympus', issues: ['<script>'], groupBy: ['user', 'user', 'sprint'], extra: 1,
    });
    const text = details.join('\n');
    for (const field of ['from', 'timeZone', 'issues.0', 'groupBy']) expect(text).toContain(field);
    expect(text).not.toContain('<script>');
    expect(text).not.toContain('Olympus');
  });

  it('refuses reversed and too long ranges, more than four levels, and non-objects', () => {
    expect(rejected({ from: '2026-03-02', to: '2026-03-01' }).join()).toContain('to: from must not be after to');
    expect(rejected({ from: '1950-01-01', to: '2026-01-01' }).join()).toContain('at most 18300 days');
    expect(rejected({ from: '2026-01-01', to: '2026-01-02', groupBy: ['user', 'issue', 'project', 'parent', 'day'] }).join()).toContain('groupBy');
    expect(rejected([]).length).toBeGreaterThan(0);
  });
});
