/**
 * The repository page's answer: time per issue and per author over a chosen period, for the Jira
 * issues named in the repository's pull requests. Same visibility rule as the pull-request panel
 * (`issue-visibility.ts`): time only on issues the viewer may browse; the others by key alone.
 *
 * The period is half-open, [fromMs, toMs): a worklog counts when its `started` instant is at or
 * after `fromMs` and before `toMs` — so consecutive periods never count a worklog twice. Pure.
 */
import { classifyIssueKeys, sortByAccountTime, type HiddenIssue, type IssueKeyResolution, type TimedWorklog } from './issue-visibility.js';

/** One author's seconds in the period; `accountId` null for worklogs Jira names no author for. */
export interface AccountRepositoryTime {
  accountId: string | null;
  seconds: number;
}

/** A browsable issue and its time in the period. */
export interface VisibleRepositoryIssue {
  key: string;
  otherKeys: string[];
  issueId: number;
  visible: true;
  /** Exact sum of `timeSpentSeconds` of its worklogs started in the period. */
  seconds: number;
  /** Per author, most time first. */
  byAccount: AccountRepositoryTime[];
}

/** The repository page's answer. */
export interface RepositoryTime {
  /** In the order the keys were given; a hidden issue is `{ key, visible: false }` and nothing else. */
  issues: (VisibleRepositoryIssue | HiddenIssue)[];
  unknownKeys: string[];
  /** Across the visible issues only. */
  total: { seconds: number; byAccount: AccountRepositoryTime[] };
}

/** What the repository page's answer is computed from. */
export interface RepositoryTimeInput {
  /** Epoch ms; `fromMs` inclusive, `toMs` exclusive. */
  period: { fromMs: number; toMs: number };
  /** Keys found in the repository's pull requests, resolved on the linked site, in display order. */
  keys: readonly IssueKeyResolution[];
  /** Synced worklogs of (at least) those issues; other issues' worklogs and ones outside the period are ignored. */
  worklogs: readonly TimedWorklog[];
  /** Whether Jira lets the viewer browse the issue (asked live, as the viewer). */
  canBrowse: (issueId: number) => boolean;
}

/** Adds one worklog to its author's entry. */
function addForAccount(byAccount: Map<string | null, AccountRepositoryTime>, worklog: TimedWorklog): void {
  const entry = byAccount.get(worklog.accountId);
  if (entry) entry.seconds += worklog.timeSpentSeconds;
  else byAccount.set(worklog.accountId, { accountId: worklog.accountId, seconds: worklog.timeSpentSeconds });
}

/**
 * Time per visible issue and per author in the period, and totals across the visible issues. One
 * pass over the worklogs; `canBrowse` once per issue. Throws `RangeError` for a period that ends
 * before it starts (an empty period, `fromMs === toMs`, counts nothing).
 */
export function computeRepositoryTime(input: RepositoryTimeInput): RepositoryTime {
  const { fromMs, toMs } = input.period;
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || toMs < fromMs) throw new RangeError('period must be finite instants with fromMs <= toMs');
  const { issues, browsableIssueIds, unknownKeys } = classifyIssueKeys(input.keys, input.canBrowse);

  const perIssue = new Map<number, { seconds: number; byAccount: Map<string | null, AccountRepositoryTime> }>();
  for (const issueId of browsableIssueIds) perIssue.set(issueId, { seconds: 0, byAccount: new Map() });
  let totalSeconds = 0;
  const totalByAccount = new Map<string | null, AccountRepositoryTime>();

  for (const worklog of input.worklogs) {
    if (worklog.startedMs < fromMs || worklog.startedMs >= toMs) continue;
    const issue = perIssue.get(worklog.clientIssueId);
    if (!issue) continue;
    issue.seconds += worklog.timeSpentSeconds;
    addForAccount(issue.byAccount, worklog);
    totalSeconds += worklog.timeSpentSeconds;
    addForAccount(totalByAccount, worklog);
  }

  return {
    issues: issues.map((issue) => {
      if (!issue.visible) return { key: issue.key, visible: false };
      const { seconds, byAccount } = perIssue.get(issue.issueId)!;
      return { ...issue, seconds, byAccount: sortByAccountTime([...byAccount.values()]) };
    }),
    unknownKeys,
    total: { seconds: totalSeconds, byAccount: sortByAccountTime([...totalByAccount.values()]) },
  };
}
