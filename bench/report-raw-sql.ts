/**
 * `bench:reports` "raw": the four shapes asked as plain SQL of the tenant's SQLite file with the
 * store's own indexes (`(account_id, started_ms, time_spent_seconds)`, `(client_issue_id,
 * started_ms, time_spent_seconds)`) — the baseline, and the independent answer every "api" runner
 * is checked against. Month buckets in SQL add the zone's offset per row from its transitions
 * (computed here with Intl, independently of the engine), so both ways answer the same question.
 */
import Database from 'better-sqlite3';
import { isDeepStrictEqual } from 'node:util';
import { DETAILS_PAGE_ROWS, type ShapeAnswer, type ShapeQuestion } from './report-shapes.js';

/** Offset of `zone` at `ms`, from Intl, to the second. */
function intlOffsetMs(format: Intl.DateTimeFormat, ms: number): number {
  const secondMs = Math.floor(ms / 1000) * 1000;
  const parts = Object.fromEntries(format.formatToParts(secondMs).map((part) => [part.type, Number(part.value)]));
  return Date.UTC(parts.year as number, (parts.month as number) - 1, parts.day, parts.hour, parts.minute, parts.second) - secondMs;
}

/** The zone's offset changes in [fromMs, toMs): hourly samples, each change bisected to the second. */
function zoneTransitions(zone: string, fromMs: number, toMs: number): { startOffsetMs: number; changes: { atMs: number; offsetMs: number }[] } {
  const format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  const startOffsetMs = intlOffsetMs(format, fromMs);
  const changes: { atMs: number; offsetMs: number }[] = [];
  let offset = startOffsetMs;
  for (let ms = fromMs; ms < toMs; ms += 3_600_000) {
    const next = intlOffsetMs(format, ms + 3_600_000);
    if (next === offset) continue;
    let [lo, hi] = [ms, ms + 3_600_000];
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
      if (intlOffsetMs(format, mid) === offset) lo = mid;
      else hi = mid;
    }
    changes.push({ atMs: hi, offsetMs: next });
    offset = next;
  }
  return { startOffsetMs, changes };
}

/** The instant local midnight starts `date` in `zone` (Berlin's midnights are never skipped). */
function localMidnightMs(date: string, zone: string): number {
  const format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  // Two passes: the offset at the guessed instant decides (a DST change near midnight moves it).
  const wall = Date.parse(`${date}T00:00:00Z`);
  const guess = wall - intlOffsetMs(format, wall);
  return wall - intlOffsetMs(format, guess);
}

const nextDay = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/** What a raw query returns: SQLite's rows, and the filter's total. */
export interface RawAnswer {
  rows: unknown[][];
  total: [number | null, number];
}

