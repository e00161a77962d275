/**
 * The app's hourly points budget as several Tally instances share it (issue 14): every instance
 * takes points from one ledger before its Jira calls go, so together they never take more than
 * the hour's quota, and a quota pause one of them meets stops them all.
 */

/** One reservation: `points` taken from the UTC hour starting at `hourStartMs`, all or nothing. */
export interface PointsReservation {
  hourStartMs: number;
  points: number;
  /** The app's quota for the hour; the hour's row is created with it when it is the first to ask. */
  quota: number;
  /**
   * The most the hour may have spent after this reservation. `quota` for incremental calls; less
   * for backfill calls, which leave a share of the hour to incremental syncs.
   */
  ceilingPoints: number;
}

/** What the ledger said to a reservation. */
export interface PointsGrant {
  granted: boolean;
  /** Points the hour has spent or reserved, this grant included: the whole app's, every instance's. */
  spentPoints: number;
  /** The hour's quota as the ledger holds it (the first instance's setting wins for the hour). */
  quota: number;
  /** Every call of the app waits until then (a quota 429 one instance met); undefined when not paused. */
  appPausedUntilMs: number | undefined;
}

/**
 * Where the app's hourly points live. Every method is atomic on its own, and safe for any number
 * of instances at once. Rows are per UTC hour: Jira resets the quota at the top of each
 * (jira-connect-protocol.md §3).
 */
export interface PointsLedger {
  /**
   * Takes `points` if the hour's total stays within both the quota and `ceilingPoints`; takes
   * nothing otherwise. Refuses while the app is paused (the pause is read first), so a pause one
   * instance recorded stops the others at their next reservation.
   */
  reserve(reservation: PointsReservation, nowMs: number): Promise<PointsGrant>;
  /**
   * Adds `points` to the hour without asking (a call that cost more than it held: already spent),
   * or gives unused points back with a negative value. Never refuses; never below 0.
   */
  adjust(hourStartMs: number, points: number, quota: number): Promise<void>;
  /** Raises the hour's total to at least `spentPoints` (what Jira itself reports consumed); never lowers it. */
  raiseSpent(hourStartMs: number, spentPoints: number, quota: number): Promise<void>;
  /** Pauses every instance's calls until `untilMs`; keeps the later of two pauses. */
  pauseApp(untilMs: number): Promise<void>;
  /** When the app's calls are paused until, if that is after `nowMs`. */
  findAppPausedUntilMs(nowMs: number): Promise<number | undefined>;
}

/** One hour's row, as the in-memory ledger keeps it. */
interface HourRow {
  quota: number;
  spent: number;
}

/** Hours older than this are forgotten, as the SQL ledger deletes them: nobody reserves in the past. */
const KEEP_HOURS = 24;

/**
 * A {@link PointsLedger} in this process's memory: the same rules as the database one, for several
 * coordinators in one process (tests, and the reference the contract suite holds both to). It is
 * not what a single instance uses by default: without a ledger the coordinator keeps today's
 * behaviour (Jira's 429s, not Tally's estimate, stop incremental calls).
 */
export function createInMemoryPointsLedger(): PointsLedger {
  const hours = new Map<number, HourRow>();
  let appPausedUntilMs = 0;

  function hour(hourStartMs: number, quota: number): HourRow {
    let row = hours.get(hourStartMs);
    if (!row) {
      hours.set(hourStartMs, (row = { quota, spent: 0 }));
      for (const start of hours.keys()) if (start < hourStartMs - KEEP_HOURS * 3_600_000) hours.delete(start);
    }
    return row;
  }
  const pausedAfter = (nowMs: number) => (appPausedUntilMs > nowMs ? appPausedUntilMs : undefined);

  return {
    async reserve({ hourStartMs, points, quota, ceilingPoints }, nowMs) {
      const row = hour(hourStartMs, quota);
      const paused = pausedAfter(nowMs);
      const granted = paused === undefined && row.spent + points <= row.quota && row.spent + points <= ceilingPoints;
      if (granted) row.spent += points;
      return { granted, spentPoints: row.spent, quota: row.quota, appPausedUntilMs: paused };
    },
    async adjust(hourStartMs, points, quota) {
      const row = hour(hourStartMs, quota);
      row.spent = Math.max(0, row.spent + points);
    },
    async raiseSpent(hourStartMs, spentPoints, quota) {
      const row = hour(hourStartMs, quota);
      row.spent = Math.max(row.spent, spentPoints);
    },
    async pauseApp(untilMs) {
      appPausedUntilMs = Math.max(appPausedUntilMs, untilMs);
    },
    async findAppPausedUntilMs(nowMs) {
      return pausedAfter(nowMs);
    },
  };
}
