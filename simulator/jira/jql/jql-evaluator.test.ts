import { beforeEach, describe, expect, it } from 'vitest';
import { compileJqlText } from './jql-evaluator.js';
import { JqlError } from './jql-ast.js';
import { JiraSite, type SimUser } from '../jira-site.js';
import { createSimClock } from '../../sim-clock.js';

const NOW = Date.UTC(2024, 2, 10, 12, 0);
let site: JiraSite;
let ann: SimUser;
let bob: SimUser;

const user = (accountId: string, extra: Partial<SimUser> = {}): SimUser => ({
  accountId,
  displayName: accountId,
  active: true,
  timeZone: 'UTC',
  accountType: 'atlassian',
  groups: [],
  ...extra,
});

beforeEach(() => {
  site = new JiraSite(createSimClock('manual', NOW), 'https://sim.example', 'Europe/Berlin');
  ann = site.addUser(user('ann'));
  bob = site.addUser(user('bob'));
  site.addProject({ id: '1', key: 'WEB', name: 'Website' });
  site.addProject({ id: '2', key: 'OPS', name: 'Ops', browsers: ['ann'] });
  site.addIssue({ id: 100, key: 'WEB-1', projectId: '1', summary: 'Checkout epic', issueType: 'Epic', timeTrackingEnabled: true });
  site.addIssue({ id: 101, key: 'WEB-2', projectId: '1', summary: 'Fix invoice export', issueType: 'Bug', parentId: 100, timeTrackingEnabled: true });
  site.addIssue({ id: 102, key: 'WEB-10', projectId: '1', summary: 'Invoices in PDF', issueType: 'Story', parentId: 100, timeTrackingEnabled: true });
  site.addIssue({ id: 200, key: 'OPS-1', projectId: '2', summary: 'Rotate keys', issueType: 'Task', timeTrackingEnabled: true });
  const log = (issueId: number, authorId: string, startedMs: number, restricted = false) =>
    site.importWorklog({
      issueId,
      authorId,
      updateAuthorId: authorId,
      comment: undefined,
      startedMs,
      timeSpentSeconds: 60,
      createdMs: startedMs,
      updatedMs: startedMs,
      properties: [],
      ...(restricted ? { visibility: { type: 'group' as const, value: 'hr' } } : {}),
    });
  log(101, 'ann', Date.UTC(2024, 0, 31, 23, 30)); // 1 Feb 00:30 in Berlin
  log(102, 'bob', Date.UTC(2024, 1, 15, 9, 0));
  log(200, 'ann', Date.UTC(2024, 1, 20, 9, 0));
  log(100, 'bob', Date.UTC(2024, 2, 8, 9, 0), true);
});

const keys = (jql: string, viewer: SimUser = ann): string[] => {
  const compiled = compileJqlText(jql, { site, viewer });
  return [...site.issues.values()].filter((i) => site.canBrowseIssue(i, viewer) && compiled.matches(i)).sort(compiled.compare).map((i) => i.key);
};

