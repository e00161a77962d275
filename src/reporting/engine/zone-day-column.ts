import { ZoneOffsets } from './zone-offsets.js';

/** Day of a removed row in every day column: below any date a query can name, so no range matches it. */
export const DEAD_DAY = -0x80000000;

/**
 * The work date (days since 1970-01-01 in one time zone) of every slot of a {@link WorklogColumns},
 * kept in step with it: computed once for all slots, then updated per written slot. `minDay` and
 * `maxDay` bound the live rows' days; they only widen between compactions (a bound, not exact).
 */
export class ZoneDayColumn {
  readonly offsets: ZoneOffsets;
  days: Int32Array;
  minDay = Number.POSITIVE_INFINITY;
  maxDay = Number.NEGATIVE_INFINITY;

  constructor(timeZone: string, capacity: number) {
    this.offsets = new ZoneOffsets(timeZone);
    this.days = new Int32Array(capacity);
  }

  /** Sets the day of a live slot started at `startedMs`. */
  set(slot: number, startedMs: number): void {
    const day = this.offsets.dayNumberOf(startedMs);
    this.days[slot] = day;
    if (day < this.minDay) this.minDay = day;
    if (day > this.maxDay) this.maxDay = day;
  }

  /** Marks a slot removed. */
  kill(slot: number): void {
    this.days[slot] = DEAD_DAY;
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
  }
}
