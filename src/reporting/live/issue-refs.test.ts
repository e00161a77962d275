import { describe, expect, it } from 'vitest';
import { normalizeIssueRef, normalizeIssueRefs, normalizeProjectRefs } from './issue-refs.js';

describe('issue and project refs of report filters', () => {
  it('upper-cases keys, keeps ids, and drops what can be neither', () => {
    expect(normalizeIssueRef(' abc-12 ')).toBe('ABC-12');
    expect(normalizeIssueRef('0010012')).toBe('10012');
    for (const bad of ['', 'ABC', '12-ABC', 'ABC-', 'A B-1', 'ABC-1) OR (project = X', '99999999999999999']) expect(normalizeIssueRef(bad), bad).toBeUndefined();
  });

  it('gives a de-duplicated, sorted list, a stable cache key', () => {
    expect(normalizeIssueRefs(['b-2', 'A-1', 'a-1', '7', ' 7 '])).toEqual(['7', 'A-1', 'B-2']);
  });

  it('splits projects into ids and keys', () => {
    expect(normalizeProjectRefs(['web', '10001', 'OPS', 'web', 'not a key', 'A-1'])).toEqual({ ids: ['10001'], keys: ['OPS', 'WEB'] });
  });
});
