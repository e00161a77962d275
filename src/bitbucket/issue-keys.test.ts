import { describe, expect, it } from 'vitest';
import { findIssueKeys, MAX_COMMIT_MESSAGES, MAX_ISSUE_KEYS, MAX_TEXT_CHARS, pullRequestIssueKeys } from './issue-keys.js';

describe('findIssueKeys (Atlassian parser, bitbucket-cloud.md §4.1)', () => {
  it.each([
    ['[JRA-123]', 'JRA-123'],
    ['(JRA-123)', 'JRA-123'],
    ['#JRA-123', 'JRA-123'],
    ['J2-123', 'J2-123'],
    ['jra-123', 'JRA-123'],
    ['Fix JRA-123: crash on save', 'JRA-123'],
    ['feature/jra-12-login', 'JRA-12'],
    ['JRA-10', 'JRA-10'],
  ])('accepts %s as %s', (text, key) => {
    expect(findIssueKeys(text)).toEqual([key]);
  });

  it.each(['22-123', 'JRA 123', 'JRA-12a', 'JRA-0123', 'JRA-0', 'J-1', '-JRA-', 'JRA-', '2JRA-1'])('rejects %s', (text) => {
    expect(findIssueKeys(text)).toEqual([]);
  });

  it('does not split a key out of a longer word (XJRA-1 is XJRA-1, never JRA-1)', () => {
    expect(findIssueKeys('XJRA-1')).toEqual(['XJRA-1']);
    expect(findIssueKeys('fooXJRA-1 bar')).toEqual(['FOOXJRA-1']);
    expect(findIssueKeys('4JRA-1')).toEqual([]);
  });

  it('upper-cases, de-duplicates and keeps the order of first appearance', () => {
    expect(findIssueKeys('ABC-2, jra-1 and JRA-1, then abc-2 and XY-9')).toEqual(['ABC-2', 'JRA-1', 'XY-9']);
  });

  it('finds keys next to each other separated by one character', () => {
    expect(findIssueKeys('JRA-1,JRA-2/JRA-3_JRA-4')).toEqual(['JRA-1', 'JRA-2', 'JRA-3', 'JRA-4']);
  });

  it('treats non-ASCII characters around a key as separators, as Atlassian’s parser does', () => {
    expect(findIssueKeys('😀JRA-1😀')).toEqual(['JRA-1']);
    expect(findIssueKeys('«JRA-2» — fertig')).toEqual(['JRA-2']);
    expect(findIssueKeys('ÄJRA-3')).toEqual(['JRA-3']);
    expect(findIssueKeys('ticket：JRA-4。')).toEqual(['JRA-4']);
    // Only ASCII letters and digits glue to a key: an accented letter after the number does not.
    expect(findIssueKeys('JRA-5é')).toEqual(['JRA-5']);
  });

  it('upper-cases the letters that fold to ASCII under the u and i flags, exactly like the original', () => {
    expect(findIssueKeys('ſA-1')).toEqual(['SA-1']);
  });

  it('finds only the key in a smart-commit line: Tally never parses #time, Jira turns it into a worklog Tally syncs', () => {
    expect(findIssueKeys('JRA-34 #time 1w 2d 4h 30m Total work logged')).toEqual(['JRA-34']);
    expect(findIssueKeys('JRA-34 #comment corrected indent #resolve-issue done')).toEqual(['JRA-34']);
  });

  it('reads at most MAX_TEXT_CHARS characters, without a key the cut shortened', () => {
    const padding = 'x '.repeat((MAX_TEXT_CHARS - 4) / 2);
    // `padding` leaves four characters before the cut.
    expect(findIssueKeys(`${padding}AB-1 AB-2`)).toEqual(['AB-1']);
    expect(findIssueKeys(`${padding}AB-12`)).toEqual([]);
    expect(findIssueKeys(`JRA-1 ${'y'.repeat(MAX_TEXT_CHARS)} JRA-2`)).toEqual(['JRA-1']);
  });

  it('returns at most MAX_ISSUE_KEYS keys', () => {
    const text = Array.from({ length: MAX_ISSUE_KEYS + 20 }, (_, index) => `K-${index + 1}`.replace('K', 'KEY')).join(' ');
    const keys = findIssueKeys(text);
    expect(keys).toHaveLength(MAX_ISSUE_KEYS);
    expect(keys[0]).toBe('KEY-1');
  });

  it('finishes quickly on a huge adversarial text', () => {
    const text = `${'A'.repeat(300)}-${'1'.repeat(300)} `.repeat(10_000) + 'a-'.repeat(500_000);
    const startedMs = performance.now();
    expect(findIssueKeys(text)).toEqual([]);
    expect(performance.now() - startedMs).toBeLessThan(1_000);
  });
});

describe('pullRequestIssueKeys', () => {
  it('orders keys branch, title, description, commits and records every place each was found', () => {
    const found = pullRequestIssueKeys({
      branch: 'feature/ABC-3-search',
      title: 'JRA-1 search; ABC-3',
      description: 'Also touches DOC-7 and jra-1',
      commitMessages: ['OPS-9 #time 2h deploy script', 'ABC-3 tests', 'DOC-7 wording'],
    });
    expect(found).toEqual({
      keys: [
        { key: 'ABC-3', foundIn: ['branch', 'title', 'commit'] },
        { key: 'JRA-1', foundIn: ['title', 'description'] },
        { key: 'DOC-7', foundIn: ['description', 'commit'] },
        { key: 'OPS-9', foundIn: ['commit'] },
      ],
      truncated: false,
    });
  });

  it('lists a key repeated across branch, title and several commits once', () => {
    const found = pullRequestIssueKeys({ branch: 'jra-5', title: 'JRA-5', commitMessages: ['JRA-5 a', 'jra-5 b', 'JRA-5 c'] });
    expect(found.keys).toEqual([{ key: 'JRA-5', foundIn: ['branch', 'title', 'commit'] }]);
  });

  it('returns no keys for a pull request that names none', () => {
    expect(pullRequestIssueKeys({ branch: 'main', title: 'Tidy up', commitMessages: [] })).toEqual({ keys: [], truncated: false });
  });

  it('stops at MAX_ISSUE_KEYS keys and says so', () => {
    const commitMessages = Array.from({ length: MAX_ISSUE_KEYS + 5 }, (_, index) => `KEY-${index + 1} change`);
    const found = pullRequestIssueKeys({ branch: 'BR-1', title: '', commitMessages });
    expect(found.keys).toHaveLength(MAX_ISSUE_KEYS);
    expect(found.keys[0]).toEqual({ key: 'BR-1', foundIn: ['branch'] });
    expect(found.truncated).toBe(true);
  });

  it('says so when one description holds more than MAX_ISSUE_KEYS keys', () => {
    const description = Array.from({ length: MAX_ISSUE_KEYS + 1 }, (_, index) => `KEY-${index + 1}`).join(' ');
    expect(pullRequestIssueKeys({ branch: '', title: '', description, commitMessages: [] }).truncated).toBe(true);
  });

  it('reads at most MAX_COMMIT_MESSAGES commit messages and says so', () => {
    const commitMessages = [...Array.from({ length: MAX_COMMIT_MESSAGES }, () => 'no key'), 'LATE-1'];
    expect(pullRequestIssueKeys({ branch: '', title: '', commitMessages })).toEqual({ keys: [], truncated: true });
  });
});
