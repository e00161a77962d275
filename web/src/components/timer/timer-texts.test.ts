import { describe, expect, it } from 'vitest';
import { elapsedClock, elapsedMinutes, elapsedWords, msUntilNextMinute, startedClock } from './timer-texts.js';

const start = '2026-03-05T09:00:00.000Z';
const at = (minutes: number, seconds = 0) => Date.parse(start) + minutes * 60_000 + seconds * 1000;

describe('timer texts', () => {
  it('counts whole minutes since the start, never below zero', () => {
    expect(elapsedMinutes(start, at(0, 59))).toBe(0);
    expect(elapsedMinutes(start, at(65, 10))).toBe(65);
    expect(elapsedMinutes(start, at(-2))).toBe(0);
  });

  it('shows hours and minutes, and says them in words', () => {
    expect(elapsedClock(7)).toBe('0:07');
    expect(elapsedClock(65)).toBe('1:05');
    expect(elapsedWords(65)).toBe('running for 1 hour 5 minutes');
  });

  it('wakes at the next whole minute since the start', () => {
    expect(msUntilNextMinute(start, at(3, 20))).toBe(40_000);
    expect(msUntilNextMinute(start, at(3, 59.5))).toBe(1000);
  });

  it("says when the timer started on the viewer's Jira clock", () => {
    expect(startedClock(start, 'Europe/Berlin', 'en-GB')).toBe('10:00');
    expect(startedClock(start, 'Not/AZone', 'en-GB')).toMatch(/^\d{2}:\d{2}$/);
  });
});
