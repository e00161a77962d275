/**
 * Which part of a tenant's worklogs Tally holds exactly, as the sync module says (the report
 * service's port to it: reports never read sync state themselves).
 */
export interface SyncCoverageSource {
  /** Worklogs started at or after this instant are exact; 0: all are; undefined: none is yet. */
  completeFromMs: number | undefined;
  /** Seconds until all are, when known. */
  etaSeconds: number | undefined;
}

/** What a report answer says about its own completeness (docs/api.md). */
export interface ReportCoverage {
  /** Every worklog of the question's range is held: its totals are totals. */
  complete: boolean;
  /** While the history loads: the instant (ISO 8601) from which worklogs are complete; null when all are or none is yet. */
  completeFrom: string | null;
  /** The first whole day of that in the question's zone (yyyy-MM-dd): what the page says is complete. */
  completeFromDate: string | null;
  /** The history is still loading. */
  loading: boolean;
  /** Seconds until it has loaded, when known. */
  etaSeconds: number | null;
}

/** The zone's offset from UTC at `instantMs`, in ms (east positive). */
function zoneOffsetMs(instantMs: number, timeZone: string): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(instantMs).find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  if (!match) return 0;
  return (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 3_600_000 + Number(match[3]) * 60_000);
}

/** The instant `date` (yyyy-MM-dd) begins in `timeZone`. */
export function startOfDayMs(date: string, timeZone: string): number {
  const utcMidnight = Date.parse(`${date}T00:00:00Z`);
  // Twice: the offset at the guess may differ from the offset at the answer around a DST change.
  let instant = utcMidnight - zoneOffsetMs(utcMidnight, timeZone);
  instant = utcMidnight - zoneOffsetMs(instant, timeZone);
  return instant;
}

/** The first day in `timeZone` that begins at or after `instantMs`. */
export function firstWholeDay(instantMs: number, timeZone: string): string {
  const local = new Date(instantMs + zoneOffsetMs(instantMs, timeZone)).toISOString().slice(0, 10);
  if (startOfDayMs(local, timeZone) >= instantMs) return local;
  return new Date(Date.parse(`${local}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/**
 * The coverage of a question over `from`… in `timeZone`: complete when the whole history is, or
 * when the range starts at or after the complete range's start. A range that reaches earlier is
 * partial — the page must not present its sums as totals (issue 15).
 */
export function reportCoverage(source: SyncCoverageSource, from: string, timeZone: string): ReportCoverage {
  const { completeFromMs, etaSeconds } = source;
  const loading = completeFromMs !== 0;
  const complete = completeFromMs === 0 || (completeFromMs !== undefined && startOfDayMs(from, timeZone) >= completeFromMs);
  return {
    complete,
    completeFrom: completeFromMs === undefined || completeFromMs === 0 ? null : new Date(completeFromMs).toISOString(),
    completeFromDate: completeFromMs === undefined || completeFromMs === 0 ? null : firstWholeDay(completeFromMs, timeZone),
    loading,
    etaSeconds: loading && etaSeconds !== undefined ? Math.round(etaSeconds) : null,
  };
}
