/**
 * The typed arrays behind a {@link WorklogColumns}, one entry per slot. A slot is a row position;
 * a removed row keeps its slot (alive = 0) until the next compaction. The query modules read
 * these directly; a view is valid until the next write (writes may replace the arrays).
 */

/** Rows per block: the unit of the started-time bounds that let a query skip most of the table. */
export const BLOCK_SHIFT = 12;
export const BLOCK_ROWS = 1 << BLOCK_SHIFT;

export interface ColumnArrays {
  /** Slots in use: rows are at [0, slots). */
  slots: number;
  /** `client_worklog_id`; Float64 because Jira ids go up to 2^53. */
  ids: Float64Array;
  startedMs: Float64Array;
  /** `time_spent_seconds`; Float64 keeps any whole number exact and the sums exact below 2^53. */
  seconds: Float64Array;
  /** Index into `accounts`; 0 is {@link NO_ACCOUNT_KEY} (a worklog without author). */
  accountIndex: Int32Array;
  /** Index into `issues`. */
  issueIndex: Int32Array;
  /** 1 for a stored row, 0 for a removed one. */
  alive: Uint8Array;
  /** Per block: the smallest and largest `startedMs` ever written to it (a bound, widened on write). */
  blockMinMs: Float64Array;
  blockMaxMs: Float64Array;
  /** Account ids by index; grows, never shrinks. */
  accounts: string[];
  /** Issue ids by index; grows, never shrinks. */
  issues: number[];
}

/** Empty arrays for `capacity` slots (all blocks empty: min +∞, max −∞). */
export function allocateArrays(capacity: number, accounts: string[], issues: number[]): ColumnArrays {
  const blocks = Math.ceil(capacity / BLOCK_ROWS);
  return {
    slots: 0,
    ids: new Float64Array(capacity),
    startedMs: new Float64Array(capacity),
    seconds: new Float64Array(capacity),
    accountIndex: new Int32Array(capacity),
    issueIndex: new Int32Array(capacity),
    alive: new Uint8Array(capacity),
    blockMinMs: new Float64Array(blocks).fill(Number.POSITIVE_INFINITY),
    blockMaxMs: new Float64Array(blocks).fill(Number.NEGATIVE_INFINITY),
    accounts,
    issues,
  };
}

/** The same rows in arrays of a larger `capacity`. */
export function grownArrays(from: ColumnArrays, capacity: number): ColumnArrays {
  const to = allocateArrays(capacity, from.accounts, from.issues);
  to.slots = from.slots;
  to.ids.set(from.ids);
  to.startedMs.set(from.startedMs);
  to.seconds.set(from.seconds);
  to.accountIndex.set(from.accountIndex);
  to.issueIndex.set(from.issueIndex);
  to.alive.set(from.alive);
  to.blockMinMs.set(from.blockMinMs);
  to.blockMaxMs.set(from.blockMaxMs);
  return to;
}

/** New arrays holding the slots `order` (in that order, all alive), with exact block bounds. */
export function reorderedArrays(from: ColumnArrays, order: Int32Array, capacity: number): ColumnArrays {
  const to = allocateArrays(capacity, from.accounts, from.issues);
  for (let i = 0; i < order.length; i++) {
    const slot = order[i]!;
    const startedMs = from.startedMs[slot]!;
    to.ids[i] = from.ids[slot]!;
    to.startedMs[i] = startedMs;
    to.seconds[i] = from.seconds[slot]!;
    to.accountIndex[i] = from.accountIndex[slot]!;
    to.issueIndex[i] = from.issueIndex[slot]!;
    to.alive[i] = 1;
    const block = i >> BLOCK_SHIFT;
    if (startedMs < to.blockMinMs[block]!) to.blockMinMs[block] = startedMs;
    if (startedMs > to.blockMaxMs[block]!) to.blockMaxMs[block] = startedMs;
  }
  to.slots = order.length;
  return to;
}
