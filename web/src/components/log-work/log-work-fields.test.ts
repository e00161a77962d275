import { describe, expect, it } from 'vitest';
import { WorklogRefusedError } from '../../api/worklog-error.js';
import { checkValues, firstProblemField, isCalendarDate, isJiraDuration, newValues, toChange, toInput, valuesOf, wallClockIn } from './log-work-fields.js';
import { durationWords, failureTitle, refusalHint } from './log-work-texts.js';

const valid = { issue: 'TT-12', date: '2026-03-05', startTime: '09:30', duration: '1h 30m', comment: '' };

describe('log-work form values', () => {
  it('accepts durations as Jira writes them and nothing else', () => {
    for (const text of ['1h 30m', '2h', '45m', '1d', '1.5h', '1w 2d', ' 3h  15m ', '90']) expect(isJiraDuration(text), text).toBe(true);
    for (const text of ['0', '1:30', 'h', '1x', '0m', '0h 0m', '1h thirty', '']) expect(isJiraDuration(text), text).toBe(false);
  });

  it('accepts real calendar dates only', () => {
    expect(isCalendarDate('2028-02-29')).toBe(true);
    expect(isCalendarDate('2026-02-29')).toBe(false);
    expect(isCalendarDate('2026-3-5')).toBe(false);
  });

  it('names each wrong field and the first one in screen order', () => {
    expect(checkValues(valid)).toEqual({});
    const problems = checkValues({ issue: 'twelve', date: '2026-13-01', startTime: '9.30', duration: '1:30', comment: '' });
    expect(Object.keys(problems)).toEqual(['issue', 'date', 'startTime', 'duration']);
    expect(problems.duration).toMatch(/1h 30m/);
    expect(firstProblemField(problems)).toBe('issue');
    expect(firstProblemField(checkValues({ ...valid, duration: '' }))).toBe('duration');
    expect(checkValues({ ...valid, issue: '10042' })).toEqual({});
  });

  it("starts a new worklog now, on the date and at the minute of the viewer's Jira zone", () => {
    const instant = Date.UTC(2026, 2, 5, 23, 4, 59);
    expect(newValues('TT-1', instant, 'Europe/Berlin')).toEqual({ issue: 'TT-1', date: '2026-03-06', startTime: '00:04', duration: '', comment: '' });
    expect(newValues('TT-1', instant, 'America/New_York')).toMatchObject({ date: '2026-03-05', startTime: '18:04' });
    expect(wallClockIn(instant, 'UTC')).toEqual({ date: '2026-03-05', time: '23:04' });
  });

  it("edits a worklog at the wall-clock time Jira wrote, with Jira's duration words", () => {
    const worklog = { id: 1, issueId: 2, issueKey: 'TT-1', started: '2026-03-05T23:30:00.000-0500', timeSpentSeconds: 5400, timeSpent: '1h 30m', comment: null, authorAccountId: 'a' };
    expect(valuesOf(worklog)).toEqual({ issue: 'TT-1', date: '2026-03-05', startTime: '23:30', duration: '1h 30m', comment: '' });
  });

  it('sends trimmed values, no blank comment, and on edit only what changed', () => {
    expect(toInput({ ...valid, issue: ' TT-12 ', duration: '1h   30m', comment: '  ' })).toEqual({ issue: 'TT-12', date: '2026-03-05', startTime: '09:30', duration: '1h 30m' });
    expect(toChange(valid, { ...valid, duration: '2h', comment: 'Review' })).toEqual({ duration: '2h', comment: 'Review' });
    expect(toChange({ ...valid, comment: 'x' }, valid)).toEqual({ comment: '' });
    expect(toChange(valid, valid)).toEqual({});
  });
});

describe('log-work texts', () => {
  it("adds what to do to Jira's refusal without replacing its words", () => {
    const refusal = new WorklogRefusedError('You do not have the permission to associate a worklog to this issue.', 403, [], 'no_permission');
    expect(failureTitle(refusal)).toBe('Jira refused the worklog');
    expect(refusalHint(refusal)).toMatch(/Work on issues/);
    expect(refusalHint(new WorklogRefusedError('Odd', 400, [], undefined))).toBeUndefined();
    expect(refusalHint(new Error('x'))).toBeUndefined();
  });

  it('says durations in words', () => {
    expect(durationWords(5400)).toBe('1 hour 30 minutes');
    expect(durationWords(60)).toBe('1 minute');
    expect(durationWords(7200)).toBe('2 hours');
    expect(durationWords(10)).toBe('0 minutes');
  });
});
