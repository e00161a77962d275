import type { ColumnArrays } from './column-arrays.js';

/*
 * What one tenant's report columns occupy, for the memory budget of the columns cache
 * (`TALLY_REPORT_MEMORY_MB`). Typed arrays are counted exactly (their `byteLength`, which is what
 * `process.memoryUsage().arrayBuffers` grows by). The dictionaries are JavaScript objects on V8's
 * heap, whose sizes no API reports; they are estimated from V8's layouts on 64-bit Node
 * (no pointer compression in Node's builds): calibrated against `process.memoryUsage()` in
 * columns-byte-size.test.ts, which holds the whole estimate within 15% of the measured growth
 * (measured: 0.97–1.03×, docs/report-memory.md).
 */

/** One element of a JS array: a tagged pointer or small integer. */
const ARRAY_SLOT_BYTES = 8;
/**
 * One entry of a `Map` (V8's OrderedHashMap: key, value and chain words plus half a bucket, 28
 * bytes), times the 1–2× spare capacity a table carries after doubling: measured 1.3–1.75×.
 */
const MAP_ENTRY_BYTES = 48;
/** A sequential one-byte string's header (map, hash, length), before its characters. */
const STRING_HEADER_BYTES = 16;
/** A WorklogColumns' fixed cost: the object, its Maps and arrays when empty. */
const FIXED_BYTES = 1024;

/** What the estimate reads: the arrays, and what the columns keep beside them when they say so. */
export interface MeasurableColumns {
  readonly arrays: Readonly<ColumnArrays>;
  /**
   * Bytes of structures derived from the arrays (per-zone day columns and rollups), when the
   * columns report them; without it those are not counted (see docs/report-memory.md).
   */
  derivedBytes?(): number;
}

const roundUp8 = (bytes: number) => Math.ceil(bytes / 8) * 8;

/** Typed arrays only: exact. */
export function typedArrayBytes(arrays: Readonly<ColumnArrays>): number {
  const { ids, startedMs, seconds, accountIndex, issueIndex, alive, blockMinMs, blockMaxMs } = arrays;
  return ids.byteLength + startedMs.byteLength + seconds.byteLength + accountIndex.byteLength + issueIndex.byteLength + alive.byteLength + blockMinMs.byteLength + blockMaxMs.byteLength;
}

/**
 * The dictionaries, estimated: each account id is a string held once (the `accounts` array and the
 * index Map share it) plus an array slot and a Map entry; each issue id a small integer in an
 * array slot plus a Map entry. O(accounts): a few thousand strings, microseconds.
 */
export function dictionaryBytes(arrays: Readonly<ColumnArrays>): number {
  let accountChars = 0;
  for (const accountId of arrays.accounts) accountChars += roundUp8(STRING_HEADER_BYTES + accountId.length);
  const perEntry = ARRAY_SLOT_BYTES + MAP_ENTRY_BYTES;
  return accountChars + arrays.accounts.length * perEntry + arrays.issues.length * perEntry;
}

/**
 * Bytes one tenant's columns hold: typed arrays (exact), dictionaries (estimated), a fixed cost,
 * and `derivedBytes()` when the columns offer it. Cheap enough to call on every report and write.
 */
export function estimateColumnsBytes(columns: MeasurableColumns): number {
  return FIXED_BYTES + typedArrayBytes(columns.arrays) + dictionaryBytes(columns.arrays) + (columns.derivedBytes?.() ?? 0);
}
