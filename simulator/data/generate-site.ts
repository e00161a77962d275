import { createRandom, type Random } from '../random.js';
import { textToAdf, type AdfDoc, type AdfNode } from '../jira/adf.js';
import type { JiraSite, SimIssue, SimUser, SimVisibility } from '../jira/jira-site.js';
import { COMMENT_LINES, FIRST_NAMES, ISSUE_WORDS, LAST_NAMES, PROJECT_NAMES, TIME_ZONES } from './vocabulary.js';

/** What to generate. Every field has a default; the same options and seed give the same site. */
export interface GenerateOptions {
  seed: number | string;
  worklogs: number;
  users: number;
  issues: number;
  projects: number;
  years: number;
  /** History ends this long before the site clock's now (default 2 hours). */
  endAgoMs: number;
  /** Share of worklogs edited after creation (their `updated` moves later). */
  editedShare: number;
  /** Share of worklogs deleted after creation (they appear in `/worklog/deleted`). */
  deletedShare: number;
  /** Share of worklogs restricted to a group the app user is not in. */
  restrictedShare: number;
  /** Share of users that were deleted (Jira shows them as inactive "Former user"). */
  deletedUserShare: number;
  /** Share of worklogs with no comment at all. */
  emptyCommentShare: number;
  /** Share of worklogs with a long, rich ADF comment. */
  longCommentShare: number;
  /**
   * Worklogs created by one bulk operation at a single millisecond (an import). More than the
   * page size here makes `/worklog/updated` unable to advance by `since` alone.
   */
  sameInstantBatch: number;
  /**
   * How long an issue takes worklogs, in days: each issue is worked on for this long from a
   * moment spread over the history, and a worklog goes to one of the issues at work when it was
   * created, as on a real site where an issue lives for a sprint or two. 0 (the default): every
   * issue takes worklogs over the whole history, so each recent issue also holds old worklogs.
   */
  issueActiveDays: number;
}

export const defaultGenerateOptions: GenerateOptions = {
  seed: 1,
  worklogs: 1000,
  users: 50,
  issues: 500,
  projects: 5,
  years: 2,
  endAgoMs: 2 * 3600_000,
  editedShare: 0.1,
  deletedShare: 0.03,
  restrictedShare: 0.02,
  deletedUserShare: 0.05,
  emptyCommentShare: 0.2,
  longCommentShare: 0.02,
  sameInstantBatch: 0,
  issueActiveDays: 0,
};

/** The group restricted worklogs are visible to; the generated app user is not in it. */
export const RESTRICTED_GROUP = 'hr-confidential';
export const APP_VISIBLE_GROUPS = ['jira-software-users', 'atlassian-addons-project-access'];

/** Summary of what was generated, for tests and benches. */
export interface GeneratedSite {
  options: GenerateOptions;
  users: SimUser[];
  admin: SimUser;
  /** Email and API token of the admin, for HTTP Basic authentication. */
  adminCredentials: { email: string; apiToken: string };
  createdWorklogs: number;
  deletedWorklogs: number;
  startMs: number;
  endMs: number;
}

function accountIdFor(random: Random, index: number): string {
  // Jira Cloud has two account id shapes: the 24-hex form and the older `557058:<uuid>` form.
  if (index % 7 === 3) {
    return `557058:${random.hex(8)}-${random.hex(4)}-${random.hex(4)}-${random.hex(4)}-${random.hex(12)}`;
  }
  return random.hex(24);
}

function makeUsers(site: JiraSite, random: Random, count: number, deletedShare: number): SimUser[] {
  const users: SimUser[] = [];
  for (let i = 0; i < count; i++) {
    const deleted = i > 0 && random.chance(deletedShare);
    const first = random.pick(FIRST_NAMES);
    const last = random.pick(LAST_NAMES);
    const groups = ['jira-software-users'];
    if (random.chance(0.5)) groups.push('jira-developers');
    if (random.chance(0.1)) groups.push(RESTRICTED_GROUP);
    users.push(
      site.addUser({
        accountId: accountIdFor(random, i),
        displayName: deleted ? 'Former user' : `${first} ${last}`,
        emailAddress: `user${i}@example.com`,
        active: !deleted,
        timeZone: random.pick(TIME_ZONES),
        accountType: 'atlassian',
        groups,
      }),
    );
  }
  return users;
}

