import type { GroupDimension } from './report-model.js';

const monthName = new Intl.DateTimeFormat('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' });

/**
 * The display label of a date group key: days and weeks as their keys (`2026-03-05`,
 * `2026-W10`), months spelled out (`March 2026`), years as they are. Other dimensions are
 * labelled from live Jira data by the report service.
 */
export function dateKeyLabel(dimension: GroupDimension, key: string): string {
  if (dimension !== 'month') return key;
  // Cached: a user × month report over years has tens of thousands of month groups, and
  // Intl formatting costs microseconds each.
  let label = monthLabels.get(key);
  if (label === undefined) {
    label = /^\d{4}-\d{2}$/.test(key) ? monthName.format(new Date(`${key}-01T00:00:00Z`)) : key;
    if (monthLabels.size < 10_000) monthLabels.set(key, label);
  }
  return label;
}

const monthLabels = new Map<string, string>();
