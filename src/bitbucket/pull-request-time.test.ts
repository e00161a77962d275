import { describe, expect, it } from 'vitest';
import { createRandom } from '../../simulator/random.js';
import { generatedWorklogs, worklogRow } from './bitbucket-test-kit.js';
import type { IssueKeyResolution } from './issue-visibility.js';
import { computePullRequestTime, type PullRequestTimeInput } from './pull-request-time.js';

const HOUR_MS = 3_600_000;
const OPENED_MS = Date.UTC(2026, 2, 2, 9, 0, 0);
const CLOSED_MS = OPENED_MS + 48 * HOUR_MS;

const KEYS: IssueKeyResolution[] = [
  { key: 'ABC-1', issueId: 1 },
  { key: 'SEC-9', issueId: 9 },
  { key: 'NOPE-4', issueId: undefined },
  { key: 'ABC-2', issueId: 2 },
];
const browsable = (issueId: number) => issueId !== 9;

function answer(overrides: Partial<PullRequestTimeInput>) {
  return computePullRequestTime({ keys: KEYS, worklogs: [], interval: { openedAtMs: OPENED_MS, closedAtMs: CLOSED_MS }, canBrowse: browsable, ...overrides });
}

/** Every number anywhere in a JSON value. */
function numbersIn(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (Array.isArray(value)) return value.flatMap(numbersIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(numbersIn);
  return [];
}

describe('computePullRequestTime', () => {
  it('sums each visible issue in all, per author and while the pull request was open', () => {
    const worklogs = [
      worklogRow({ clientIssueId: 1, accountId: 'acc-ana', startedMs: OPENED_MS - HOUR_MS, timeSpentSeconds: 1_800 }),
      worklogRow({ clientIssueId: 1, accountId: 'acc-bo', startedMs: OPENED_MS + HOUR_MS, timeSpentSeconds: 7_200 }),
      worklogRow({ clientIssueId: 1, accountId: 'acc-ana', startedMs: OPENED_MS + 2 * HOUR_MS, timeSpentSeconds: 600 }),
      worklogRow({ clientIssueId: 2, accountId: null, startedMs: CLOSED_MS + HOUR_MS, timeSpentSeconds: 60 }),
    ];
    expect(answer({ worklogs })).toEqual({
      issues: [
        {
          key: 'ABC-1',
          otherKeys: [],
          issueId: 1,
          visible: true,
          seconds: 9_600,
          secondsWhileOpen: 7_800,
          byAccount: [
            { accountId: 'acc-bo', seconds: 7_200, secondsWhileOpen: 7_200 },
            { accountId: 'acc-ana', seconds: 2_400, secondsWhileOpen: 600 },
          ],
        },
        { key: 'SEC-9', visible: false },
        { key: 'ABC-2', otherKeys: [], issueId: 2, visible: true, seconds: 60, secondsWhileOpen: 0, byAccount: [{ accountId: null, seconds: 60, secondsWhileOpen: 0 }] },
      ],
      unknownKeys: ['NOPE-4'],
      total: {
        seconds: 9_660,
        secondsWhileOpen: 7_800,
        byAccount: [
          { accountId: 'acc-bo', seconds: 7_200, secondsWhileOpen: 7_200 },
          { accountId: 'acc-ana', seconds: 2_400, secondsWhileOpen: 600 },
          { accountId: null, seconds: 60, secondsWhileOpen: 0 },
        ],
      },
    });
  });

  it('shows a hidden issue as its key alone: the serialized entry carries no number, and its time is in no total', () => {
    const worklogs = [
      worklogRow({ clientIssueId: 9, accountId: 'acc-secret', startedMs: OPENED_MS + HOUR_MS, timeSpentSeconds: 4_321 }),
      worklogRow({ clientIssueId: 1, accountId: 'acc-ana', startedMs: OPENED_MS + HOUR_MS, timeSpentSeconds: 100 }),
    ];
    const result = answer({ worklogs });
    const hidden = result.issues.find((issue) => issue.key === 'SEC-9');
    const serialized = JSON.stringify(hidden);
    expect(serialized).toBe('{"key":"SEC-9","visible":false}');
    expect(numbersIn(JSON.parse(serialized))).toEqual([]);
    expect(result.total.seconds).toBe(100);
    expect(JSON.stringify(result)).not.toContain('4321');
    expect(JSON.stringify(result)).not.toContain('acc-secret');
  });

  it('gives the same answer for a hidden issue whether it has worklogs or not', () => {
    const withTime = answer({ worklogs: [worklogRow({ clientIssueId: 9, startedMs: OPENED_MS, timeSpentSeconds: 99_999 })] });
    expect(withTime).toEqual(answer({ worklogs: [] }));
  });

  it('counts a worklog started exactly at the opening time as logged while open', () => {
    const result = answer({ worklogs: [worklogRow({ clientIssueId: 1, startedMs: OPENED_MS, timeSpentSeconds: 300 })] });
    expect(result.total).toMatchObject({ seconds: 300, secondsWhileOpen: 300 });
  });

  it('does not count a worklog started exactly at the closing time as logged while open', () => {
    const result = answer({ worklogs: [worklogRow({ clientIssueId: 1, startedMs: CLOSED_MS, timeSpentSeconds: 300 }), worklogRow({ clientIssueId: 1, startedMs: CLOSED_MS - 1, timeSpentSeconds: 5 })] });
    expect(result.total).toMatchObject({ seconds: 305, secondsWhileOpen: 5 });
  });

  it('counts every worklog from the opening on while the pull request is still open, future-dated ones too', () => {
    const worklogs = [
      worklogRow({ clientIssueId: 1, startedMs: OPENED_MS - 1, timeSpentSeconds: 1 }),
      worklogRow({ clientIssueId: 1, startedMs: OPENED_MS + 400 * 24 * HOUR_MS, timeSpentSeconds: 20 }),
    ];
    expect(answer({ worklogs, interval: { openedAtMs: OPENED_MS, closedAtMs: undefined } }).total).toMatchObject({ seconds: 21, secondsWhileOpen: 20 });
  });

  it('counts nothing as while open for a pull request closed the moment it opened', () => {
    const result = answer({ worklogs: [worklogRow({ clientIssueId: 1, startedMs: OPENED_MS })], interval: { openedAtMs: OPENED_MS, closedAtMs: OPENED_MS } });
    expect(result.total).toMatchObject({ seconds: 3_600, secondsWhileOpen: 0 });
  });

  it('rejects an interval that closes before it opens', () => {
    expect(() => answer({ interval: { openedAtMs: OPENED_MS, closedAtMs: OPENED_MS - 1 } })).toThrow(RangeError);
    expect(() => answer({ interval: { openedAtMs: Number.NaN, closedAtMs: undefined } })).toThrow(RangeError);
  });

  it('answers a pull request without keys with nothing and zero totals', () => {
    expect(answer({ keys: [], worklogs: [worklogRow({ clientIssueId: 1, startedMs: OPENED_MS })] })).toEqual({
      issues: [],
      unknownKeys: [],
      total: { seconds: 0, secondsWhileOpen: 0, byAccount: [] },
    });
  });

  it('lists a visible issue with no worklogs at zero', () => {
    expect(answer({ keys: [{ key: 'ABC-2', issueId: 2 }] }).issues).toEqual([
      { key: 'ABC-2', otherKeys: [], issueId: 2, visible: true, seconds: 0, secondsWhileOpen: 0, byAccount: [] },
    ]);
  });

  it('counts an issue named by two keys once (a moved issue keeps its old key), and a repeated key once', () => {
    const keys: IssueKeyResolution[] = [
      { key: 'NEW-5', issueId: 1 },
      { key: 'NEW-5', issueId: 1 },
      { key: 'OLD-5', issueId: 1 },
    ];
    const result = answer({ keys, worklogs: [worklogRow({ clientIssueId: 1, startedMs: OPENED_MS, timeSpentSeconds: 50 })] });
    expect(result.issues).toEqual([
      { key: 'NEW-5', otherKeys: ['OLD-5'], issueId: 1, visible: true, seconds: 50, secondsWhileOpen: 50, byAccount: [{ accountId: 'acc-ana', seconds: 50, secondsWhileOpen: 50 }] },
    ]);
    expect(result.total.seconds).toBe(50);
  });

  it('keeps two keys of one hidden issue apart, so the viewer does not learn they name one issue', () => {
    const keys: IssueKeyResolution[] = [
      { key: 'SEC-9', issueId: 9 },
      { key: 'OLDSEC-3', issueId: 9 },
    ];
    expect(answer({ keys }).issues).toEqual([
      { key: 'SEC-9', visible: false },
      { key: 'OLDSEC-3', visible: false },
    ]);
  });

  it('asks Jira about each issue once', () => {
    const asked: number[] = [];
    const keys: IssueKeyResolution[] = [...KEYS, { key: 'OLD-1', issueId: 1 }, { key: 'OLDSEC-1', issueId: 9 }];
    answer({ keys, canBrowse: (issueId) => (asked.push(issueId), browsable(issueId)) });
    expect(asked).toEqual([1, 9, 2]);
  });

  it('ignores worklogs of issues the pull request does not name', () => {
    expect(answer({ worklogs: [worklogRow({ clientIssueId: 77, startedMs: OPENED_MS })] }).total.seconds).toBe(0);
  });

  it('matches a straightforward per-issue, per-author loop on generated worklogs', () => {
    for (const seed of ['pr-1', 'pr-2', 'pr-3', 'pr-4', 'pr-5']) {
      const random = createRandom(`${seed}-shape`);
      const issueCount = random.int(1, 12);
      const worklogs = generatedWorklogs(seed, random.int(0, 3_000), issueCount + 2, OPENED_MS - 10 * 24 * HOUR_MS, 30 * 24 * HOUR_MS);
      // Boundaries on real worklog instants, so the edges are exercised.
      const instants = worklogs.map((worklog) => worklog.startedMs).sort((a, b) => a - b);
      const openedAtMs = instants.length > 0 ? random.pick(instants) : OPENED_MS;
      const closedAtMs = random.chance(0.3) ? undefined : Math.max(openedAtMs, instants.length > 0 ? random.pick(instants) : OPENED_MS);
      const keys: IssueKeyResolution[] = Array.from({ length: issueCount }, (_, index) => ({ key: `GEN-${index + 1}`, issueId: index + 1 }));
      const hidden = new Set(keys.filter(() => random.chance(0.3)).map((key) => key.issueId));
      const canBrowse = (issueId: number) => !hidden.has(issueId);

      const result = computePullRequestTime({ keys, worklogs, interval: { openedAtMs, closedAtMs }, canBrowse });

      // Reference: filter and add up, issue by issue and author by author.
      const inside = (startedMs: number) => startedMs >= openedAtMs && (closedAtMs === undefined || startedMs < closedAtMs);
      const sumOf = (rows: typeof worklogs) => ({
        seconds: rows.reduce((sum, row) => sum + row.timeSpentSeconds, 0),
        secondsWhileOpen: rows.filter((row) => inside(row.startedMs)).reduce((sum, row) => sum + row.timeSpentSeconds, 0),
      });
      const authorsOf = (rows: typeof worklogs) => [...new Set(rows.map((row) => row.accountId))];
      let expectedTotal = 0;
      for (const { key, issueId } of keys) {
        const entry = result.issues.find((issue) => issue.key === key)!;
        if (hidden.has(issueId!)) {
          expect(entry).toEqual({ key, visible: false });
          continue;
        }
        const rows = worklogs.filter((row) => row.clientIssueId === issueId);
        expect(entry).toMatchObject(sumOf(rows));
        expect(entry.visible && entry.byAccount).toHaveLength(authorsOf(rows).length);
        for (const accountId of authorsOf(rows)) {
          expect(entry.visible && entry.byAccount.find((account) => account.accountId === accountId)).toEqual({ accountId, ...sumOf(rows.filter((row) => row.accountId === accountId)) });
        }
        expectedTotal += sumOf(rows).seconds;
      }
      const visibleRows = worklogs.filter((row) => row.clientIssueId <= issueCount && !hidden.has(row.clientIssueId));
      expect(result.total).toMatchObject(sumOf(visibleRows));
      expect(result.total.seconds).toBe(expectedTotal);
      for (const accountId of authorsOf(visibleRows)) {
        expect(result.total.byAccount.find((account) => account.accountId === accountId)).toEqual({ accountId, ...sumOf(visibleRows.filter((row) => row.accountId === accountId)) });
      }
      expect(numbersIn(result.issues.filter((issue) => !issue.visible))).toEqual([]);
      const totalSeconds = result.total.byAccount.map((account) => account.seconds);
      expect(totalSeconds).toEqual([...totalSeconds].sort((a, b) => b - a));
    }
  });
});
