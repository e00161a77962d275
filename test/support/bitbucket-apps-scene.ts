/**
 * TEST FIXTURE: the people, issues, pull requests and expected answers of the Bitbucket
 * end-to-end suites (test/e2e/bitbucket-apps*.test.ts). Every expected number is computed here
 * from the Jira simulator's own worklogs — never by Tally's code.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { SimIssue, SimUser, SimWorklog } from '../../simulator/jira/jira-site.js';
import { bracedUuid, type BbUser } from '../../simulator/bitbucket/bitbucket-model.js';
import { createPullRequestMentioning, type PullRequestMentioning } from '../../simulator/bitbucket/testing/pull-request-mentioning.js';
import type { BitbucketAppsTestbed } from './bitbucket-apps-testbed.js';

/** Who and what the pull requests are about. */
export interface BitbucketScene {
  /** A Jira site admin (creates pairing codes, unlinks from Jira). */
  admin: SimUser;
  /** The Jira user who looks at the panel from Bitbucket (same Atlassian account id there). */
  viewer: SimUser;
  /** `a` and `b`: in a project the viewer may browse; `c`: in one they may not. */
  issues: { a: SimIssue; b: SimIssue; c: SimIssue };
  /** The worklogs Tally's sync could see (the app user's view), after the sync finished. */
  synced: SimWorklog[];
  /** Account ids that logged time on `c` and on neither `a` nor `b`: the panel must never name them. */
  hiddenOnlyAuthors: string[];
}

/**
 * Picks the scene from the synced Jira site and restricts the hidden issue's project to someone
 * else. Throws when the generated site offers no such issues (a seed change would show here).
 */
export function chooseScene(bed: BitbucketAppsTestbed): BitbucketScene {
  const { site } = bed.jira;
  const app = site.findApp(bed.config.appKey);
  const appUser = app && site.users.get(app.appUserAccountId);
  if (!appUser) throw new Error('Tally is not installed on the Jira site');
  const synced = [...site.worklogs.values()].filter((worklog) => site.canSeeWorklog(worklog, appUser));
  const people = [...site.users.values()].filter((user) => user.accountType === 'atlassian' && user.active);
  const admin = people.find((user) => user.siteAdmin);
  const [viewer, other] = people.filter((user) => !user.siteAdmin);
  if (!admin || !viewer || !other) throw new Error('the generated site lacks an admin and two other users');

  const byIssue = (issue: SimIssue) => synced.filter((worklog) => worklog.issueId === issue.id);
  const [open, restricted] = [...site.projects.values()];
  if (!open || !restricted) throw new Error('the generated site has fewer than two projects');
  restricted.browsers = [other.accountId];
  const [a, b] = [...site.issues.values()].filter((issue) => issue.projectId === open.id && byIssue(issue).length >= 3);
  if (!a || !b) throw new Error('no two issues with worklogs in the first project');
  const seen = new Set([...byIssue(a), ...byIssue(b)].map((worklog) => worklog.authorId));
  // Generated names repeat: an author of its own is one whose name nobody shown has either.
  const nameOf = (accountId: string) => site.users.get(accountId)?.displayName;
  const shownNames = new Set([...seen, viewer.accountId].map(nameOf));
  const onlyOnC = (issue: SimIssue) => [...new Set(byIssue(issue).map((worklog) => worklog.authorId))].filter((id) => !seen.has(id) && id !== viewer.accountId && !shownNames.has(nameOf(id)));
  const c = [...site.issues.values()].find((issue) => issue.projectId === restricted.id && onlyOnC(issue).length > 0);
  if (!c) throw new Error('no issue in the second project with an author of its own');
  if (!site.canBrowseIssue(a, viewer) || !site.canBrowseIssue(b, viewer) || site.canBrowseIssue(c, viewer)) throw new Error('the browse permissions are not as the scene needs');
  return { admin, viewer, issues: { a, b, c }, synced, hiddenOnlyAuthors: onlyOnC(c) };
}

/**
 * A Bitbucket user who installs an app, with an e-mail address of their own (a canary: the
 * installer's e-mail rides on the Connect install payload, and must end up nowhere in Tally).
 */
export function addInstaller(bed: BitbucketAppsTestbed, workspace: string, name: string): BbUser {
  const nickname = `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${randomBytes(3).toString('hex')}`;
  const user = bed.bb.model.addUser({ uuid: bracedUuid(randomBytes(16).toString('hex')), accountId: `557058:${randomUUID()}`, displayName: name, nickname, email: `canary-${randomBytes(8).toString('hex')}@mail.example` });
  bed.bb.model.getWorkspace(workspace).memberUuids.add(user.uuid);
  return user;
}

