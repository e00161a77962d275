/**
 * Test data for the Bitbucket product logic: stored worklog rows as the store returns them, and a
 * seeded generator of pull requests' worth of worklogs.
 */
import { createRandom } from '../../simulator/random.js';
import type { WorklogRow } from '../store/worklog-row.js';
import type { PullRequestPanel } from './bitbucket-time-ports.js';

/** Jira's timestamp form, `yyyy-MM-dd'T'HH:mm:ss.SSS±hhmm`, in UTC. */
function jiraTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

let nextWorklogId = 10_000;

/** A stored worklog row; `startedMs` decides `started`, the rest has plausible defaults. */
export function worklogRow(overrides: Partial<WorklogRow> & Pick<WorklogRow, 'clientIssueId' | 'startedMs'>): WorklogRow {
  const startedMs = overrides.startedMs;
  return {
    clientWorklogId: nextWorklogId++,
    accountId: 'acc-ana',
    comment: null,
    created: jiraTimestamp(startedMs),
    updated: jiraTimestamp(startedMs),
    started: jiraTimestamp(startedMs),
    timeSpentSeconds: 3_600,
    updatedMs: startedMs,
    ...overrides,
  };
}

/** Generated worklogs on issue ids 1…issueCount by a few authors (one of them without an account id). */
export function generatedWorklogs(seed: string, count: number, issueCount: number, fromMs: number, spanMs: number): WorklogRow[] {
  const random = createRandom(seed);
  const authors = ['acc-ana', 'acc-bo', 'acc-cy', '712020:f44b-dee', null];
  return Array.from({ length: count }, () =>
    worklogRow({
      clientIssueId: random.int(1, issueCount),
      accountId: random.pick(authors),
      startedMs: fromMs + random.int(0, spanMs),
      timeSpentSeconds: random.pick([60, 900, 1_800, 3_600, 28_800, random.int(1, 100_000)]),
    }),
  );
}

/** A pull-request panel as the time service answers it: one visible issue, ABC-1, with an hour on it by one person. */
export function oneIssuePanel(): PullRequestPanel {
  return {
    pullRequest: { id: 7, title: 'ABC-1 fix', state: 'OPEN', openedAtMs: 0, closedAtMs: null },
    siteUrl: 'https://acme.atlassian.net',
    time: {
      issues: [{ key: 'ABC-1', otherKeys: [], issueId: 10001, visible: true, seconds: 3_600, secondsWhileOpen: 3_600, byAccount: [{ accountId: 'acc-ana', seconds: 3_600, secondsWhileOpen: 3_600 }] }],
      unknownKeys: [],
      total: { seconds: 3_600, secondsWhileOpen: 3_600, byAccount: [{ accountId: 'acc-ana', seconds: 3_600, secondsWhileOpen: 3_600 }] },
    },
    issueDetails: { '10001': { key: 'ABC-1', summary: 'Fix login', url: 'https://acme.atlassian.net/browse/ABC-1' } },
    people: { 'acc-ana': { accountId: 'acc-ana', displayName: 'Ana Lima', avatarUrl: null } },
    viewerMatched: true,
    truncated: false,
  };
}
