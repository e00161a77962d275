import { civilFromDays, DAY_MS, daysFromCivil } from './civil-date.js';

/*
 * A time zone's UTC offset at any instant, from Intl (the platform's tz database), made cheap
 * enough for ten million rows:
 * - per UTC year, the exact transitions: Intl sampled every 6 hours, each change bisected to the
 *   second (tz database transitions fall on whole seconds). Two transitions less than 6 hours
 *   apart that cancel each other would be missed; the tz database has none.
 * - per UTC day (1900–2199), the offset when it holds for the whole day, or MIXED on the ~2 days a
 *   year that contain a transition. Built lazily in 512-day chunks. Rows on MIXED days and outside
 *   the window take the exact per-year path.
 * Typed-array reads use `!`: indexes are in range by construction.
 */

const SECOND_MS = 1000;
const SAMPLE_STEP_MS = 6 * 3_600_000;
const MIXED = -0x80000000;
const LUT_FIRST_DAY = daysFromCivil(1900, 1, 1);
const LUT_DAYS = daysFromCivil(2200, 1, 1) - LUT_FIRST_DAY;
const CHUNK_SHIFT = 9;
const CHUNK_DAYS = 1 << CHUNK_SHIFT;

/** Offsets within one UTC year: `offsets[0]` from the year's start, `offsets[k + 1]` from `transitions[k]`. */
interface YearOffsets {
  transitions: number[];
  offsets: number[];
}

/**
 * The offsets of one IANA zone (or `UTC`). Throws RangeError when Intl does not know the zone.
 * Not thread-shared, not persisted; tables grow with the years asked for (a few KB per year).
 */
export class ZoneOffsets {
  readonly timeZone: string;
  readonly #format: Intl.DateTimeFormat;
  readonly #years = new Map<number, YearOffsets>();
  readonly #chunks: (Int32Array | undefined)[] = new Array(Math.ceil(LUT_DAYS / CHUNK_DAYS));

  constructor(timeZone: string) {
    this.timeZone = timeZone;
    this.#format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** The zone's offset from UTC, in ms, at the instant `ms` (exact, DST included). */
  offsetAt(ms: number): number {
    const { transitions, offsets } = this.#yearOf(civilFromDays(Math.floor(ms / DAY_MS)).year);
    let k = 0;
    while (k < transitions.length && (transitions[k] as number) <= ms) k++;
    return offsets[k] as number;
  }

  /** The calendar day (days since 1970-01-01) in this zone of the instant `ms`. */
  dayNumberOf(ms: number): number {
    const k = Math.floor(ms / DAY_MS) - LUT_FIRST_DAY;
    if (k >= 0 && k < LUT_DAYS) {
      const chunk = this.#chunks[k >> CHUNK_SHIFT] ?? this.#buildChunk(k >> CHUNK_SHIFT);
      const offset = chunk[k & (CHUNK_DAYS - 1)]!;
      if (offset !== MIXED) return Math.floor((ms + offset) / DAY_MS);
    }
    return Math.floor((ms + this.offsetAt(ms)) / DAY_MS);
  }

  /**
   * `dayNumberOf` for slots [0, count) of `startedMs` into `days` (slots whose `alive` is 0 get
   * `deadDay`), returning the smallest and largest live day. One tight loop for a column build.
   */
  fillDays(startedMs: Float64Array, alive: Uint8Array, count: number, days: Int32Array, deadDay: number): { minDay: number; maxDay: number } {
    let minDay = Number.POSITIVE_INFINITY;
    let maxDay = Number.NEGATIVE_INFINITY;
    let chunkIndex = -1;
    let chunk: Int32Array | undefined;
    for (let slot = 0; slot < count; slot++) {
      if (alive[slot] === 0) {
        days[slot] = deadDay;
        continue;
      }
      const ms = startedMs[slot]!;
      const k = Math.floor(ms / DAY_MS) - LUT_FIRST_DAY;
      let day: number;
      // Neighbouring slots mostly share a chunk (ids rise with time), so the lookup is cached.
      if (k >= 0 && k < LUT_DAYS) {
        if (k >> CHUNK_SHIFT !== chunkIndex) {
          chunkIndex = k >> CHUNK_SHIFT;
          chunk = this.#chunks[chunkIndex] ?? this.#buildChunk(chunkIndex);
        }
        const offset = chunk![k & (CHUNK_DAYS - 1)]!;
        day = offset !== MIXED ? Math.floor((ms + offset) / DAY_MS) : Math.floor((ms + this.offsetAt(ms)) / DAY_MS);
      } else {
        day = Math.floor((ms + this.offsetAt(ms)) / DAY_MS);
      }
      days[slot] = day;
      if (day < minDay) minDay = day;
      if (day > maxDay) maxDay = day;
    }
    return { minDay, maxDay };
  }

  /** The transitions (instant, offset after it) in [fromMs, toMs): for tests and diagnostics. */
  transitionsBetween(fromMs: number, toMs: number): { atMs: number; offsetMs: number }[] {
    const found: { atMs: number; offsetMs: number }[] = [];
    const last = civilFromDays(Math.floor(toMs / DAY_MS)).year;
    for (let year = civilFromDays(Math.floor(fromMs / DAY_MS)).year; year <= last; year++) {
      const { transitions, offsets } = this.#yearOf(year);
      transitions.forEach((atMs, k) => atMs >= fromMs && atMs < toMs && found.push({ atMs, offsetMs: offsets[k + 1] as number }));
    }
    return found;
  }

  #buildChunk(index: number): Int32Array {
    const chunk = new Int32Array(CHUNK_DAYS);
    const firstDay = LUT_FIRST_DAY + index * CHUNK_DAYS;
    for (let k = 0; k < CHUNK_DAYS; k++) {
      const startMs = (firstDay + k) * DAY_MS;
      const { transitions, offsets } = this.#yearOf(civilFromDays(firstDay + k).year);
      let t = 0;
      while (t < transitions.length && (transitions[t] as number) <= startMs) t++;
      // A transition after the day's first instant and before the next day changes its offset.
      const changes = t < transitions.length && (transitions[t] as number) < startMs + DAY_MS;
      chunk[k] = changes ? MIXED : (offsets[t] as number);
    }
    this.#chunks[index] = chunk;
    return chunk;
  }