function makeIssues(site: JiraSite, random: Random, options: GenerateOptions): SimIssue[] {
  const projects = [];
  for (let p = 0; p < options.projects; p++) {
    const [key, name] = PROJECT_NAMES[p % PROJECT_NAMES.length] as readonly [string, string];
    const suffix = p >= PROJECT_NAMES.length ? String(Math.floor(p / PROJECT_NAMES.length)) : '';
    projects.push(site.addProject({ id: String(10_000 + p), key: `${key}${suffix ? `X${suffix}` : ''}`, name: `${name}${suffix}` }));
  }
  const counters = new Map<string, number>();
  const issues: SimIssue[] = [];
  const epicsByProject = new Map<string, SimIssue[]>();
  for (let i = 0; i < options.issues; i++) {
    const project = projects[i % projects.length] as (typeof projects)[number];
    const n = (counters.get(project.id) ?? 0) + 1;
    counters.set(project.id, n);
    const epics = epicsByProject.get(project.id) ?? [];
    const isEpic = epics.length === 0 || random.chance(0.05);
    const issueType: SimIssue['issueType'] = isEpic ? 'Epic' : random.pick(['Story', 'Task', 'Bug', 'Subtask'] as const);
    let parentId: number | undefined;
    if (issueType === 'Subtask') {
      const candidates = issues.filter((x) => x.projectId === project.id && x.issueType === 'Story');
      parentId = candidates.length > 0 ? random.pick(candidates).id : undefined;
    } else if (!isEpic && random.chance(0.7)) {
      parentId = random.pick(epics).id;
    }
    const issue = site.addIssue({
      key: `${project.key}-${n}`,
      projectId: project.id,
      summary: `${random.pick(ISSUE_WORDS)} ${random.pick(ISSUE_WORDS).toLowerCase()}`,
      issueType: issueType === 'Subtask' && parentId === undefined ? 'Task' : issueType,
      ...(parentId === undefined ? {} : { parentId }),
      timeTrackingEnabled: true,
    });
    if (isEpic) epicsByProject.set(project.id, [...epics, issue]);
    issues.push(issue);
  }
  return issues;
}

function longComment(random: Random): AdfDoc {
  const paragraphs: AdfNode[] = [];
  const count = random.int(5, 40);
  for (let i = 0; i < count; i++) {
    paragraphs.push({
      type: 'paragraph',
      content: [
        { type: 'text', text: random.pick(COMMENT_LINES), marks: random.chance(0.3) ? [{ type: 'strong' }] : [] },
        { type: 'hardBreak' },
        { type: 'emoji', attrs: { shortName: ':tada:', text: '🎉' } },
      ],
    });
  }
  paragraphs.push({
    type: 'bulletList',
    content: [1, 2, 3].map((n) => ({
      type: 'listItem',
      content: [{ type: 'paragraph', content: [{ type: 'text', text: `Step ${n}: ${random.pick(COMMENT_LINES)}` }] }],
    })),
  });
  return { type: 'doc', version: 1, content: paragraphs };
}

/**
 * Chooses the issue a worklog created at a moment goes to. With `activeDays`, issue i is at work
 * from its own start (uniform over the history, from `activeDays` before it, so every moment has
 * about as many issues at work) for `activeDays`; a moment with none at work takes the issue
 * whose work started last before it. One draw per worklog either way.
 */
