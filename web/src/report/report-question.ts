import type { GroupDimension, ReportQuestion, ReportSort } from '../api/api-types.js';
import type { DateRange } from './date-range.js';

/** The filters of the form, as the user set them. */
export interface ReportFilters {
  accountIds: string[];
  /** Issue keys or ids, as typed (comma or space separated). */
  issues: string;
  /** Project keys or ids, as typed. */
  projects: string;
  jql: string;
}

export const NO_FILTERS: ReportFilters = { accountIds: [], issues: '', projects: '', jql: '' };

/** Splits a typed list on commas and whitespace, dropping blanks and repeats. */
export function parseList(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).map((item) => item.trim()).filter((item) => item !== ''))];
}

/** Whether any filter narrows the report. */
export function hasFilters(filters: ReportFilters): boolean {
  return filters.accountIds.length > 0 || parseList(filters.issues).length > 0 || parseList(filters.projects).length > 0 || filters.jql.trim() !== '';
}

/** The report question of the form's state; empty filters are left out (they mean "all"). */
export function buildQuestion(input: { range: DateRange; timeZone: string; filters: ReportFilters; groupBy: readonly GroupDimension[]; sort: ReportSort }): ReportQuestion {
  const question: ReportQuestion = { from: input.range.from, to: input.range.to, timeZone: input.timeZone, groupBy: [...input.groupBy], sort: input.sort };
  const issues = parseList(input.filters.issues);
  const projects = parseList(input.filters.projects);
  const jql = input.filters.jql.trim();
  if (input.filters.accountIds.length > 0) question.accountIds = [...input.filters.accountIds];
  if (issues.length > 0) question.issues = issues;
  if (projects.length > 0) question.projects = projects;
  if (jql !== '') question.jql = jql;
  return question;
}
