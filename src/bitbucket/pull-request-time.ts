/**
 * The pull-request panel's answer: for each Jira issue a pull request names, the time logged on it
 * — in all, per author, and while the pull request was open — from the linked site's synced
 * worklogs. Pure: the keys, their resolution, the worklogs and the viewer's browse decisions are
 * fetched by the caller. Account ids only; names are fetched live from Jira elsewhere.
 *
 * The open interval is half-open, [openedAtMs, closedAtMs): a worklog whose `started` instant is
 * exactly the opening time counts as logged while open, one started exactly at the closing time
 * (merge or decline) does not. A pull request still open has no end: every worklog started at or
 * after the opening counts, including one dated in the future.
 */
import { classifyIssueKeys, sortByAccountTime, type HiddenIssue, type IssueKeyResolution, type TimedWorklog } from './issue-visibility.js';

/** When a pull request was open: `closedAtMs` undefined while it is still open. Epoch ms. */
export interface PullRequestOpenInterval {
  openedAtMs: number;
  closedAtMs: number | undefined;
}

/** Exact sums of `timeSpentSeconds` (integers; exact below 2^53 s). */
export interface PullRequestSeconds {
  seconds: number;
  /** The part started inside the open interval. */
  secondsWhileOpen: number;
}

/** One author's time; `accountId` null for worklogs Jira names no author for. */
export interface AccountPullRequestTime extends PullRequestSeconds {
  accountId: string | null;
}

/** A browsable issue and its time. */
export interface VisiblePullRequestIssue extends PullRequestSeconds {
  key: string;
  /** Further keys of the same issue found in the pull request (an issue moved between projects). */
  otherKeys: string[];
  issueId: number;
  visible: true;
  /** Per author, most time first. */
  byAccount: AccountPullRequestTime[];
}

/** The panel's answer. */
export interface PullRequestTime {
  /** In the order the keys were given; a hidden issue is `{ key, visible: false }` and nothing else. */
  issues: (VisiblePullRequestIssue | HiddenIssue)[];
  /** Keys with no issue on the linked site. */
  unknownKeys: string[];
  /** Across the visible issues only. */
  total: PullRequestSeconds & { byAccount: AccountPullRequestTime[] };
}

/** What the panel's answer is computed from. */
export interface PullRequestTimeInput {
  /** The pull request's keys in precedence order (see `pullRequestIssueKeys`), resolved on the linked site. */
  keys: readonly IssueKeyResolution[];
  /** Synced worklogs of (at least) the resolved issues; worklogs of other issues are ignored. */
  worklogs: readonly TimedWorklog[];
  interval: PullRequestOpenInterval;
  /** Whether Jira lets the viewer browse the issue (asked live, as the viewer). */
  canBrowse: (issueId: number) => boolean;
}

/** Adds one worklog's seconds to a sum. */
function add(sum: PullRequestSeconds, worklog: TimedWorklog, whileOpen: boolean): void {
  sum.seconds += worklog.timeSpentSeconds;
  if (whileOpen) sum.secondsWhileOpen += worklog.timeSpentSeconds;
}

/** Adds one worklog to its author's entry in `byAccount`. */
function addForAccount(byAccount: Map<string | null, AccountPullRequestTime>, worklog: TimedWorklog, whileOpen: boolean): void {
  let entry = byAccount.get(worklog.accountId);
  if (!entry) {
    entry = { accountId: worklog.accountId, seconds: 0, secondsWhileOpen: 0 };
    byAccount.set(worklog.accountId, entry);
  }
  add(entry, worklog, whileOpen);
}

/** Rejects an interval that is not one: a programming error at the caller, not a user's. */
function checkInterval({ openedAtMs, closedAtMs }: PullRequestOpenInterval): void {
  if (!Number.isFinite(openedAtMs)) throw new RangeError(`openedAtMs must be a finite epoch-ms instant, got ${openedAtMs}`);
  if (closedAtMs !== undefined && !(closedAtMs >= openedAtMs)) throw new RangeError('closedAtMs must not be before openedAtMs');
}

/**
 * The pull-request panel's answer (see the module comment for the interval rule). Only worklogs of
 * issues the viewer may browse are read; a hidden issue's entry is built from its key alone, so
 * nothing about its worklogs can leak. One pass over the worklogs; `canBrowse` once per issue.
 * Throws `RangeError` for an interval that ends before it starts.
 */
export function computePullRequestTime(input: PullRequestTimeInput): PullRequestTime {
  checkInterval(input.interval);
  const { openedAtMs, closedAtMs } = input.interval;
  const { issues, browsableIssueIds, unknownKeys } = classifyIssueKeys(input.keys, input.canBrowse);

  const perIssue = new Map<number, { sum: PullRequestSeconds; byAccount: Map<string | null, AccountPullRequestTime> }>();
  for (const issueId of browsableIssueIds) perIssue.set(issueId, { sum: { seconds: 0, secondsWhileOpen: 0 }, byAccount: new Map() });
  const total: PullRequestSeconds = { seconds: 0, secondsWhileOpen: 0 };
  const totalByAccount = new Map<string | null, AccountPullRequestTime>();

  for (const worklog of input.worklogs) {
    const issue = perIssue.get(worklog.clientIssueId);
    if (!issue) continue;
    const whileOpen = worklog.startedMs >= openedAtMs && (closedAtMs === undefined || worklog.startedMs < closedAtMs);
    add(issue.sum, worklog, whileOpen);
    addForAccount(issue.byAccount, worklog, whileOpen);
    add(total, worklog, whileOpen);
    addForAccount(totalByAccount, worklog, whileOpen);
  }

  return {
    issues: issues.map((issue) => {
      if (!issue.visible) return { key: issue.key, visible: false };
      const { sum, byAccount } = perIssue.get(issue.issueId)!;
      return { ...issue, ...sum, byAccount: sortByAccountTime([...byAccount.values()]) };
    }),
    unknownKeys,
    total: { ...total, byAccount: sortByAccountTime([...totalByAccount.values()]) },
  };
}