function issuePicker(random: Random, issues: SimIssue[], startMs: number, endMs: number, activeDays: number): (createdMs: number) => SimIssue {
  if (!(activeDays > 0)) return () => random.pick(issues);
  const activeMs = activeDays * 86_400_000;
  const byStart = issues.map((issue) => ({ issue, fromMs: startMs - activeMs + random.next() * (endMs - startMs + activeMs) })).sort((a, b) => a.fromMs - b.fromMs);
  /** The first index whose work starts after `ms`. */
  const firstAfter = (ms: number) => {
    let lo = 0;
    let hi = byStart.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (byStart[mid]!.fromMs <= ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return (createdMs) => {
    const end = firstAfter(createdMs);
    const begin = firstAfter(createdMs - activeMs);
    const draw = random.next();
    if (begin >= end) return byStart[Math.max(0, end - 1)]!.issue;
    return byStart[begin + Math.floor(draw * (end - begin))]!.issue;
  };
}

/**
 * Fills `site` with a deterministic history of users, projects, issues and worklogs, including
 * edits, deletions, restricted worklogs and deleted users. History ends `endAgoMs` before the
 * site clock's now, so all of it is visible through the feeds.
 */
export function generateSite(site: JiraSite, overrides: Partial<GenerateOptions> = {}): GeneratedSite {
  const options = { ...defaultGenerateOptions, ...overrides };
  const random = createRandom(options.seed);
  const endMs = site.clock.now() - options.endAgoMs;
  const startMs = endMs - options.years * 365 * 86_400_000;

  const users = makeUsers(site, random, Math.max(1, options.users), options.deletedUserShare);
  const adminCredentials = { email: 'admin@example.com', apiToken: `sim-token-${random.hex(24)}` };
  const admin = site.addUser({
    accountId: random.hex(24),
    displayName: 'Site Admin',
    emailAddress: adminCredentials.email,
    active: true,
    timeZone: 'Europe/Berlin',
    accountType: 'atlassian',
    groups: ['jira-software-users', 'jira-administrators', 'site-admins', RESTRICTED_GROUP],
    siteAdmin: true,
    apiTokens: [adminCredentials.apiToken],
  });
  const issues = makeIssues(site, random, options);
  const pickIssue = issuePicker(random, issues, startMs, endMs, options.issueActiveDays);
  const commentCache = new Map<string, AdfDoc>();
  const restrictedVisibility: SimVisibility = { type: 'group', value: RESTRICTED_GROUP, identifier: 'c0ffee00-0000-4000-8000-000000000001' };

  const span = endMs - startMs;
  const batchStart = options.sameInstantBatch > 0 ? options.worklogs - options.sameInstantBatch : Infinity;
  const batchInstant = startMs + Math.floor(span * 0.5);
  let deleted = 0;
  for (let i = 0; i < options.worklogs; i++) {
    const inBatch = i >= batchStart;
    // Ids rise with creation time, as in a real instance; a batch shares one instant.
    const createdMs = inBatch ? batchInstant : startMs + Math.floor((span * i) / Math.max(1, options.worklogs));
    const startedMs = Math.floor((createdMs - random.int(0, 7 * 86_400) * 1000) / 60_000) * 60_000;
    const author = random.pick(users);
    const seconds = random.chance(0.03) ? random.int(1, 59) * 60 : random.int(1, 32) * 900 * (random.chance(0.8) ? 1 : 0.5);
    let comment: AdfDoc | undefined;
    if (random.chance(options.emptyCommentShare)) comment = undefined;
    else if (random.chance(options.longCommentShare)) comment = longComment(random);
    else {
      const text = random.pick(COMMENT_LINES);
      comment = commentCache.get(text) ?? textToAdf(text);
      commentCache.set(text, comment);
    }
    const edited = !inBatch && random.chance(options.editedShare);
    // Edits and deletions land at a random moment between the change they follow and the end of
    // history. Clamping a later moment to `endMs` instead would pile thousands of changes onto one
    // millisecond at a million worklogs — a bulk import by accident (see `sameInstantBatch`).
    const laterThan = (fromMs: number, maxDelaySeconds: number) =>
      fromMs + Math.floor(random.next() * Math.max(0, Math.min(maxDelaySeconds * 1000, endMs - fromMs)));
    const updatedMs = edited ? laterThan(createdMs, 30 * 86_400) : createdMs;
    const worklog = site.importWorklog({
      issueId: pickIssue(createdMs).id,
      authorId: author.accountId,
      updateAuthorId: edited ? random.pick(users).accountId : author.accountId,
      comment,
      startedMs,
      timeSpentSeconds: Math.max(60, Math.round(seconds)),
      createdMs,
      updatedMs,
      ...(random.chance(options.restrictedShare) ? { visibility: restrictedVisibility } : {}),
      properties: [],
    });
    if (!inBatch && random.chance(options.deletedShare)) {
      site.importDeletion(worklog.id, laterThan(updatedMs, 60 * 86_400) + 1);
      deleted++;
    }
  }
  return {
    options,
    users,
    admin,
    adminCredentials,
    createdWorklogs: options.worklogs,
    deletedWorklogs: deleted,
    startMs,
    endMs,
  };
}
