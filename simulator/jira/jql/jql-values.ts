import { JqlError, type JqlClause, type JqlValue } from './jql-ast.js';
import { offsetMinutesAt } from '../jira-date.js';
import type { JiraSite, SimIssue, SimProject, SimUser } from '../jira-site.js';

/** What a clause's values are resolved against: the site, the searching user, the current time. */
export interface JqlContext {
  site: JiraSite;
  viewer: SimUser;
}

const ISSUE_TYPES: Record<string, SimIssue['issueType']> = {
  epic: 'Epic',
  story: 'Story',
  task: 'Task',
  bug: 'Bug',
  subtask: 'Subtask',
  'sub-task': 'Subtask',
};

/**
 * Whether `viewer` may browse `project`; mirrors `JiraSite.canBrowseIssue`, which decides per
 * issue from the same project field.
 */
export function canBrowseProject(project: SimProject, viewer: SimUser): boolean {
  if (viewer.withheldPermissions?.includes('BROWSE_PROJECTS')) return false;
  if (viewer.siteAdmin || viewer.accountType === 'app') return true;
  return !project.browsers || project.browsers.includes(viewer.accountId);
}

function textOf(value: JqlValue, clause: JqlClause, ctx: JqlContext): string {
  if (value.kind === 'text') return value.text;
  if (clause.field === 'worklogAuthor' && value.name.toLowerCase() === 'currentuser') return ctx.viewer.accountId;
  throw new JqlError(`Unable to find JQL function '${value.name}()'.`);
}

/** Project ids named by the clause (key or id); unknown or invisible projects fail the query, as in Jira. */
export function resolveProjects(clause: JqlClause, ctx: JqlContext): Set<string> {
  const ids = new Set<string>();
  for (const value of clause.values) {
    const text = textOf(value, clause, ctx);
    const upper = text.toUpperCase();
    const project = [...ctx.site.projects.values()].find((p) => p.id === text || p.key === upper);
    if (!project || !canBrowseProject(project, ctx.viewer)) {
      throw new JqlError(`The value '${text}' does not exist for the field '${clause.fieldText}'.`);
    }
    ids.add(project.id);
  }
  return ids;
}

/**
 * Issue ids named by a `key`, `id` or `parent` clause. Jira rejects the whole query when one
 * named issue does not exist or cannot be seen, rather than matching nothing for it.
 */
export function resolveIssues(clause: JqlClause, ctx: JqlContext): Set<number> {
  const ids = new Set<number>();
  for (const value of clause.values) {
    const text = textOf(value, clause, ctx);
    const issue = ctx.site.findIssue(text);
    if (!issue || !ctx.site.canBrowseIssue(issue, ctx.viewer)) {
      throw new JqlError(`An issue with key '${text}' does not exist for field '${clause.fieldText}'.`);
    }
    ids.add(issue.id);
  }
  return ids;
}

/** Issue type names (case-insensitive, `Sub-task` accepted). */
export function resolveIssueTypes(clause: JqlClause, ctx: JqlContext): Set<SimIssue['issueType']> {
  const types = new Set<SimIssue['issueType']>();
  for (const value of clause.values) {
    const text = textOf(value, clause, ctx);
    const type = ISSUE_TYPES[text.toLowerCase()];
    if (!type) throw new JqlError(`The value '${text}' does not exist for the field '${clause.fieldText}'.`);
    types.add(type);
  }
  return types;
}

/** Account ids of a `worklogAuthor` clause; `currentUser()` is the searching user. */
export function resolveAccounts(clause: JqlClause, ctx: JqlContext): Set<string> {
  const ids = new Set<string>();
  for (const value of clause.values) {
    const text = textOf(value, clause, ctx);
    if (!ctx.site.users.has(text)) throw new JqlError(`The value '${text}' does not exist for the field '${clause.fieldText}'.`);
    ids.add(text);
  }
  return ids;
}

/** The local calendar date (`yyyy-MM-dd`) of an instant in `timeZone`. */
export function localDate(epochMs: number, timeZone: string): string {
  return new Date(epochMs + offsetMinutesAt(timeZone, epochMs) * 60_000).toISOString().slice(0, 10);
}

const PERIOD_UNITS: Record<string, number> = { w: 7 * 86_400_000, d: 86_400_000, h: 3_600_000, m: 60_000 };

/**
 * The date a `worklogDate` value names, as `yyyy-MM-dd` in the site's time zone. Jira compares
 * worklog dates only ("time is ignored"), so a time of day or a period such as `-5d` is reduced
 * to its local date.
 */
export function resolveDate(clause: JqlClause, ctx: JqlContext): string {
  const text = textOf(clause.values[0] as JqlValue, clause, ctx).trim();
  const absolute = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:\s+(\d{1,2}):(\d{2}))?$/.exec(text);
  if (absolute) {
    const [y, mo, d] = [Number(absolute[1]), Number(absolute[2]), Number(absolute[3])];
    const check = new Date(Date.UTC(y, mo - 1, d));
    const hour = absolute[4] === undefined ? 0 : Number(absolute[4]);
    if (check.getUTCMonth() === mo - 1 && check.getUTCDate() === d && hour < 24 && Number(absolute[5] ?? 0) < 60) {
      return check.toISOString().slice(0, 10);
    }
  }
  const period = /^([-+]?)((?:\d+[wdhm]\s*)+)$/.exec(text);
  if (period) {
    let deltaMs = 0;
    for (const part of (period[2] as string).matchAll(/(\d+)([wdhm])/g)) deltaMs += Number(part[1]) * (PERIOD_UNITS[part[2] as string] as number);
    return localDate(ctx.site.clock.now() + (period[1] === '-' ? -deltaMs : deltaMs), ctx.site.timeZone);
  }
  throw new JqlError(
    `Date value '${text}' for field '${clause.fieldText}' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', ` +
      `'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.`,
  );
}
