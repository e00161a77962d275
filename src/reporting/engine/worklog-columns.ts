import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ReportColumnRow, TenantStore } from '../../store/tenant-store.js';
import type { WorklogRow } from '../../store/worklog-row.js';
import type { DetailRef, DetailsCursor, IssueInfo, ReportSummary, ResolvedReportQuery } from '../report-model.js';
import { NO_ACCOUNT_KEY } from '../report-model.js';
import { allocateArrays, BLOCK_SHIFT, grownArrays, reorderedArrays, type ColumnArrays } from './column-arrays.js';
import { listDetails } from './details.js';
import { listDistinctIssueIds } from './distinct-issue-ids.js';
import { summarizeAsColumns, summarizeColumns } from './summarize.js';
import type { ColumnSummary } from './summary-columns.js';
import { ZoneDayColumn } from './zone-day-column.js';

/** Tuning of a {@link WorklogColumns}; the defaults suit 1–10M rows. */
export interface WorklogColumnsOptions {
  /** Compact once this many slots are dead or off the sorted run (and a quarter / an eighth of all). Default 65,536. */
  compactAfter?: number;
  /** Time zones whose day column is kept (least recently used dropped first). Default 4. */
  maxZones?: number;
}

const MIN_CAPACITY = 1024;

/**
 * One tenant's worklogs in memory, column by column, for reports: exactly the stored rows'
 * id, author, issue, start and time spent (no comment). Writes (`upsert`, `remove`, `load`) and
 * queries are synchronous, so a query never sees half a write.
 *
 * Finding a row by id without a 10M-entry Map: slots [0, sortedSlots) hold ascending ids (a load
 * scans in id order; new Jira ids are larger, so sync appends usually extend the run) and are
 * binary-searched; other appended rows sit in a Map, folded back into the sorted run by a
 * compaction once it grows (compaction also drops removed rows).
 */
export class WorklogColumns {
  #a: ColumnArrays;
  #live = 0;
  #sortedSlots = 0;
  readonly #appended = new Map<number, number>();
  readonly #accountIndexOf = new Map<string, number>([[NO_ACCOUNT_KEY, 0]]);
  readonly #issueIndexOf = new Map<number, number>();
  readonly #zones = new Map<string, ZoneDayColumn>();

