/**
 * An append-mostly log of (id, time) changes, kept sorted by time then id, as Jira's
 * `/worklog/updated` and `/worklog/deleted` feeds present them. An id changed twice has two
 * entries; the older one is skipped at read time (`isCurrent`), so a feed lists each id once,
 * at its latest time.
 */
export interface FeedEntry {
  id: number;
  time: number;
}

export class ChangeFeed {
  private readonly entries: FeedEntry[] = [];
  /** Set when an entry arrived out of order; the next read sorts once (bulk generation). */
  private unsorted = false;

  /** Records that `id` changed at `time`; O(1), sorting is deferred to the next read. */
  record(id: number, time: number): void {
    const last = this.entries[this.entries.length - 1];
    if (last && (last.time > time || (last.time === time && last.id > id))) this.unsorted = true;
    this.entries.push({ id, time });
  }

  /** Index of the first entry at or after (time, id). */
  private lowerBound(time: number, id: number): number {
    if (this.unsorted) {
      this.entries.sort((a, b) => a.time - b.time || a.id - b.id);
      this.unsorted = false;
    }
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const e = this.entries[mid] as FeedEntry;
      if (e.time < time || (e.time === time && e.id < id)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Lists current entries with `fromTime <= time < beforeTime` (or `>` when not inclusive),
   * oldest first, at most `limit` of them, and says whether more remain.
   */
  read(
    fromTime: number,
    inclusive: boolean,
    beforeTime: number,
    limit: number,
    isCurrent: (entry: FeedEntry) => boolean,
  ): { items: FeedEntry[]; more: boolean } {
    const items: FeedEntry[] = [];
    let index = inclusive ? this.lowerBound(fromTime, -Infinity) : this.lowerBound(fromTime, Infinity);
    for (; index < this.entries.length; index++) {
      const entry = this.entries[index] as FeedEntry;
      if (entry.time >= beforeTime) break;
      if (!isCurrent(entry)) continue;
      if (items.length === limit) return { items, more: true };
      items.push(entry);
    }
    return { items, more: false };
  }

  /** Number of raw entries, current or not (for memory accounting in benches). */
  get size(): number {
    return this.entries.length;
  }
}
