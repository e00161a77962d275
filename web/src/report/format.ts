/** Hours with two decimals in the viewer's locale (`12.50`), from exact seconds. */
export function formatHours(seconds: number): string {
  return (seconds / 3600).toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/** A share of a total as a whole percentage, `<1%` for tiny non-zero shares. */
export function formatShare(part: number, total: number): string {
  if (total <= 0 || part <= 0) return '0%';
  const share = (part / total) * 100;
  return share < 1 ? '<1%' : `${Math.round(share)}%`;
}

/** The time of day of a Jira `started` string (`2026-03-05T09:00:00.000+0900` → `09:00`). */
export function startedTime(started: string): string {
  return /T(\d{2}:\d{2})/.exec(started)?.[1] ?? '';
}
