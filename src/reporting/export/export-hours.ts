/**
 * Hours with two decimals, rounded half up from whole seconds: `5400` → `"1.50"`, `60` → `"0.02"`.
 * Computed on integers (hundredths of an hour = seconds / 36), so no binary-float artefacts.
 */
export function formatHours(seconds: number): string {
  const hundredths = Math.round(Math.abs(seconds) / 36);
  const sign = seconds < 0 && hundredths > 0 ? '-' : '';
  return `${sign}${Math.floor(hundredths / 100)}.${String(hundredths % 100).padStart(2, '0')}`;
}

/** Exact hours as a number, for spreadsheet cells that show `0.00` but keep full precision for sums. */
export function secondsToHours(seconds: number): number {
  return seconds / 3600;
}