/**
 * A pull request in `workspace` whose branch names `a`, whose title names `b` and whose commit
 * names `c`, authored by the scene's viewer as a Bitbucket user with the viewer's Jira account id.
 */
export function pullRequestMentioningScene(bed: BitbucketAppsTestbed, scene: BitbucketScene, input: { workspace: string; repository: string; openedAtMs: number; closedAtMs?: number }): PullRequestMentioning {
  const { a, b, c } = scene.issues;
  return createPullRequestMentioning(bed.bb, {
    workspace: input.workspace,
    repository: input.repository,
    branchKeys: [a.key],
    titleKeys: [b.key],
    commitKeys: [[c.key]],
    author: { accountId: scene.viewer.accountId, displayName: scene.viewer.displayName },
    openedAtMs: input.openedAtMs,
    ...(input.closedAtMs === undefined ? {} : { closedAtMs: input.closedAtMs }),
  });
}

/** [seconds, seconds while open] */
export type SecondsPair = [number, number];

/** What the panel must show, summed from the simulator's worklogs. */
export interface ExpectedPanel {
  /** By issue key. */
  issues: Record<string, SecondsPair>;
  total: SecondsPair;
  /** By account id. */
  people: Record<string, SecondsPair>;
}

/**
 * The panel's numbers for the visible issues over [openedAtMs, closedAtMs) — closedAtMs undefined
 * for a pull request still open — computed independently of Tally.
 */
export function expectedPanel(worklogs: readonly SimWorklog[], visible: readonly SimIssue[], openedAtMs: number, closedAtMs: number | undefined): ExpectedPanel {
  const whileOpen = (worklog: SimWorklog) => worklog.startedMs >= openedAtMs && (closedAtMs === undefined || worklog.startedMs < closedAtMs);
  const add = (into: Record<string, SecondsPair>, key: string, worklog: SimWorklog) => {
    const entry = (into[key] ??= [0, 0]);
    entry[0] += worklog.timeSpentSeconds;
    if (whileOpen(worklog)) entry[1] += worklog.timeSpentSeconds;
  };
  const expected: ExpectedPanel = { issues: {}, total: [0, 0], people: {} };
  const totals: Record<string, SecondsPair> = {};
  for (const issue of visible) {
    expected.issues[issue.key] = [0, 0];
    for (const worklog of worklogs.filter((w) => w.issueId === issue.id)) {
      add(expected.issues, issue.key, worklog);
      add(expected.people, worklog.authorId, worklog);
      add(totals, 'total', worklog);
    }
  }
  expected.total = totals.total ?? [0, 0];
  return expected;
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
const textOf = (markup: string) => markup.replace(/<[^>]+>/g, '').replace(/&(amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity] ?? entity).trim();

/**
 * The `data-seconds` cells of one table of a Connect page, by row: an issue row by the text of
 * its link (the key), any other row by its header text (a person's name, `Total`).
 */
export function tableSeconds(page: string, caption: string): Record<string, SecondsPair> {
  const table = new RegExp(`<caption>${caption}</caption>([\\s\\S]*?)</table>`).exec(page)?.[1] ?? '';
  const rows: Record<string, SecondsPair> = {};
  for (const [, header, cells] of table.matchAll(/<tr><th scope="row">([\s\S]*?)<\/th>([\s\S]*?)<\/tr>/g)) {
    const link = /<a [^>]*>([\s\S]*?)<\/a>/.exec(header as string)?.[1];
    const seconds = [...(cells as string).matchAll(/data-seconds="(\d+)"/g)].map((match) => Number(match[1]));
    rows[textOf(link ?? (header as string))] = seconds as SecondsPair;
  }
  return rows;
}

/** The hidden-field value of `name` in the first form of a page (Tally's session token). */
export function formField(page: string, name: string): string {
  const value = new RegExp(`name="${name}" value="([^"]+)"`).exec(page)?.[1];
  if (value === undefined) throw new Error(`the page has no form field ${name}`);
  return value;
}

/** Every `needle` that occurs in `haystack` (for "none of these anywhere" assertions with a readable failure). */
export function occurring(haystack: string, needles: readonly string[]): string[] {
  return needles.filter((needle) => needle.length > 0 && haystack.includes(needle));
}
