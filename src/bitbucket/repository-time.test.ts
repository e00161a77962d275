import { describe, expect, it } from 'vitest';
import { createRandom } from '../../simulator/random.js';
import { generatedWorklogs, worklogRow } from './bitbucket-test-kit.js';
import type { IssueKeyResolution } from './issue-visibility.js';
import { computeRepositoryTime, type RepositoryTimeInput } from './repository-time.js';

const DAY_MS = 86_400_000;
const FROM_MS = Date.UTC(2026, 0, 1);
const TO_MS = Date.UTC(2026, 1, 1);

const KEYS: IssueKeyResolution[] = [
  { key: 'ABC-1', issueId: 1 },
  { key: 'SEC-9', issueId: 9 },
  { key: 'GONE-3', issueId: undefined },
  { key: 'ABC-2', issueId: 2 },
];

function answer(overrides: Partial<RepositoryTimeInput>) {
  return computeRepositoryTime({ period: { fromMs: FROM_MS, toMs: TO_MS }, keys: KEYS, worklogs: [], canBrowse: (issueId) => issueId !== 9, ...overrides });
}

describe('computeRepositoryTime', () => {
  it('sums time per visible issue and per author inside the period, with totals across visible issues', () => {
    const worklogs = [
      worklogRow({ clientIssueId: 1, accountId: 'acc-ana', startedMs: FROM_MS, timeSpentSeconds: 100 }),
      worklogRow({ clientIssueId: 1, accountId: 'acc-bo', startedMs: FROM_MS + DAY_MS, timeSpentSeconds: 300 }),
      worklogRow({ clientIssueId: 2, accountId: 'acc-ana', startedMs: TO_MS - 1, timeSpentSeconds: 50 }),
      worklogRow({ clientIssueId: 2, accountId: 'acc-ana', startedMs: TO_MS, timeSpentSeconds: 7 }),
      worklogRow({ clientIssueId: 1, accountId: 'acc-bo', startedMs: FROM_MS - 1, timeSpentSeconds: 11 }),
      worklogRow({ clientIssueId: 9, accountId: 'acc-secret', startedMs: FROM_MS + DAY_MS, timeSpentSeconds: 4_321 }),
    ];
    expect(answer({ worklogs })).toEqual({
      issues: [
        {
          key: 'ABC-1',
          otherKeys: [],
          issueId: 1,
          visible: true,
          seconds: 400,
          byAccount: [
            { accountId: 'acc-bo', seconds: 300 },
            { accountId: 'acc-ana', seconds: 100 },
          ],
        },
        { key: 'SEC-9', visible: false },
        { key: 'ABC-2', otherKeys: [], issueId: 2, visible: true, seconds: 50, byAccount: [{ accountId: 'acc-ana', seconds: 50 }] },
      ],
      unknownKeys: ['GONE-3'],
      total: {
        seconds: 450,
        byAccount: [
          { accountId: 'acc-bo', seconds: 300 },
          { accountId: 'acc-ana', seconds: 150 },
        ],
      },
    });
  });

  it('shows a hidden issue as its key alone, whatever its worklogs', () => {
    const withTime = answer({ worklogs: [worklogRow({ clientIssueId: 9, startedMs: FROM_MS, timeSpentSeconds: 99_999 })] });
    expect(JSON.stringify(withTime.issues[1])).toBe('{"key":"SEC-9","visible":false}');
    expect(withTime).toEqual(answer({ worklogs: [] }));
  });

  it('counts nothing in an empty period and rejects one that ends before it starts', () => {
    expect(answer({ period: { fromMs: FROM_MS, toMs: FROM_MS }, worklogs: [worklogRow({ clientIssueId: 1, startedMs: FROM_MS })] }).total.seconds).toBe(0);
    expect(() => answer({ period: { fromMs: TO_MS, toMs: FROM_MS } })).toThrow(RangeError);
  });

  it('answers a repository without keys with nothing', () => {
    expect(answer({ keys: [] })).toEqual({ issues: [], unknownKeys: [], total: { seconds: 0, byAccount: [] } });
  });

  it('counts every worklog exactly once across consecutive periods', () => {
    const worklogs = generatedWorklogs('consecutive', 2_000, 4, FROM_MS, 60 * DAY_MS);
    const keys = [1, 2, 3, 4].map((issueId) => ({ key: `GEN-${issueId}`, issueId }));
    const split = FROM_MS + 30 * DAY_MS;
    const first = computeRepositoryTime({ period: { fromMs: FROM_MS, toMs: split }, keys, worklogs, canBrowse: () => true });
    const second = computeRepositoryTime({ period: { fromMs: split, toMs: FROM_MS + 60 * DAY_MS + 1 }, keys, worklogs, canBrowse: () => true });
    expect(first.total.seconds + second.total.seconds).toBe(worklogs.reduce((sum, row) => sum + row.timeSpentSeconds, 0));
  });

  it('matches a straightforward per-issue, per-author loop on generated worklogs', () => {
    for (const seed of ['repo-1', 'repo-2', 'repo-3']) {
      const random = createRandom(`${seed}-shape`);
      const issueCount = random.int(1, 20);
      const worklogs = generatedWorklogs(seed, random.int(0, 4_000), issueCount + 3, FROM_MS - 30 * DAY_MS, 120 * DAY_MS);
      const instants = worklogs.map((row) => row.startedMs);
      const a = instants.length > 0 ? random.pick(instants) : FROM_MS;
      const b = instants.length > 0 ? random.pick(instants) : TO_MS;
      const period = { fromMs: Math.min(a, b), toMs: Math.max(a, b) };
      const keys = Array.from({ length: issueCount }, (_, index) => ({ key: `GEN-${index + 1}`, issueId: index + 1 }));
      const hidden = new Set(keys.filter(() => random.chance(0.25)).map((key) => key.issueId));

      const result = computeRepositoryTime({ period, keys, worklogs, canBrowse: (issueId) => !hidden.has(issueId) });

      const counted = worklogs.filter((row) => row.startedMs >= period.fromMs && row.startedMs < period.toMs && row.clientIssueId <= issueCount && !hidden.has(row.clientIssueId));
      const secondsOf = (rows: typeof worklogs) => rows.reduce((sum, row) => sum + row.timeSpentSeconds, 0);
      for (const { key, issueId } of keys) {
        const entry = result.issues.find((issue) => issue.key === key)!;
        if (hidden.has(issueId)) {
          expect(entry).toEqual({ key, visible: false });
          continue;
        }
        const rows = counted.filter((row) => row.clientIssueId === issueId);
        expect(entry).toMatchObject({ visible: true, seconds: secondsOf(rows) });
        for (const accountId of new Set(rows.map((row) => row.accountId))) {
          expect(entry.visible && entry.byAccount.find((account) => account.accountId === accountId)?.seconds).toBe(secondsOf(rows.filter((row) => row.accountId === accountId)));
        }
      }
      expect(result.total.seconds).toBe(secondsOf(counted));
      expect(result.total.byAccount.reduce((sum, account) => sum + account.seconds, 0)).toBe(secondsOf(counted));
      expect(result.total.byAccount).toHaveLength(new Set(counted.map((row) => row.accountId)).size);
    }
  });
});
