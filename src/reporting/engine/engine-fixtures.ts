/**
 * Test data and an independent reference for the engine's tests. Only imported by `*.test.ts`.
 * The reference answers report questions the slow, obvious way — Intl.DateTimeFormat per row for
 * the work date, string keys, plain Maps — sharing no code with the engine.
 */
import type { WorklogRow } from '../../store/worklog-row.js';
import type { DetailRef, GroupDimension, GroupNode, IssueInfo, ReportSort, ReportSummary, ResolvedReportQuery } from '../report-model.js';
import type { ColumnArrays } from './column-arrays.js';
import { createRandom } from '../../../simulator/random.js';

/** Deterministic pseudo-random numbers in [0, 1): the simulator's seeded generator. */
export function seededRandom(seed: number): () => number {
  const generator = createRandom(seed);
  return () => generator.next();
}

const jiraTime = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');

/** A worklog row with these report fields; the other fields are filled consistently. */
export function worklogAt(id: number, startedMs: number, fields: Partial<WorklogRow> = {}): WorklogRow {
  const updatedMs = fields.updatedMs ?? startedMs + 3_600_000;
  return {
    clientWorklogId: id,
    accountId: 'acc-1',
    clientIssueId: 10_001,
    comment: `{"type":"doc","version":1,"content":[]}`,
    created: jiraTime(startedMs),
    updated: jiraTime(updatedMs),
    started: jiraTime(startedMs),
    timeSpentSeconds: 1800,
    startedMs,
    updatedMs,
    ...fields,
  };
}

/** The accounts of the fixtures; null is a worklog without author. */
export const FIXTURE_ACCOUNTS = ['acc-1', 'acc-2', 'acc-3', 'acc-4', 'acc-5', 'acc-6', 'acc-7', null] as const;
/** 30 issues; 25 have project/parent info in {@link fixtureIssueInfo}, 5 are unknown. */
export const FIXTURE_ISSUES = Array.from({ length: 30 }, (_, i) => 10_000 + i * 7);

/** Project and parent of the fixture issues (3 projects; some issues without parent; 5 unknown). */
export function fixtureIssueInfo(issueId: number): IssueInfo | undefined {
  const i = FIXTURE_ISSUES.indexOf(issueId);
  if (i < 0 || i >= 25) return undefined;
  return { projectId: `1000${i % 3}`, parentId: i % 4 === 0 ? null : 20_000 + (i % 5) };
}

/**
 * `count` rows over 2025-06 … 2027-03, half of them within 3 hours of a local midnight or a DST
 * change in Tokyo, Berlin or New York, with equal `startedMs` values repeated on purpose.
 */
