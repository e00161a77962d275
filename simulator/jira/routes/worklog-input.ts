import { isAdfDoc, type AdfDoc } from '../adf.js';
import { parseJiraDate } from '../jira-date.js';
import type { SiteBehaviour, SimVisibility } from '../jira-site.js';
import type { ApiVersion } from '../render.js';

/** The fields a create or update may set, after validation. */
export interface WorklogInput {
  comment?: AdfDoc | undefined;
  startedMs?: number;
  timeSpentSeconds?: number;
  visibility?: SimVisibility | undefined;
}

export type InputResult = { ok: true; value: WorklogInput } | { ok: false; errorMessages: string[]; errors: Record<string, string> };

const MAX_SECONDS = 10 * 365 * 86_400;

/**
 * Parses Jira's duration text (`1w 2d 3h 30m`, `1.5h`, a bare number of minutes) into seconds
 * using the site's working day and week; undefined when it is not a duration.
 */
export function parseTimeSpent(text: string, behaviour: SiteBehaviour): number | undefined {
  const trimmed = text.trim().toLowerCase();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 60;
  const unitSeconds: Record<string, number> = {
    w: behaviour.daysPerWeek * behaviour.hoursPerDay * 3600,
    d: behaviour.hoursPerDay * 3600,
    h: 3600,
    m: 60,
  };
  const parts = trimmed.split(/\s+/);
  let total = 0;
  for (const part of parts) {
    const match = /^(\d+(?:\.\d+)?)([wdhm])$/.exec(part);
    if (!match) return undefined;
    total += Number(match[1]) * (unitSeconds[match[2] as string] as number);
  }
  return Math.round(total);
}

function parseVisibility(value: unknown): SimVisibility | undefined | 'invalid' {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object') return 'invalid';
  const v = value as Record<string, unknown>;
  if (v.type !== 'group' && v.type !== 'role') return 'invalid';
  const name = typeof v.value === 'string' ? v.value : undefined;
  const identifier = typeof v.identifier === 'string' ? v.identifier : undefined;
  if (!name && !identifier) return 'invalid';
  return { type: v.type, value: name ?? identifier ?? '', ...(identifier ? { identifier } : {}) };
}

/**
 * Validates a worklog body as Jira does: `started` in the exact `.SSS±hhmm` pattern, exactly one
 * of `timeSpent`/`timeSpentSeconds` on create, an ADF comment on v3 and a string on v2.
 */
export function parseWorklogInput(
  body: unknown,
  version: ApiVersion,
  mode: 'create' | 'update',
  behaviour: SiteBehaviour,
): InputResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, errorMessages: ['The request body must be a JSON object.'], errors: {} };
  }
  const b = body as Record<string, unknown>;
  const errors: Record<string, string> = {};
  const value: WorklogInput = {};

  if (b.started !== undefined) {
    const startedMs = typeof b.started === 'string' ? parseJiraDate(b.started) : undefined;
    if (startedMs === undefined) {
      errors.started = `Invalid date format. Please enter the date in the format "yyyy-MM-dd'T'HH:mm:ss.SSSZ".`;
    } else value.startedMs = startedMs;
  } else if (mode === 'create') {
    errors.started = 'You must specify a start date for the work log.';
  }

  const hasText = b.timeSpent !== undefined && b.timeSpent !== null;
  const hasSeconds = b.timeSpentSeconds !== undefined && b.timeSpentSeconds !== null;
  if (hasText && hasSeconds) {
    errors.timeLogged = 'Provide either timeSpent or timeSpentSeconds, not both.';
  } else if (hasSeconds) {
    const seconds = b.timeSpentSeconds;
    if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1 || seconds > MAX_SECONDS) {
      errors.timeLogged = 'Invalid time duration entered.';
    } else value.timeSpentSeconds = seconds;
  } else if (hasText) {
    const seconds = typeof b.timeSpent === 'string' ? parseTimeSpent(b.timeSpent, behaviour) : undefined;
    if (seconds === undefined || seconds < 1 || seconds > MAX_SECONDS) errors.timeLogged = 'Invalid time duration entered.';
    else value.timeSpentSeconds = seconds;
  } else if (mode === 'create') {
    errors.timeLogged = 'You must indicate the time spent working.';
  }

  if (b.comment !== undefined && b.comment !== null) {
    if (version === '3') {
      if (isAdfDoc(b.comment)) value.comment = b.comment;
      else errors.comment = 'Comment must be an Atlassian Document Format document.';
    } else if (typeof b.comment === 'string') {
      value.comment = b.comment === '' ? undefined : { type: 'doc', version: 1, content: b.comment.split('\n').map((line) => ({ type: 'paragraph', content: line ? [{ type: 'text', text: line }] : [] })) };
    } else {
      errors.comment = 'Comment must be a string.';
    }
  } else if (b.comment === null) {
    value.comment = undefined;
  }

  if ('visibility' in b) {
    const visibility = parseVisibility(b.visibility);
    if (visibility === 'invalid') errors.visibility = 'Visibility must name a group or a role.';
    else value.visibility = visibility;
  }

  if (Object.keys(errors).length > 0) return { ok: false, errorMessages: [], errors };
  // An update naming no field Jira knows is refused rather than bumping `updated` for nothing
  // (Jira's answer to an empty update is undocumented; refusing is the safer reading).
  if (mode === 'update' && Object.keys(value).length === 0) {
    return { ok: false, errorMessages: ['The request must set at least one of started, timeSpent, timeSpentSeconds, comment or visibility.'], errors: {} };
  }
  return { ok: true, value };
}
