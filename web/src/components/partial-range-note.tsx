import type { ReportCoverage } from '../api/api-types.js';

/**
 * Says that the range's sums are not totals yet: part of it is older than what the first sync has
 * read so far (recent first, issue 15). The table's footer says "Partial total" too.
 */
export function PartialRangeNote({ coverage }: { coverage: ReportCoverage }) {
  const from = coverage.completeFromDate ? ` Worklogs from ${formatDay(coverage.completeFromDate)} on are complete;` : '';
  return (
    <p className="banner banner-warning" role="note" data-testid="partial-range">
      <strong>Partial:</strong>
      {from} earlier ones are still loading, so this range’s sums are not its totals yet.
    </p>
  );
}

/** `2026-10-01` as "1 Oct 2026", in no particular zone (it is already a calendar date). */
function formatDay(date: string): string {
  return new Date(`${date}T12:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
}