  /** Bytes of what is kept beside the arrays: each kept zone's day column and rollup (for the columns cache's budget). */
  derivedBytes(): number {
    let bytes = 0;
    for (const zone of this.#zones.values()) bytes += zone.byteLength();
    return bytes;
  }
  readonly #compactAfter: number;
  readonly #maxZones: number;

  constructor(options: WorklogColumnsOptions = {}) {
    this.#compactAfter = options.compactAfter ?? 65_536;
    this.#maxZones = options.maxZones ?? 4;
    this.#a = allocateArrays(MIN_CAPACITY, [NO_ACCOUNT_KEY], []);
  }

  /** Stored (live) rows. */
  get size(): number {
    return this.#live;
  }

  /** The arrays as they are now, for the query modules; valid until the next write. */
  get arrays(): Readonly<ColumnArrays> {
    return this.#a;
  }

  /**
   * Appends every row of `store.scanReportColumns()` (on empty columns: a load). Rows for ids
   * already present replace them, so a repeated row is harmless. Yields to the event loop after
   * each batch: a 10M-row load takes seconds, and the server keeps answering meanwhile.
   */
  async load(store: Pick<TenantStore, 'scanReportColumns' | 'countWorklogs'>): Promise<void> {
    this.#reserve(this.#a.slots + (await store.countWorklogs()));
    for await (const batch of store.scanReportColumns()) {
      for (const row of batch) this.#put(row);
      this.#compactIfWorthIt();
      await nextTurn();
    }
  }

  /** Makes each row's columns exactly the given values (insert or replace by id). */
  upsert(rows: readonly WorklogRow[]): void {
    for (const row of rows) this.#put([row.clientWorklogId, row.accountId, row.clientIssueId, row.startedMs, row.timeSpentSeconds]);
    this.#compactIfWorthIt();
  }

  /** Removes the rows with these ids; absent ids are ignored (idempotent). */
  remove(ids: readonly number[]): void {
    const { alive, accountIndex, seconds } = this.#a;
    for (const id of ids) {
      const slot = this.#slotOf(id);
      if (slot < 0 || alive[slot] === 0) continue;
      alive[slot] = 0;
      this.#live--;
      for (const zone of this.#zones.values()) zone.kill(slot, accountIndex[slot]!, seconds[slot]!);
    }
    this.#compactIfWorthIt();
  }

  /** Dictionary index of an account id (`NO_ACCOUNT_KEY`: worklogs without author), if any row ever had it. */
  indexOfAccount(accountId: string): number | undefined {
    return this.#accountIndexOf.get(accountId);
  }

  /** Dictionary index of an issue id, if any row ever had it. */
  indexOfIssue(issueId: number): number | undefined {
    return this.#issueIndexOf.get(issueId);
  }

  /**
   * The work-date column for `timeZone` (computed on first use, then kept current by writes).
   * Throws RangeError for a zone Intl does not know.
   */
  daysIn(timeZone: string): ZoneDayColumn {
    let zone = this.#zones.get(timeZone);
    if (zone !== undefined) {
      this.#zones.delete(timeZone);
    } else {
      zone = new ZoneDayColumn(timeZone, this.#a.ids.length);
      zone.fill(this.#a.startedMs, this.#a.alive, this.#a.slots);
    }
    this.#zones.set(timeZone, zone);
    for (const name of this.#zones.keys()) if (this.#zones.size > this.#maxZones) this.#zones.delete(name);
    return zone;
  }

  /** See {@link summarizeColumns}. */
  summarize(query: ResolvedReportQuery, issueInfo: (issueId: number) => IssueInfo | undefined): ReportSummary {
    return summarizeColumns(this, query, issueInfo);
  }

  /** See {@link summarizeAsColumns}. */
  summarizeAsColumns(query: ResolvedReportQuery, issueInfo: (issueId: number) => IssueInfo | undefined): ColumnSummary {
    return summarizeAsColumns(this, query, issueInfo);
  }

  /** See {@link listDistinctIssueIds}. */
  distinctIssueIds(query: ResolvedReportQuery): number[] {
    return listDistinctIssueIds(this, query);
  }

  /** See {@link listDetails}. */
  details(query: ResolvedReportQuery, page: { after?: DetailsCursor; limit: number }): { refs: DetailRef[]; next?: DetailsCursor } {
    return listDetails(this, query, page);
  }

  #slotOf(id: number): number {
    const appended = this.#appended.get(id);
    if (appended !== undefined) return appended;
    const { ids } = this.#a;
    let lo = 0;
    let hi = this.#sortedSlots - 1;
    // Common on load and in sync: an id above the sorted run is new, no search needed.
    if (hi < 0 || id > ids[hi]!) return -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = ids[mid]!;
      if (at === id) return mid;
      if (at < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  #put([id, accountId, issueId, startedMs, seconds]: ReportColumnRow): void {
    if (!Number.isSafeInteger(id)) throw new RangeError(`A worklog id is not an integer (${String(id)})`);
    let slot = this.#slotOf(id);
    if (slot < 0) slot = this.#append(id);
    const a = this.#a;
    if (a.alive[slot] === 0) {
      a.alive[slot] = 1;
      this.#live++;
    } else {
      for (const zone of this.#zones.values()) zone.unset(slot, a.accountIndex[slot]!, a.seconds[slot]!);
    }
    const account = this.#accountIndex(accountId ?? NO_ACCOUNT_KEY);
    a.startedMs[slot] = startedMs;
    a.seconds[slot] = seconds;
    a.accountIndex[slot] = account;
    a.issueIndex[slot] = this.#issueIndex(issueId);
    const block = slot >> BLOCK_SHIFT;
    if (startedMs < a.blockMinMs[block]!) a.blockMinMs[block] = startedMs;
    if (startedMs > a.blockMaxMs[block]!) a.blockMaxMs[block] = startedMs;
    for (const zone of this.#zones.values()) zone.set(slot, startedMs, account, seconds);
  }

  #append(id: number): number {
    this.#reserve(this.#a.slots + 1);
    const slot = this.#a.slots++;
    this.#a.ids[slot] = id;
    // #slotOf returned -1, so a slot right after the sorted run with an id above it extends the run.
    if (this.#sortedSlots === slot && (slot === 0 || id > this.#a.ids[slot - 1]!)) this.#sortedSlots++;
    else this.#appended.set(id, slot);
    return slot;
  }

  #accountIndex(accountId: string): number {
    let index = this.#accountIndexOf.get(accountId);
    if (index === undefined) {
      index = this.#a.accounts.push(accountId) - 1;
      this.#accountIndexOf.set(accountId, index);
    }
    return index;
  }

  #issueIndex(issueId: number): number {
    let index = this.#issueIndexOf.get(issueId);
    if (index === undefined) {
      index = this.#a.issues.push(issueId) - 1;
      this.#issueIndexOf.set(issueId, index);
    }
    return index;
  }

  #reserve(slots: number): void {
    const capacity = this.#a.ids.length;
    if (slots <= capacity) return;
    const grown = Math.max(slots, Math.ceil(capacity * 1.5), MIN_CAPACITY);
    this.#a = grownArrays(this.#a, grown);
    for (const zone of this.#zones.values()) zone.grow(grown);
  }

  #compactIfWorthIt(): void {
    const { slots } = this.#a;
    const dead = slots - this.#live;
    const unsorted = this.#appended.size;
    const many = this.#compactAfter;
    if ((dead >= many && dead * 4 >= slots) || (unsorted >= many && unsorted * 8 >= slots)) this.compact();
  }

  /**
   * Rewrites the arrays with only the live rows, all in ascending id order (an O(n) merge of the
   * sorted run with the sorted appended rows). Runs by itself when worthwhile; public for tests.
   */
  compact(): void {
    const order = this.#liveSlotsById();
    const capacity = Math.max(MIN_CAPACITY, Math.ceil(order.length * 1.125));
    this.#a = reorderedArrays(this.#a, order, capacity);
    for (const zone of this.#zones.values()) zone.reorder(order, capacity);
    this.#sortedSlots = order.length;
    this.#appended.clear();
  }

  #liveSlotsById(): Int32Array {
    const { ids, alive } = this.#a;
    const extra = [...this.#appended.values()].filter((slot) => alive[slot] === 1).sort((x, y) => ids[x]! - ids[y]!);
    const order = new Int32Array(this.#live);
    let n = 0;
    let e = 0;
    for (let slot = 0; slot < this.#sortedSlots; slot++) {
      if (alive[slot] === 0) continue;
      while (e < extra.length && ids[extra[e]!]! < ids[slot]!) order[n++] = extra[e++]!;
      order[n++] = slot;
    }
    while (e < extra.length) order[n++] = extra[e++]!;
    return order;
  }
}

/** Loads a tenant's columns from its store (one scan of the report columns, no comments). */
export async function loadWorklogColumns(store: Pick<TenantStore, 'scanReportColumns' | 'countWorklogs'>, options?: WorklogColumnsOptions): Promise<WorklogColumns> {
  const columns = new WorklogColumns(options);
  await columns.load(store);
  return columns;
}
