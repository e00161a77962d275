/**
 * A failed API call as the page shows it: Tally's `{ error: { code, message } }` when it sent
 * one, otherwise a description of what went wrong on the way.
 */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    /** HTTP status; 0 when Tally could not be reached. */
    readonly status: number,
    /** Field problems of `REPORT_QUERY_INVALID`, when Tally lists them. */
    readonly details: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ApiError';
  }
}

/** Whether an error is an aborted request (a newer question replaced it): never shown. */
export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

function detailText(detail: unknown): string | undefined {
  if (typeof detail === 'string') return detail;
  if (detail && typeof detail === 'object') {
    const { path, field, message } = detail as { path?: unknown; field?: unknown; message?: unknown };
    const where = Array.isArray(path) ? path.join('.') : typeof field === 'string' ? field : undefined;
    if (typeof message === 'string') return where ? `${where}: ${message}` : message;
  }
  return undefined;
}

/** Builds the error of a non-2xx answer from its body (JSON error or anything else). */
export async function apiErrorFrom(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
    const error = body.error;
    if (error && typeof error.message === 'string') {
      const details = Array.isArray(error.details) ? error.details.map(detailText).filter((d): d is string => d !== undefined) : [];
      return new ApiError(error.message, typeof error.code === 'string' ? error.code : 'UNKNOWN', response.status, details);
    }
  } catch {
    // Not JSON: a proxy or gateway answered; fall through to the status line.
  }
  return new ApiError(`Tally answered ${response.status} ${response.statusText}`.trim(), 'HTTP_ERROR', response.status);
}