export function fixtureWorklogs(count: number, seed = 1, firstId = 1): WorklogRow[] {
  const next = seededRandom(seed);
  const pick = <T>(values: readonly T[]) => values[Math.floor(next() * values.length)] as T;
  const edges = [
    Date.UTC(2026, 2, 29, 1), // Berlin: CET → CEST
    Date.UTC(2026, 9, 25, 1), // Berlin: CEST → CET
    Date.UTC(2026, 2, 8, 7), // New York: EST → EDT
    Date.UTC(2026, 10, 1, 6), // New York: EDT → EST
    Date.UTC(2026, 2, 10, 15), // midnight in Tokyo
    Date.UTC(2026, 11, 31, 23), // midnight in Berlin, new year
    Date.UTC(2026, 0, 1, 5), // midnight in New York, new year
  ];
  const from = Date.UTC(2025, 5, 1);
  const span = Date.UTC(2027, 2, 1) - from;
  const rows: WorklogRow[] = [];
  let startedMs = from;
  for (let i = 0; i < count; i++) {
    // One row in ten repeats the previous start: ties for the details order.
    if (i === 0 || next() >= 0.1) {
      startedMs = next() < 0.5 ? pick(edges) + Math.floor((next() - 0.5) * 6 * 3_600_000) : from + Math.floor(next() * span);
      startedMs -= startedMs % 60_000;
    }
    rows.push(
      worklogAt(firstId + i, startedMs, {
        accountId: pick(FIXTURE_ACCOUNTS),
        clientIssueId: pick(FIXTURE_ISSUES),
        timeSpentSeconds: 60 * (1 + Math.floor(next() * 480)),
      }),
    );
  }
  return rows;
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** The work date of `ms` in `timeZone`, straight from Intl. */
export function intlWorkDate(ms: number, timeZone: string): string {
  let format = formats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formats.set(timeZone, format);
  }
  const parts = format.formatToParts(ms);
  const part = (type: string) => parts.find((p) => p.type === type)?.value as string;
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/** ISO week `YYYY-Www` of a `YYYY-MM-DD` date, the textbook way (Thursday of the week decides the year). */
export function isoWeekOf(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d));
  const weekday = day.getUTCDay() || 7;
  day.setUTCDate(day.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((day.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${day.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

function keyOf(dimension: GroupDimension, row: WorklogRow, workDate: string, info: (id: number) => IssueInfo | undefined): string {
  switch (dimension) {
    case 'user':
      return row.accountId ?? '';
    case 'issue':
      return String(row.clientIssueId);
    case 'project':
      return info(row.clientIssueId)?.projectId ?? '';
    case 'parent': {
      const parentId = info(row.clientIssueId)?.parentId;
      return parentId === undefined || parentId === null ? '' : String(parentId);
    }
    case 'day':
      return workDate;
    case 'week':
      return isoWeekOf(workDate);
    case 'month':
      return workDate.slice(0, 7);
    case 'year':
      return workDate.slice(0, 4);
  }
}

interface RefGroup {
  seconds: number;
  worklogs: number;
  children: Map<string, RefGroup>;
}

function refNodes(groups: Map<string, RefGroup>, dims: readonly GroupDimension[], depth: number, sort: ReportSort): GroupNode[] {
  const dir = sort.direction === 'asc' ? 1 : -1;
  // All fixture keys sort as text the way the model wants: 4-digit years make date keys chronological.
  const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const entries = [...groups.entries()].sort(([ka, a], [kb, b]) => (sort.by === 'key' ? dir * byKey(ka, kb) : dir * (a.seconds - b.seconds) || byKey(ka, kb)));
  return entries.map(([key, group]) => {
    const node: GroupNode = { key, seconds: group.seconds, worklogs: group.worklogs };
    if (depth < dims.length - 1) node.children = refNodes(group.children, dims, depth + 1, sort);
    return node;
  });
}

/** Whether `row` matches the query's filters, judged independently. */
export function referenceMatches(row: WorklogRow, query: ResolvedReportQuery): boolean {
  const workDate = intlWorkDate(row.startedMs, query.timeZone);
  if (workDate < query.fromDate || workDate > query.toDate) return false;
  if (query.accountIds !== undefined && !query.accountIds.includes(row.accountId ?? '')) return false;
  return query.issueIds === undefined || query.issueIds.includes(row.clientIssueId);
}

/** The summary `query` should give over `rows`. */
export function referenceSummary(rows: readonly WorklogRow[], query: ResolvedReportQuery, info: (id: number) => IssueInfo | undefined): ReportSummary {
  const root: RefGroup = { seconds: 0, worklogs: 0, children: new Map() };
  for (const row of rows) {
    if (!referenceMatches(row, query)) continue;
    const workDate = intlWorkDate(row.startedMs, query.timeZone);
    let group = root;
    group.seconds += row.timeSpentSeconds;
    group.worklogs++;
    for (const dimension of query.groupBy) {
      const key = keyOf(dimension, row, workDate, info);
      let child = group.children.get(key);
      if (child === undefined) {
        child = { seconds: 0, worklogs: 0, children: new Map() };
        group.children.set(key, child);
      }
      child.seconds += row.timeSpentSeconds;
      child.worklogs++;
      group = child;
    }
  }
  const groups = query.groupBy.length === 0 ? [] : refNodes(root.children, query.groupBy, 0, query.sort);
  return { total: { seconds: root.seconds, worklogs: root.worklogs }, groups };
}

/** What the report engine needs of a row: `[id, accountId, issueId, startedMs, seconds]`. */
export type ReportFields = [number, string | null, number, number, number];

/** The report fields of rows, by id. */
export function reportFieldsOf(rows: Iterable<WorklogRow>): ReportFields[] {
  return [...rows].map((row): ReportFields => [row.clientWorklogId, row.accountId, row.clientIssueId, row.startedMs, row.timeSpentSeconds]).sort((a, b) => a[0] - b[0]);
}

/** The rows a {@link WorklogColumns} holds, read back from its arrays, by id. */
export function columnsContent(columns: { arrays: Readonly<ColumnArrays>; size: number }): ReportFields[] {
  const { slots, alive, ids, accountIndex, issueIndex, startedMs, seconds, accounts, issues } = columns.arrays;
  const content: ReportFields[] = [];
  for (let slot = 0; slot < slots; slot++) {
    if (alive[slot] === 0) continue;
    const accountId = accounts[accountIndex[slot] as number] as string;
    content.push([ids[slot] as number, accountId === '' ? null : accountId, issues[issueIndex[slot] as number] as number, startedMs[slot] as number, seconds[slot] as number]);
  }
  if (content.length !== columns.size) throw new Error(`size ${columns.size} but ${content.length} live slots`);
  return content.sort((a, b) => a[0] - b[0]);
}

/** The details list `query` should give over `rows`: every match, started desc then id desc. */
export function referenceDetails(rows: readonly WorklogRow[], query: ResolvedReportQuery): DetailRef[] {
  return rows
    .filter((row) => referenceMatches(row, query))
    .sort((a, b) => b.startedMs - a.startedMs || b.clientWorklogId - a.clientWorklogId)
    .map((row) => ({
      clientWorklogId: row.clientWorklogId,
      clientIssueId: row.clientIssueId,
      accountId: row.accountId,
      startedMs: row.startedMs,
      workDate: intlWorkDate(row.startedMs, query.timeZone),
      timeSpentSeconds: row.timeSpentSeconds,
    }));
}
