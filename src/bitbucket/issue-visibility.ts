/**
 * Which of the issue keys found in Bitbucket text the viewer may see time on. Shared by the
 * pull-request panel and the repository page, so both apply one rule: time is shown only on issues
 * Jira lets the viewer browse; other issues are named by their key and nothing else.
 */
import type { WorklogRow } from '../store/worklog-row.js';

/** A key found in Bitbucket text, resolved on the linked Jira site; `issueId` undefined: no such issue there. */
export interface IssueKeyResolution {
  key: string;
  issueId: number | undefined;
}

/** The fields of a stored worklog these sums read; `WorklogRow`s as the store returns them fit. */
export type TimedWorklog = Pick<WorklogRow, 'clientIssueId' | 'accountId' | 'startedMs' | 'timeSpentSeconds'>;

/** An issue the viewer may not browse: its key only. No id, time, count or author — nothing from its worklogs. */
export interface HiddenIssue {
  key: string;
  visible: false;
}

/** An issue the viewer may browse, before its time is added. */
export interface BrowsableIssue {
  /** The first of its keys in the order given. */
  key: string;
  /** Further keys naming the same issue (an issue moved between projects keeps its old key), in order. */
  otherKeys: string[];
  issueId: number;
  visible: true;
}

/** The keys sorted by what the viewer may see, each list in the order the keys were given. */
export interface IssueKeyVisibility {
  /** Browsable and hidden issues in key order; a browsable issue appears once however many keys name it. */
  issues: (BrowsableIssue | HiddenIssue)[];
  /** Ids of the browsable issues: only their worklogs may be read. */
  browsableIssueIds: ReadonlySet<number>;
  /** Keys with no issue on the linked site, de-duplicated, in order. */
  unknownKeys: string[];
}

/**
 * Sorts resolved keys into browsable, hidden and unknown. `canBrowse` (Jira's live answer for the
 * viewer) is asked once per distinct issue id. Repeated keys count once. Keys of one hidden issue
 * stay separate entries: merging them would tell the viewer that two keys name one hidden issue.
 */
export function classifyIssueKeys(keys: readonly IssueKeyResolution[], canBrowse: (issueId: number) => boolean): IssueKeyVisibility {
  const issues: (BrowsableIssue | HiddenIssue)[] = [];
  const unknownKeys: string[] = [];
  const seenKeys = new Set<string>();
  const decisions = new Map<number, BrowsableIssue | false>();
  for (const { key, issueId } of keys) {
    if (seenKeys.has(key)) continue;
    seenKeys.add(key);
    if (issueId === undefined) {
      unknownKeys.push(key);
      continue;
    }
    let decision = decisions.get(issueId);
    if (decision === undefined) {
      decision = canBrowse(issueId) ? { key, otherKeys: [], issueId, visible: true } : false;
      decisions.set(issueId, decision);
      if (decision) {
        issues.push(decision);
        continue;
      }
    } else if (decision) {
      decision.otherKeys.push(key);
      continue;
    }
    issues.push({ key, visible: false });
  }
  const browsableIssueIds = new Set<number>();
  for (const [issueId, decision] of decisions) if (decision) browsableIssueIds.add(issueId);
  return { issues, browsableIssueIds, unknownKeys };
}

/**
 * Per-author entries sorted for display: most seconds first, then by account id, the worklogs
 * without an author (`accountId` null: a deleted or anonymised user) last among equals.
 */
export function sortByAccountTime<T extends { accountId: string | null; seconds: number }>(entries: T[]): T[] {
  return entries.sort((a, b) => {
    if (a.seconds !== b.seconds) return b.seconds - a.seconds;
    if (a.accountId === b.accountId) return 0;
    if (a.accountId === null) return 1;
    if (b.accountId === null) return -1;
    return a.accountId < b.accountId ? -1 : 1;
  });
}