describe('compileJql', () => {
  it('filters by project, key, id, parent and issue type', () => {
    expect(keys('project = web ORDER BY key')).toEqual(['WEB-1', 'WEB-2', 'WEB-10']);
    expect(keys('key in (WEB-2, 200) ORDER BY id')).toEqual(['WEB-2', 'OPS-1']);
    expect(keys('parent = WEB-1 ORDER BY key DESC')).toEqual(['WEB-10', 'WEB-2']);
    expect(keys('parent != WEB-1')).toEqual([]);
    expect(keys('issuetype in (Epic, task) ORDER BY key')).toEqual(['OPS-1', 'WEB-1']);
    expect(keys('project = WEB AND NOT issuetype = Epic ORDER BY key')).toEqual(['WEB-2', 'WEB-10']);
  });

  it('pages by id ranges, numerically; a bound no issue has is refused unless the site is set to allow it', () => {
    expect(keys('id > 101 ORDER BY id')).toEqual(['WEB-10', 'OPS-1']);
    expect(keys('id >= 101 AND id < 200 ORDER BY id')).toEqual(['WEB-2', 'WEB-10']);
    expect(keys('id <= 100 ORDER BY id')).toEqual(['WEB-1']);
    expect(keys('worklogDate < "2024-02-16" AND id > 101 ORDER BY id')).toEqual(['WEB-10']);
    expect(() => keys('id > WEB-1')).toThrow(JqlError);
    expect(() => keys('id > 150')).toThrow(/An issue with key '150' does not exist/);
    (site.behaviour as { jqlIdRangeNeedsIssue: boolean }).jqlIdRangeNeedsIssue = false;
    expect(keys('worklogDate < "2024-02-21" AND id > 150 ORDER BY id')).toEqual(['OPS-1']);
  });

  it('orders keys numerically and defaults to newest first', () => {
    expect(keys('project = WEB')).toEqual(['WEB-10', 'WEB-2', 'WEB-1']);
  });

  it('matches summary words and prefixes case-insensitively', () => {
    expect(keys('summary ~ "invoice"')).toEqual(['WEB-2']);
    expect(keys('summary ~ "invoice*" ORDER BY key')).toEqual(['WEB-2', 'WEB-10']);
    expect(keys('summary !~ invoice* AND project = WEB')).toEqual(['WEB-1']);
  });

  it('compares worklog dates in the site time zone', () => {
    expect(keys('worklogDate = "2024-02-01"')).toEqual(['WEB-2']);
    expect(keys('worklogDate = "2024/01/31"')).toEqual([]);
    expect(keys('worklogDate >= 2024-02-15 AND worklogDate <= "2024-02-15 18:00" ORDER BY key')).toEqual(['WEB-10']);
    expect(keys('worklogDate > "2024-02-15" ORDER BY key')).toEqual(['OPS-1']);
    expect(keys('worklogDate >= -30d ORDER BY key')).toEqual(['OPS-1', 'WEB-10']);
  });

  it('matches worklog authors, currentUser() and negations among visible worklogs', () => {
    expect(keys('worklogAuthor = ann ORDER BY key')).toEqual(['OPS-1', 'WEB-2']);
    expect(keys('worklogAuthor = currentUser() ORDER BY key', bob)).toEqual(['WEB-10']);
    expect(keys('worklogAuthor not in (ann) ORDER BY key')).toEqual(['WEB-10']);
    // The restricted worklog on WEB-1 counts only for a viewer who may see it.
    expect(keys('worklogAuthor = bob ORDER BY key', user('root', { siteAdmin: true }))).toEqual(['WEB-1', 'WEB-10']);
  });

  it('rejects values Jira would reject, including projects and issues the viewer cannot see', () => {
    const fails = (jql: string, viewer: SimUser = ann) => () => compileJqlText(jql, { site, viewer });
    expect(fails('project = NOPE')).toThrow("The value 'NOPE' does not exist for the field 'project'.");
    expect(fails('project = OPS', bob)).toThrow(JqlError);
    expect(fails('key = OPS-1', bob)).toThrow("An issue with key 'OPS-1' does not exist for field 'key'.");
    expect(fails('issuetype = Initiative')).toThrow("The value 'Initiative' does not exist for the field 'issuetype'.");
    expect(fails('worklogAuthor = ghost')).toThrow(JqlError);
    expect(fails('worklogDate > "2024-02-30"')).toThrow(/Date value '2024-02-30' for field 'worklogDate' is invalid/);
    expect(fails('project = membersOf()')).toThrow("Unable to find JQL function 'membersOf()'.");
  });

  it('marks a query without restriction as unbounded', () => {
    expect(compileJqlText('ORDER BY key', { site, viewer: ann }).bounded).toBe(false);
    expect(compileJqlText('project = WEB', { site, viewer: ann }).bounded).toBe(true);
  });
});
