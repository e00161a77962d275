import type { LogWorkAvailability } from '../../api/api-types.js';

/** Said when the server gives no reason (e.g. a Tally that predates log work). */
export const DEFAULT_UNAVAILABLE_REASON = 'Log work is not available on this site.';

/** Why this page cannot log work (the site edge has no user to write as), instead of the form. */
export function UnavailableNotice({ availability }: { availability: LogWorkAvailability }) {
  return (
    <p className="log-work-unavailable" data-testid="log-work-unavailable">
      {availability.reason ?? DEFAULT_UNAVAILABLE_REASON}
    </p>
  );
}
