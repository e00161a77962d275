import { NO_ACCOUNT_KEY, type DetailRef, type DetailsCursor, type ResolvedReportQuery } from '../report-model.js';
import { dayKey } from './civil-date.js';
import { BLOCK_ROWS } from './column-arrays.js';
import { blockMayMatch, compileRowFilter, selectBlock } from './row-filter.js';
import type { WorklogColumns } from './worklog-columns.js';

/** A details page: the rows, and where the next page starts (absent on the last page). */
export interface DetailsPage {
  refs: DetailRef[];
  next?: DetailsCursor;
}

/**
 * A bounded min-heap of slots by (startedMs, id): the root is the worst row kept, so a row enters
 * only when it beats the root. Selecting k of n rows costs O(n) comparisons plus O(m log k) for
 * the m rows that enter, instead of sorting n.
 */
class TopRows {
  readonly slots: Int32Array;
  readonly capacity: number;
  readonly #startedMs: Float64Array;
  readonly #ids: Float64Array;
  size = 0;

  constructor(capacity: number, startedMs: Float64Array, ids: Float64Array) {
    this.slots = new Int32Array(capacity);
    this.capacity = capacity;
    this.#startedMs = startedMs;
    this.#ids = ids;
  }

  /** True when row `a` comes after row `b` in the list (earlier start, or same start and lower id). */
  below(a: number, b: number): boolean {
    const sa = this.#startedMs[a]!;
    const sb = this.#startedMs[b]!;
    return sa < sb || (sa === sb && this.#ids[a]! < this.#ids[b]!);
  }

  get full(): boolean {
    return this.size === this.capacity;
  }

  get worst(): number {
    return this.slots[0]!;
  }

  offer(slot: number): void {
    const { slots } = this;
    if (this.size < this.capacity) {
      let at = this.size++;
      while (at > 0) {
        const up = (at - 1) >> 1;
        if (!this.below(slot, slots[up]!)) break;
        slots[at] = slots[up]!;
        at = up;
      }
      slots[at] = slot;
      return;
    }
    if (!this.below(slots[0]!, slot)) return;
    let at = 0;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= this.size) break;
      const right = left + 1;
      const child = right < this.size && this.below(slots[right]!, slots[left]!) ? right : left;
      if (!this.below(slots[child]!, slot)) break;
      slots[at] = slots[child]!;
      at = child;
    }
    slots[at] = slot;
  }
}

/**
 * One page of the rows matching `query`'s filters (grouping and sort ignored), ordered by
 * startedMs descending then clientWorklogId descending, strictly after `page.after`. Paging with
 * each `next` visits every matching row exactly once, ties on startedMs included (ids are unique).
 * A top-k selection over the blocks, newest blocks first, skipping blocks that cannot beat the
 * rows already kept. Throws RangeError for a limit that is not a positive integer.
 */
export function listDetails(columns: WorklogColumns, query: ResolvedReportQuery, page: { after?: DetailsCursor; limit: number }): DetailsPage {
  const { after, limit } = page;
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  const filter = compileRowFilter(columns, query);
  if (filter.empty) return { refs: [] };
  const { startedMs, ids, blockMinMs, blockMaxMs } = filter.arrays;
  // One more than a page: whether it exists decides whether there is a next page.
  const top = new TopRows(limit + 1, startedMs, ids);
  const selection = new Int32Array(BLOCK_ROWS);
  for (let block = filter.blocks - 1; block >= 0; block--) {
    if (!blockMayMatch(filter, block)) continue;
    if (after !== undefined && blockMinMs[block]! > after.startedMs) continue;
    if (top.full && blockMaxMs[block]! < startedMs[top.worst]!) continue;
    const count = selectBlock(filter, block, selection);
    for (let k = 0; k < count; k++) {
      const slot = selection[k]!;
      if (after !== undefined) {
        const started = startedMs[slot]!;
        if (started > after.startedMs || (started === after.startedMs && ids[slot]! >= after.clientWorklogId)) continue;
      }
      top.offer(slot);
    }
  }
  const chosen = Array.from(top.slots.subarray(0, top.size)).sort((a, b) => (top.below(a, b) ? 1 : -1));
  const { seconds, accountIndex, issueIndex, accounts, issues } = filter.arrays;
  const refs = chosen.slice(0, limit).map((slot): DetailRef => {
    const accountId = accounts[accountIndex[slot]!] as string;
    return {
      clientWorklogId: ids[slot]!,
      clientIssueId: issues[issueIndex[slot]!] as number,
      accountId: accountId === NO_ACCOUNT_KEY ? null : accountId,
      startedMs: startedMs[slot]!,
      workDate: dayKey(filter.days[slot]!),
      timeSpentSeconds: seconds[slot]!,
    };
  });
  const last = refs[refs.length - 1];
  return chosen.length > limit && last !== undefined ? { refs, next: { startedMs: last.startedMs, clientWorklogId: last.clientWorklogId } } : { refs };
}
