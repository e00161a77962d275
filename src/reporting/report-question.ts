import { z } from 'zod';
import { AppError } from '../platform/app-error.js';
import { GROUP_DIMENSIONS, MAX_GROUP_LEVELS, type GroupDimension, type ReportSort } from './report-model.js';

/**
 * The report question as clients send it (docs/api.md), validated at the edge: every problem is
 * listed at once as `REQUEST_INVALID` details naming the field, never echoing a value.
 */

/** The longest range a report may span: fifty years of work dates ("all history" of any site). */
const MAX_RANGE_DAYS = 50 * 366;
/** Filters large enough for real teams, small enough to bound the live calls they cause. */
const MAX_ACCOUNTS = 1000;
const MAX_ISSUES = 1000;
const MAX_PROJECTS = 200;
const MAX_JQL_LENGTH = 4000;

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD').refine((text) => {
  const ms = Date.parse(`${text}T00:00:00Z`);
  return Number.isFinite(ms) && new Date(ms).toISOString().startsWith(text);
}, 'expected a real calendar date');

const timeZone = z.string().max(64).refine((zone) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'expected an IANA time zone such as Europe/Berlin');

/** The question's fields; routes that take more (paging, export format) extend this shape. */
export const reportQuestionShape = {
    from: isoDate,
    to: isoDate,
    timeZone: timeZone.optional(),
    accountIds: z.array(z.string().min(1).max(128)).max(MAX_ACCOUNTS).optional(),
    // Issue keys (`ABC-12`) or ids (`10042`).
    issues: z.array(z.string().regex(/^([A-Za-z][A-Za-z0-9_]*-\d{1,12}|\d{1,18})$/, 'expected an issue key or id')).max(MAX_ISSUES).optional(),
    // Project keys or ids.
    projects: z.array(z.string().regex(/^[A-Za-z0-9_]{1,64}$/, 'expected a project key or id')).max(MAX_PROJECTS).optional(),
    jql: z.string().trim().max(MAX_JQL_LENGTH).optional(),
    groupBy: z
      .array(z.enum(GROUP_DIMENSIONS))
      .max(MAX_GROUP_LEVELS)
      .refine((levels) => new Set(levels).size === levels.length, 'a dimension may appear only once')
      .default([]),
    sort: z.object({ by: z.enum(['key', 'seconds']), direction: z.enum(['asc', 'desc']) }).strict().default({ by: 'key', direction: 'asc' }),
};

/** A strict object of `shape` with the date-range rules every report question obeys. */
export function questionSchema<S extends typeof reportQuestionShape>(shape: S) {
  return z
    .object(shape)
    .strict()
    .superRefine((value, ctx) => {
      const { from, to } = value as { from: string; to: string };
      if (from > to) ctx.addIssue({ code: 'custom', message: 'from must not be after to', path: ['to'] });
      else if ((Date.parse(to) - Date.parse(from)) / 86_400_000 > MAX_RANGE_DAYS) {
        ctx.addIssue({ code: 'custom', message: `a report spans at most ${MAX_RANGE_DAYS} days`, path: ['to'] });
      }
    });
}

const reportQuestionSchema = questionSchema(reportQuestionShape);

/** A validated report question. */
export interface ReportQuestion {
  from: string;
  to: string;
  timeZone: string | undefined;
  accountIds: string[] | undefined;
  issues: string[] | undefined;
  projects: string[] | undefined;
  jql: string | undefined;
  groupBy: GroupDimension[];
  sort: ReportSort;
}

/** Validates `input` against `schema` (an extension of the question), or throws `REQUEST_INVALID` listing every problem. */
export function parseOrReject<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const details = result.error.issues.slice(0, 20).map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`);
  throw new AppError('REQUEST_INVALID', `The ${what} is not valid`, { details });
}

/** The plain question out of a parsed body (of any schema built from the shape). */
export function toReportQuestion(q: z.infer<typeof reportQuestionSchema>): ReportQuestion {
  return {
    from: q.from,
    to: q.to,
    timeZone: q.timeZone,
    accountIds: q.accountIds,
    issues: q.issues,
    projects: q.projects,
    jql: q.jql === '' ? undefined : q.jql,
    groupBy: q.groupBy,
    sort: q.sort,
  };
}

/** Reads a report question (`REQUEST_INVALID` with every problem listed). */
export function parseReportQuestion(input: unknown): ReportQuestion {
  return toReportQuestion(parseOrReject(reportQuestionSchema, input, 'report question'));
}
