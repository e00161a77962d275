import { describe, expect, it } from 'vitest';
import { normaliseDurationText } from './duration-text.js';

describe('normaliseDurationText', () => {
  it.each([
    ['1w 2d 3h 30m', '1w 2d 3h 30m'],
    ['1.5h', '1.5h'],
    ['90', '90'],
    ['  2H   15M ', '2h 15m'],
    ['45m', '45m'],
    ['1d', '1d'],
    ['30m 1h', '30m 1h'],
    ['0.25h', '0.25h'],
  ])('accepts %j as Jira does and passes %j on', (input, text) => {
    expect(normaliseDurationText(input)).toEqual({ ok: true, text });
  });

  it.each([
    ['', 'enter the time spent'],
    ['0', 'more than zero'],
    ['0h 0m', 'more than zero'],
    ['1h 2h', '"h" appears twice'],
    ['1x', 'not a duration'],
    ['1h30', 'not a duration'],
    ['-1h', 'not a duration'],
    ['1,5h', 'not a duration'],
    ['1 h', 'not a duration'],
  ])('refuses %j', (input, words) => {
    const result = normaliseDurationText(input);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.message).toContain(words);
  });
});
