import { JqlError, type JqlClause, type JqlExpr, type JqlQuery, type JqlSort } from './jql-ast.js';
import { parseJql } from './jql-parser.js';
import {
  localDate,
  resolveAccounts,
  resolveDate,
  resolveIssues,
  resolveIssueTypes,
  resolveProjects,
  type JqlContext,
} from './jql-values.js';
import type { SimIssue, SimWorklog } from '../jira-site.js';

type Predicate = (issue: SimIssue) => boolean;

/** A query ready to run: a filter and an order. Values were resolved once, at compile time. */
export interface CompiledJql {
  /** False for a query with no restriction (`ORDER BY key` alone), which `/search/jql` refuses. */
  bounded: boolean;
  matches: Predicate;
  compare(a: SimIssue, b: SimIssue): number;
}

const words = (text: string) => text.toLowerCase().split(/[^\p{L}\p{N}*]+/u).filter(Boolean);

/** Jira's `~` is a word search: every query word must occur; a trailing `*` matches a prefix. */
function textMatches(summary: string, query: string): boolean {
  const haystack = words(summary);
  return words(query).every((term) =>
    term.endsWith('*') ? haystack.some((w) => w.startsWith(term.slice(0, -1))) : haystack.includes(term),
  );
}

const DATE_TESTS: Record<string, (date: string, bound: string) => boolean> = {
  '=': (d, b) => d === b,
  '!=': (d, b) => d !== b,
  '>': (d, b) => d > b,
  '>=': (d, b) => d >= b,
  '<': (d, b) => d < b,
  '<=': (d, b) => d <= b,
};

const ID_RANGE_TESTS: Record<string, (id: number, bound: number) => boolean> = {
  '>': (id, b) => id > b,
  '>=': (id, b) => id >= b,
  '<': (id, b) => id < b,
  '<=': (id, b) => id <= b,
};

/**
 * The number an `id` range compares with. Whether Jira refuses a range bound naming no issue is
 * not documented: `jqlIdRangeNeedsIssue` (site-behaviour.ts) decides.
 */
function resolveIdBound(clause: JqlClause, ctx: JqlContext): number {
  const value = clause.values[0];
  const text = value?.kind === 'text' ? value.text : '';
  if (!/^\d{1,15}$/.test(text)) throw new JqlError(`The value '${text}' is not a valid issue id for field '${clause.fieldText}'.`);
  if (ctx.site.behaviour.jqlIdRangeNeedsIssue) resolveIssues(clause, ctx);
  return Number(text);
}

/**
 * Each worklog clause looks at the issue's worklogs on its own — `worklogAuthor = A AND
 * worklogDate >= D` matches an issue with some worklog by A and some (maybe other) worklog on or
 * after D, as Jira does. Only worklogs the viewer may see count.
 */
function compileClause(clause: JqlClause, ctx: JqlContext, worklogsOf: (issue: SimIssue) => SimWorklog[]): Predicate {
  const negated = clause.operator === '!=' || clause.operator === 'not in';
  const member = <T>(set: Set<T>, value: T | undefined) => (value !== undefined && set.has(value)) !== negated;
  switch (clause.field) {
    case 'project': {
      const ids = resolveProjects(clause, ctx);
      return (issue) => member(ids, issue.projectId);
    }
    case 'key':
    case 'id': {
      const range = clause.field === 'id' ? ID_RANGE_TESTS[clause.operator] : undefined;
      if (range) {
        const bound = resolveIdBound(clause, ctx);
        return (issue) => range(issue.id, bound);
      }
      const ids = resolveIssues(clause, ctx);
      return (issue) => member(ids, issue.id);
    }
    case 'parent': {
      const ids = resolveIssues(clause, ctx);
      // `parent != X` leaves out issues without a parent, like every Jira negation of an empty field.
      return (issue) => issue.parentId !== undefined && member(ids, issue.parentId);
    }
    case 'issuetype': {
      const types = resolveIssueTypes(clause, ctx);
      return (issue) => member(types, issue.issueType);
    }
    case 'summary': {
      const query = clause.values[0]?.kind === 'text' ? clause.values[0].text : '';
      return (issue) => textMatches(issue.summary, query) !== (clause.operator === '!~');
    }
    case 'worklogAuthor': {
      const ids = resolveAccounts(clause, ctx);
      if (!negated) return (issue) => worklogsOf(issue).some((w) => ids.has(w.authorId));
      return (issue) => {
        const worklogs = worklogsOf(issue);
        return worklogs.length > 0 && !worklogs.some((w) => ids.has(w.authorId));
      };
    }
    case 'worklogDate': {
      const bound = resolveDate(clause, ctx);
      const test = DATE_TESTS[clause.operator] ?? (() => false);
      const zone = ctx.site.timeZone;
      return (issue) => worklogsOf(issue).some((w) => test(localDate(w.startedMs, zone), bound));
    }
    case 'created':
      return () => false;
  }
}