/** The raw-SQL answers of the four shapes over the tenant file, read-only. Only `run` is timed. */
export function rawShapeRunner(file: string, dataFromMs: number, dataToMs: number): { run: (question: ShapeQuestion) => RawAnswer; close: () => void } {
  const db = new Database(file, { readonly: true });
  const zoneCache = new Map<string, string>();
  // `started_ms` shifted into local wall time: the offset from the zone's transitions, as SQL.
  const localMsSql = (zone: string) => {
    let sql = zoneCache.get(zone);
    if (sql === undefined) {
      const { startOffsetMs, changes } = zoneTransitions(zone, dataFromMs - 86_400_000, dataToMs + 86_400_000);
      const cases = changes.map((change, k) => `WHEN started_ms < ${change.atMs} THEN ${k === 0 ? startOffsetMs : changes[k - 1]?.offsetMs}`);
      sql = `(started_ms + CASE ${cases.join(' ')} ELSE ${changes.at(-1)?.offsetMs ?? startOffsetMs} END)`;
      zoneCache.set(zone, sql);
    }
    return sql;
  };
  const statements = new Map<string, Database.Statement>();
  const prepared = (sql: string) => {
    let statement = statements.get(sql);
    if (statement === undefined) {
      statement = db.prepare(sql).raw();
      statements.set(sql, statement);
    }
    return statement;
  };
  const total = (fromMs: number, toMs: number) => prepared('SELECT sum(time_spent_seconds), count(*) FROM worklogs WHERE started_ms >= ? AND started_ms < ?').get(fromMs, toMs) as [number | null, number];

  // A question's instant range, computed once (outside the timed runs, like the engine's setup).
  const ranges = new Map<ShapeQuestion, [number, number]>();
  const rangeOf = (question: ShapeQuestion): [number, number] => {
    let range = ranges.get(question);
    if (range === undefined) {
      range = [localMidnightMs(question.query.fromDate, question.query.timeZone), localMidnightMs(nextDay(question.query.toDate), question.query.timeZone)];
      ranges.set(question, range);
    }
    return range;
  };

  const run = (question: ShapeQuestion): RawAnswer => {
    const { shape, query } = question;
    const [fromMs, toMs] = rangeOf(question);
    switch (shape) {
      case 'month-by-user': {
        const rows = prepared('SELECT account_id, sum(time_spent_seconds), count(*) FROM worklogs WHERE started_ms >= ? AND started_ms < ? GROUP BY account_id').all(fromMs, toMs) as unknown[][];
        return { rows, total: total(fromMs, toMs) };
      }
      case 'history-user-month': {
        const month = `strftime('%Y-%m', ${localMsSql(query.timeZone)} / 1000, 'unixepoch')`;
        const rows = prepared(`SELECT account_id, ${month} AS month, sum(time_spent_seconds), count(*) FROM worklogs WHERE started_ms >= ? AND started_ms < ? GROUP BY account_id, month`).all(fromMs, toMs) as unknown[][];
        return { rows, total: total(fromMs, toMs) };
      }
      case 'issues-year': {
        const ids = JSON.stringify(query.issueIds ?? []);
        const sql = 'FROM worklogs WHERE client_issue_id IN (SELECT value FROM json_each(?)) AND started_ms >= ? AND started_ms < ?';
        const rows = prepared(`SELECT client_issue_id, sum(time_spent_seconds), count(*) ${sql} GROUP BY client_issue_id`).all(ids, fromMs, toMs) as unknown[][];
        return { rows, total: prepared(`SELECT sum(time_spent_seconds), count(*) ${sql}`).get(ids, fromMs, toMs) as [number | null, number] };
      }
      case 'details-page': {
        // The page with its comments, as the API shows it.
        const rows = prepared(
          `SELECT client_worklog_id, time_spent_seconds, comment, started_ms FROM worklogs WHERE started_ms >= ? AND started_ms < ? ORDER BY started_ms DESC, client_worklog_id DESC LIMIT ${DETAILS_PAGE_ROWS}`,
        ).all(fromMs, toMs) as unknown[][];
        return { rows, total: total(fromMs, toMs) };
      }
    }
  };
  return { run, close: () => db.close() };
}

/** A raw answer as comparable rows: keys as the report model spells them (no author: '', issue ids as text). */
export function flattenRawAnswer(shape: ShapeQuestion['shape'], { rows, total: [seconds, count] }: RawAnswer): ShapeAnswer {
  const key = (value: unknown) => (value === null ? '' : String(value));
  const flat: ShapeAnswer =
    shape === 'details-page'
      ? rows.map(([id, seconds]) => [id as number, seconds as number])
      : rows.map((row) => [...row.slice(0, -2).map(key), row.at(-2) as number, row.at(-1) as number]);
  return [...flat, ['total', seconds ?? 0, count]];
}

/** Answers compared as sets of group rows (their order is each side's own), details in order. */
export function sameAnswer(shape: ShapeQuestion['shape'], a: ShapeAnswer, b: ShapeAnswer): boolean {
  if (shape === 'details-page') return isDeepStrictEqual(a, b);
  const canonical = (answer: ShapeAnswer) => answer.map((row) => JSON.stringify(row)).sort();
  return isDeepStrictEqual(canonical(a), canonical(b));
}
