import { NO_PARENT_KEY, type GroupDimension, type IssueInfo } from '../report-model.js';
import { civilFromDays, dayKey, isoWeekKey, isoWeekMonday, monthKey, monthNumber, yearKey } from './civil-date.js';
import type { RowFilter } from './row-filter.js';

/**
 * One grouping level, compiled for one query: each selected row's group is a small dense code,
 * `lut[base[slot] - baseOffset]` (or `base[slot] - baseOffset` without a lut), in [0, cardinality).
 * Dense codes let the grouping pass index plain arrays instead of hashing keys.
 */
export interface GroupLevel {
  dimension: GroupDimension;
  cardinality: number;
  base: Int32Array;
  baseOffset: number;
  lut: Int32Array | undefined;
  key(code: number): string;
  /** Date levels: codes ascend with time, so key order is code order. */
  chronological: boolean;
}

/** The dictionary entries a level needs: those the filter allows, or all of them. */
function entries(size: number, allowed: Uint8Array | undefined): number[] {
  const indexes: number[] = [];
  for (let index = 0; index < size; index++) if (allowed === undefined || allowed[index] === 1) indexes.push(index);
  return indexes;
}

/**
 * A level whose group is the dictionary entry itself (user, issue). Without a filter the code is
 * the index (no table to build over 10^5–10^6 issues); with one, the allowed entries get compact codes.
 */
function entryLevel(dimension: GroupDimension, base: Int32Array, size: number, allowed: Uint8Array | undefined, keyOf: (index: number) => string): GroupLevel {
  if (allowed === undefined) return { dimension, cardinality: Math.max(1, size), base, baseOffset: 0, lut: undefined, key: keyOf, chronological: false };
  const indexOfCode = entries(size, allowed);
  const lut = new Int32Array(size);
  indexOfCode.forEach((index, code) => (lut[index] = code));
  return { dimension, cardinality: Math.max(1, indexOfCode.length), base, baseOffset: 0, lut, key: (code) => keyOf(indexOfCode[code] as number), chronological: false };
}

/** A level over issue indexes whose group key is `keyOf(index)` (project, parent); equal keys share a code. */
function keyedLevel(dimension: GroupDimension, base: Int32Array, size: number, allowed: Uint8Array | undefined, keyOf: (index: number) => string): GroupLevel {
  const lut = new Int32Array(size);
  const keys: string[] = [];
  const codeOf = new Map<string, number>();
  for (const index of entries(size, allowed)) {
    const key = keyOf(index);
    let code = codeOf.get(key);
    if (code === undefined) {
      code = keys.push(key) - 1;
      codeOf.set(key, code);
    }
    lut[index] = code;
  }
  return { dimension, cardinality: Math.max(1, keys.length), base, baseOffset: 0, lut, key: (code) => keys[code] as string, chronological: false };
}

/** A date level: day codes from `filter.fromDay`, bucketed by `bucketOf(day)` (ascending with the day). */
function dateLevel(dimension: GroupDimension, filter: RowFilter, bucketOf: (day: number) => number, keyOf: (bucket: number) => string): GroupLevel {
  const { fromDay, toDay, days } = filter;
  const first = bucketOf(fromDay);
  const lut = new Int32Array(toDay - fromDay + 1);
  for (let day = fromDay; day <= toDay; day++) lut[day - fromDay] = bucketOf(day) - first;
  return { dimension, cardinality: bucketOf(toDay) - first + 1, base: days, baseOffset: fromDay, lut, key: (code) => keyOf(first + code), chronological: true };
}

/**
 * Compiles `groupBy` for a non-empty filter. `issueInfo` is asked once per issue the filter allows
 * (every known issue without an issue filter) and only for project and parent levels.
 */
export function planGroupLevels(filter: RowFilter, groupBy: readonly GroupDimension[], issueInfo: (issueId: number) => IssueInfo | undefined): GroupLevel[] {
  const { accounts, issues, accountIndex, issueIndex } = filter.arrays;
  const infoOf = new Map<number, IssueInfo | undefined>();
  const info = (index: number) => {
    if (!infoOf.has(index)) infoOf.set(index, issueInfo(issues[index] as number));
    return infoOf.get(index);
  };
  return groupBy.map((dimension): GroupLevel => {
    switch (dimension) {
      case 'user':
        return entryLevel(dimension, accountIndex, accounts.length, filter.accountAllowed, (index) => accounts[index] as string);
      case 'issue':
        return entryLevel(dimension, issueIndex, issues.length, filter.issueAllowed, (index) => String(issues[index]));
      case 'project':
        return keyedLevel(dimension, issueIndex, issues.length, filter.issueAllowed, (index) => info(index)?.projectId ?? NO_PARENT_KEY);
      case 'parent':
        return keyedLevel(dimension, issueIndex, issues.length, filter.issueAllowed, (index) => {
          const parentId = info(index)?.parentId;
          return parentId === undefined || parentId === null ? NO_PARENT_KEY : String(parentId);
        });
      case 'day':
        return dateLevel(dimension, filter, (day) => day, (day) => dayKey(day));
      case 'week':
        // Mondays are the day numbers ≡ 4 (mod 7): 1970-01-05 was one.
        return dateLevel(dimension, filter, (day) => (isoWeekMonday(day) - 4) / 7, (week) => isoWeekKey(week * 7 + 4));
      case 'month':
        return dateLevel(dimension, filter, monthNumber, monthKey);
      case 'year':
        return dateLevel(dimension, filter, (day) => civilFromDays(day).year, yearKey);
    }
  });
}
