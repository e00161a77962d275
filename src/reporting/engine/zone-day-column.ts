import { AccountDayCube } from './account-day-cube.js';
import type { ColumnArrays } from './column-arrays.js';
import { ZoneOffsets } from './zone-offsets.js';

/** Day of a removed row in every day column: below any date a query can name, so no range matches it. */
export const DEAD_DAY = -0x80000000;

/**
 * The work date (days since 1970-01-01 in one time zone) of every slot of a {@link WorklogColumns},
 * kept in step with it: computed once for all slots, then updated per written slot. `minDay` and
 * `maxDay` bound the live rows' days; they only widen between compactions (a bound, not exact).
 * Also holds the zone's {@link AccountDayCube} once a query asked for it, kept exact by the same
 * writes (dropped, to be rebuilt on demand, when a write falls outside it).
 */
export class ZoneDayColumn {
  readonly offsets: ZoneOffsets;
  days: Int32Array;
  minDay = Number.POSITIVE_INFINITY;
  maxDay = Number.NEGATIVE_INFINITY;
  #cube: AccountDayCube | undefined;
  /** The cube would be too large for the current day span; asked again after a rebuild of the days. */
  #cubeRefused = false;

  constructor(timeZone: string, capacity: number) {
    this.offsets = new ZoneOffsets(timeZone);
    this.days = new Int32Array(capacity);
  }

  /** Bytes this column holds: a day per slot, and the zone's author × day rollup once built (the columns cache's budget). */
  byteLength(): number {
    const cube = this.#cube;
    const cubeBytes = cube === undefined ? 0 : cube.cells.byteLength + cube.monthCells.byteLength + cube.monthOfRow.byteLength + cube.monthStartRow.byteLength;
    return this.days.byteLength + cubeBytes;
  }

  /** Computes every slot's day from scratch (removed slots get DEAD_DAY). */
  fill(startedMs: Float64Array, alive: Uint8Array, slots: number): void {
    const { minDay, maxDay } = this.offsets.fillDays(startedMs, alive, slots, this.days, DEAD_DAY);
    this.minDay = minDay;
    this.maxDay = maxDay;
    this.#dropCube();
  }

  /** The zone's author × day rollup, built on first use; undefined when it would be too large. */
  cube(arrays: Readonly<ColumnArrays>): AccountDayCube | undefined {
    if (this.#cube === undefined && !this.#cubeRefused && this.minDay <= this.maxDay) {
      this.#cube = AccountDayCube.build(arrays, this.days, this.minDay, this.maxDay);
      this.#cubeRefused = this.#cube === undefined;
    }
    return this.#cube;
  }

  /** Sets the day of a slot that becomes live (or is rewritten) with these values. */
  set(slot: number, startedMs: number, account: number, seconds: number): void {
    const day = this.offsets.dayNumberOf(startedMs);
    this.days[slot] = day;
    if (day < this.minDay) this.minDay = day;
    if (day > this.maxDay) this.maxDay = day;
    if (this.#cube !== undefined && !this.#cube.add(account, day, seconds, 1)) this.#dropCube();
  }

  /** Takes a live slot's current values out of the rollup, before they are rewritten. */
  unset(slot: number, account: number, seconds: number): void {
    if (this.#cube !== undefined && !this.#cube.add(account, this.days[slot]!, seconds, -1)) this.#dropCube();
  }

  /** Marks a live slot removed (its values leave the rollup). */
  kill(slot: number, account: number, seconds: number): void {
    this.unset(slot, account, seconds);
    this.days[slot] = DEAD_DAY;
  }

  #dropCube(): void {
    this.#cube = undefined;
    this.#cubeRefused = false;
  }

  /** Grows the column to `capacity` slots, keeping the values. */
  grow(capacity: number): void {
    const days = new Int32Array(capacity);
    days.set(this.days);
    this.days = days;
  }

  /** Rebuilds the column in a new slot order: slot `i` takes the old slot `order[i]`. */
  reorder(order: Int32Array, capacity: number): void {
    const days = new Int32Array(capacity);
    let minDay = Number.POSITIVE_INFINITY;
    let maxDay = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < order.length; i++) {
      const day = this.days[order[i]!]!;
      days[i] = day;
      if (day !== DEAD_DAY && day < minDay) minDay = day;
      if (day > maxDay) maxDay = day;
    }
    this.days = days;
    this.minDay = minDay;
    this.maxDay = maxDay;
    // Slots moved; the rollup is by author and day, not by slot, so it stays valid. A refused one
    // may fit the narrower span now.
    this.#cubeRefused = false;
  }
}
