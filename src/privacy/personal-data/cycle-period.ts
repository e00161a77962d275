/**
 * Reading the `Cycle-Period` header of the Personal Data Reporting API. Its format is unverified
 * (jira-connect-protocol.md §6): implementations assume either seconds (`604800`) or an ISO-8601
 * duration (`P7D`), so both are accepted.
 */

const SECOND_MS = 1000;
const DAY_MS = 86_400_000;

/** Shorter than this is not believed: the header would have Tally poll Atlassian continuously. */
export const MIN_CYCLE_PERIOD_MS = 3_600_000;
/** Longer than this is not believed either: accounts would go unreported for over a year. */
export const MAX_CYCLE_PERIOD_MS = 366 * DAY_MS;

// PnYnMnWnDTnHnMnS with optional fractions; at least one part. Years count 365 days and months
// 30: a period is a polling interval, not a calendar date, so the approximation is harmless.
const ISO_DURATION = /^P(?:(\d+(?:[.,]\d+)?)Y)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/i;
const ISO_UNITS_MS = [365 * DAY_MS, 30 * DAY_MS, 7 * DAY_MS, DAY_MS, 3_600_000, 60_000, SECOND_MS];

function parseIsoDurationMs(text: string): number | undefined {
  const match = ISO_DURATION.exec(text);
  // A `T` must be followed by a time part (`P1DT` is malformed).
  if (!match || /T$/i.test(text)) return undefined;
  let total = 0;
  let parts = 0;
  for (const [index, unitMs] of ISO_UNITS_MS.entries()) {
    const value = match[index + 1];
    if (value === undefined) continue;
    total += Number(value.replace(',', '.')) * unitMs;
    parts++;
  }
  return parts === 0 ? undefined : total;
}

/**
 * The cycle period a `Cycle-Period` header announces, in ms: a number of seconds (`604800`,
 * `604800.0`) or an ISO-8601 duration (`P7D`, `P1W`, `PT168H`, `P0DT604800S`). Undefined — keep
 * the period in force — when the header is absent, in neither form, or outside
 * [{@link MIN_CYCLE_PERIOD_MS}, {@link MAX_CYCLE_PERIOD_MS}] (a bare `7` is most likely days
 * in someone's reading, seconds in another's: neither is acted on). Pure; never throws.
 */
export function parseCyclePeriodMs(header: string | null | undefined): number | undefined {
  const text = header?.trim() ?? '';
  if (text === '') return undefined;
  const ms = /^\d{1,12}(\.\d+)?$/.test(text) ? Number(text) * SECOND_MS : parseIsoDurationMs(text);
  if (ms === undefined || !Number.isFinite(ms) || ms < MIN_CYCLE_PERIOD_MS || ms > MAX_CYCLE_PERIOD_MS) return undefined;
  return Math.round(ms);
}