function compileExpr(expr: JqlExpr, ctx: JqlContext, worklogsOf: (issue: SimIssue) => SimWorklog[]): Predicate {
  if (expr.kind === 'clause') return compileClause(expr, ctx, worklogsOf);
  if (expr.kind === 'not') {
    const inner = compileExpr(expr.expr, ctx, worklogsOf);
    return (issue) => !inner(issue);
  }
  const left = compileExpr(expr.left, ctx, worklogsOf);
  const right = compileExpr(expr.right, ctx, worklogsOf);
  return expr.kind === 'and' ? (issue) => left(issue) && right(issue) : (issue) => left(issue) || right(issue);
}

function keyParts(key: string): [string, number] {
  const dash = key.lastIndexOf('-');
  return [key.slice(0, dash), Number(key.slice(dash + 1))];
}

function compareBy(sort: JqlSort, ctx: JqlContext): (a: SimIssue, b: SimIssue) => number {
  const sign = sort.direction === 'desc' ? -1 : 1;
  const projectKey = (issue: SimIssue) => ctx.site.projects.get(issue.projectId)?.key ?? '';
  switch (sort.field) {
    case 'key':
      return (a, b) => {
        const [pa, na] = keyParts(a.key);
        const [pb, nb] = keyParts(b.key);
        return sign * (pa < pb ? -1 : pa > pb ? 1 : na - nb);
      };
    case 'project':
      return (a, b) => sign * projectKey(a).localeCompare(projectKey(b));
    case 'summary':
      return (a, b) => sign * a.summary.localeCompare(b.summary);
    case 'issuetype':
      return (a, b) => sign * a.issueType.localeCompare(b.issueType);
    default:
      // `id` and `created`: issue ids rise with creation time in the simulator, as in Jira.
      return (a, b) => sign * (a.id - b.id);
  }
}

/**
 * Compiles a parsed query against a site for one viewer. Throws `JqlError` for values Jira
 * rejects (unknown project, issue, user, issue type or date). Without `ORDER BY`, issues come
 * newest first (`created DESC`; Jira's default order is not documented for `/search/jql`).
 */
export function compileJql(query: JqlQuery, ctx: JqlContext): CompiledJql {
  const cache = new Map<number, SimWorklog[]>();
  const worklogsOf = (issue: SimIssue): SimWorklog[] => {
    let list = cache.get(issue.id);
    if (!list) {
      list = [...(ctx.site.worklogsByIssue.get(issue.id) ?? [])]
        .map((id) => ctx.site.worklogs.get(id))
        .filter((w): w is SimWorklog => w !== undefined && ctx.site.canSeeWorklog(w, ctx.viewer));
      cache.set(issue.id, list);
    }
    return list;
  };
  const matches = query.where ? compileExpr(query.where, ctx, worklogsOf) : () => true;
  const sorts = query.orderBy.length > 0 ? query.orderBy : [{ field: 'created', fieldText: 'created', direction: 'desc' } as const];
  const comparators = sorts.map((sort) => compareBy(sort, ctx));
  return {
    bounded: query.where !== undefined,
    matches,
    compare: (a, b) => {
      for (const compare of comparators) {
        const result = compare(a, b);
        if (result !== 0) return result;
      }
      return a.id - b.id;
    },
  };
}

/** Parses and compiles in one step; throws `JqlError` for syntax and value errors alike. */
export function compileJqlText(jql: string, ctx: JqlContext): CompiledJql {
  return compileJql(parseJql(jql), ctx);
}
