import type { GroupDimension } from './report-model.js';

const monthName = new Intl.DateTimeFormat('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' });

/**
 * The display label of a date group key: days and weeks as their keys (`2026-03-05`,
 * `2026-W10`), months spelled out (`March 2026`), years as they are. Other dimensions are
 * labelled from live Jira data by the report service.
 */
export function dateKeyLabel(dimension: GroupDimension, key: string): string {
  if (dimension === 'month' && /^\d{4}-\d{2}$/.test(key)) return monthName.format(new Date(`${key}-01T00:00:00Z`));
  return key;
}
