import { monthNumber } from './civil-date.js';
import type { ColumnArrays } from './column-arrays.js';

/*
 * Seconds and worklogs per (author, work day) in one zone: a rollup that answers reports grouped
 * only by user and date levels from about as many cells as authors × days, instead of every row.
 * At 10M rows (1,423 authors, 4 years) that is 2M cells instead of 10M rows; a report over the
 * whole history goes from a 10M-row scan to a sequential pass over the cells.
 *
 * Layout: day-major, `capacity` authors per day, two doubles per cell (seconds, count), so a date
 * range is one contiguous stretch. Kept exact by the columns' writes (add, then subtract the old
 * values of a replaced or removed row); sums of whole seconds in doubles are exact below 2^53.
 *
 * Beside it, the same sums per (author, calendar month), kept by the same writes: a report by
 * users and months or years reads a whole month as one row instead of ~30 (all history by user ×
 * month at 1M rows: 5.2 → under 1 ms), and only the months the range cuts come from the days.
 */

/** Bytes above which no cube is built (a tenant with dates spread over centuries scans rows instead). */
export const MAX_CUBE_BYTES = 256 * 2 ** 20;
/** Days of room after the newest day, so the daily new work does not force a rebuild. */
const DAYS_AHEAD = 62;

export class AccountDayCube {
  readonly firstDay: number;
  readonly days: number;
  readonly capacity: number;
  readonly cells: Float64Array;
  /** Calendar months the cube's days touch. */
  readonly months: number;
  /** Row (day − firstDay) where each month starts within the cube, and `days` at the end: months + 1 entries. */
  readonly monthStartRow: Int32Array;
  /** Month index (0 = the month of firstDay) of each row. */
  readonly monthOfRow: Int32Array;
  /** Sums per (month, author), the layout of `cells` with months for days. */
  readonly monthCells: Float64Array;

  private constructor(firstDay: number, days: number, capacity: number) {
    this.firstDay = firstDay;
    this.days = days;
    this.capacity = capacity;
    this.cells = new Float64Array(2 * days * capacity);
    const firstMonth = monthNumber(firstDay);
    this.months = monthNumber(firstDay + days - 1) - firstMonth + 1;
    this.monthOfRow = new Int32Array(days);
    this.monthStartRow = new Int32Array(this.months + 1);
    for (let row = 0; row < days; row++) {
      const month = monthNumber(firstDay + row) - firstMonth;
      this.monthOfRow[row] = month;
      if (row > 0 && month !== this.monthOfRow[row - 1]) this.monthStartRow[month] = row;
    }
    this.monthStartRow[this.months] = days;
    this.monthCells = new Float64Array(2 * this.months * capacity);
  }

  /**
   * A cube over the live rows of `arrays` with work days `days` (within [minDay, maxDay]), or
   * undefined when it would exceed MAX_CUBE_BYTES.
   */
  static build(arrays: Readonly<ColumnArrays>, days: Int32Array, minDay: number, maxDay: number): AccountDayCube | undefined {
    const span = maxDay - minDay + 1 + DAYS_AHEAD;
    // Room for a quarter more authors before a rebuild.
    const capacity = Math.max(16, Math.ceil(arrays.accounts.length * 1.25));
    if (!(span > 0) || 16 * span * capacity > MAX_CUBE_BYTES) return undefined;
    const cube = new AccountDayCube(minDay, span, capacity);
    const { alive, accountIndex, seconds, slots } = arrays;
    for (let slot = 0; slot < slots; slot++) if (alive[slot] === 1) cube.add(accountIndex[slot]!, days[slot]!, seconds[slot]!, 1);
    return cube;
  }

  /**
   * Adds (`sign` 1) or takes away (`sign` -1) one row. False when the row falls outside the cube
   * (a new author beyond capacity, a day outside the span): the owner must then drop the cube.
   */
  add(account: number, day: number, seconds: number, sign: 1 | -1): boolean {
    const row = day - this.firstDay;
    if (account >= this.capacity || row < 0 || row >= this.days) return false;
    const cell = 2 * (row * this.capacity + account);
    this.cells[cell]! += sign * seconds;
    this.cells[cell + 1]! += sign;
    const monthCell = 2 * (this.monthOfRow[row]! * this.capacity + account);
    this.monthCells[monthCell]! += sign * seconds;
    this.monthCells[monthCell + 1]! += sign;
    return true;
  }
}
