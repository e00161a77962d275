/**
 * The typed failures of log work and the timer (docs/api.md, issue 16): Tally's own validation
 * (`WORKLOG_INPUT_INVALID`, one message per field), Jira's refusal (`JIRA_WORKLOG_REFUSED`, Jira's
 * words in `message` and why in `details`), and the rest as plain {@link ApiError}s. The message
 * is always kept as the server sent it: the page shows it verbatim.
 */
import { ApiError, apiErrorFrom } from './api-error.js';

/** Why Jira refused a worklog write (`details` of `JIRA_WORKLOG_REFUSED`). */
export type WorklogRefusalReason = 'time_tracking_off' | 'no_permission' | 'issue_not_found' | 'worklog_not_found' | 'bad_input';

const REASONS: ReadonlySet<string> = new Set<WorklogRefusalReason>(['time_tracking_off', 'no_permission', 'issue_not_found', 'worklog_not_found', 'bad_input']);

/** The fields of the log-work form, as the API names them. */
export type WorklogField = 'issue' | 'date' | 'startTime' | 'duration' | 'comment';

const FIELDS: ReadonlySet<string> = new Set<WorklogField>(['issue', 'date', 'startTime', 'duration', 'comment']);

/** Tally's own validation failed: `fields` says what is wrong with each field it names. */
export class WorklogInputError extends ApiError {
  constructor(
    message: string,
    status: number,
    details: readonly string[],
    readonly fields: Readonly<Partial<Record<WorklogField, string>>>,
  ) {
    super(message, 'WORKLOG_INPUT_INVALID', status, details);
    this.name = 'WorklogInputError';
  }
}

/** Jira refused the write; `message` is Jira's own words. `reason` is undefined when the server named none the page knows. */
export class WorklogRefusedError extends ApiError {
  constructor(
    message: string,
    status: number,
    details: readonly string[],
    readonly reason: WorklogRefusalReason | undefined,
  ) {
    super(message, 'JIRA_WORKLOG_REFUSED', status, details);
    this.name = 'WorklogRefusedError';
  }
}

/** `field: message` lines (the shape api-error.ts flattens `details` to) as a map of the fields the form has. */
export function fieldProblems(details: readonly string[]): Partial<Record<WorklogField, string>> {
  const fields: Partial<Record<WorklogField, string>> = {};
  for (const line of details) {
    const match = /^([A-Za-z]+)\s*:\s*(.+)$/s.exec(line);
    const field = match?.[1];
    if (field && FIELDS.has(field) && fields[field as WorklogField] === undefined) fields[field as WorklogField] = match[2]!.trim();
  }
  return fields;
}

/** The refusal reason in `details`, whichever shape carries it: `"no_permission"`, `["no_permission"]` or `{ reason }`. */
export function refusalReason(details: unknown): WorklogRefusalReason | undefined {
  const candidates: unknown[] = Array.isArray(details) ? details : [details];
  for (const candidate of candidates) {
    const value = candidate && typeof candidate === 'object' ? (candidate as { reason?: unknown }).reason : candidate;
    if (typeof value === 'string' && REASONS.has(value)) return value as WorklogRefusalReason;
  }
  return undefined;
}

/**
 * The error of a failed worklog or timer call: a {@link WorklogInputError} or
 * {@link WorklogRefusedError} when Tally said so, else what {@link apiErrorFrom} makes of it.
 */
export async function worklogErrorFrom(response: Response): Promise<ApiError> {
  const raw = response.clone();
  const error = await apiErrorFrom(response);
  if (error.code === 'WORKLOG_INPUT_INVALID') return new WorklogInputError(error.message, error.status, error.details, fieldProblems(error.details));
  if (error.code === 'JIRA_WORKLOG_REFUSED') {
    const body = (await raw.json().catch(() => undefined)) as { error?: { details?: unknown } } | undefined;
    return new WorklogRefusedError(error.message, error.status, error.details, refusalReason(body?.error?.details));
  }
  return error;
}