  #yearOf(year: number): YearOffsets {
    let table = this.#years.get(year);
    if (table === undefined) {
      table = this.#scanYear(year);
      this.#years.set(year, table);
    }
    return table;
  }

  #scanYear(year: number): YearOffsets {
    const startMs = daysFromCivil(year, 1, 1) * DAY_MS;
    const endMs = daysFromCivil(year + 1, 1, 1) * DAY_MS;
    const table: YearOffsets = { transitions: [], offsets: [this.#intlOffset(startMs)] };
    let previousMs = startMs;
    let previous = table.offsets[0] as number;
    while (previousMs < endMs) {
      const sampleMs = Math.min(previousMs + SAMPLE_STEP_MS, endMs);
      const sample = this.#intlOffset(sampleMs);
      // Walk every change inside (previousMs, sampleMs], also several, until the sample's offset.
      while (sample !== previous) {
        let lo = previousMs;
        let hi = sampleMs;
        while (hi - lo > SECOND_MS) {
          const mid = lo + Math.floor((hi - lo) / (2 * SECOND_MS)) * SECOND_MS;
          if (this.#intlOffset(mid) === previous) lo = mid;
          else hi = mid;
        }
        previous = this.#intlOffset(hi);
        previousMs = hi;
        // A change exactly at the year's end is the next year's starting offset.
        if (hi < endMs) {
          table.transitions.push(hi);
          table.offsets.push(previous);
        }
      }
      previousMs = sampleMs;
    }
    return table;
  }

  /** Offset at `ms` by formatting it in the zone (second precision, as the tz database). */
  #intlOffset(ms: number): number {
    const secondMs = Math.floor(ms / SECOND_MS) * SECOND_MS;
    let year = 0;
    let month = 0;
    let day = 0;
    let hour = 0;
    let minute = 0;
    let second = 0;
    let beforeCommonEra = false;
    for (const part of this.#format.formatToParts(secondMs)) {
      if (part.type === 'year') year = Number(part.value);
      else if (part.type === 'month') month = Number(part.value);
      else if (part.type === 'day') day = Number(part.value);
      else if (part.type === 'hour') hour = Number(part.value);
      else if (part.type === 'minute') minute = Number(part.value);
      else if (part.type === 'second') second = Number(part.value);
      else if (part.type === 'era') beforeCommonEra = part.value === 'BC';
    }
    // Intl counts 1 BC, 2 BC, …; the civil maths counts 0, -1, ….
    const civilYear = beforeCommonEra ? 1 - year : year;
    const localMs = daysFromCivil(civilYear, month, day) * DAY_MS + ((hour * 60 + minute) * 60 + second) * SECOND_MS;
    return localMs - secondMs;
  }
}
