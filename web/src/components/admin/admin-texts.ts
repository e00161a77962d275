/**
 * What the admin view says, as plain functions of the data (unit-tested in admin-texts.test.ts):
 * the pairing code's validity, a workspace's platform and installer, and failures in words a
 * Jira admin can act on.
 */
import { ApiError } from '../../api/api-error.js';
import type { BitbucketEdge } from '../../api/api-types.js';

/** Shown instead of the section when Tally answers 403: the viewer is not a Jira site admin. */
export const NOT_ADMIN_MESSAGE = 'Only Jira site admins can link Bitbucket workspaces.';

const MINUTE_MS = 60_000;

/**
 * Whole minutes a code stays valid, counted from `nowMs` and rounded to the nearest minute: the
 * answer took a moment to arrive, so a 15-minute code is still "15 minutes", never "14". At least 0.
 */
export function minutesLeft(expiresAt: string, nowMs: number): number {
  const leftMs = Date.parse(expiresAt) - nowMs;
  return Number.isFinite(leftMs) ? Math.max(0, Math.round(leftMs / MINUTE_MS)) : 0;
}

/** "valid for 15 minutes, works once" (one minute: "1 minute"). */
export function validityText(expiresAt: string, nowMs: number): string {
  const minutes = minutesLeft(expiresAt, nowMs);
  return `valid for ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}, works once`;
}

/** The clock time a code expires at, in the viewer's locale and zone (e.g. "14:32"). */
export function expiryClockText(expiresAt: string, locale?: string): string {
  return new Date(expiresAt).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
}

/** The date a workspace was linked, in the viewer's locale and zone (e.g. "Mar 5, 2026"). */
export function linkedDateText(linkedAt: string, locale?: string): string {
  return new Date(linkedAt).toLocaleDateString(locale, { year: 'numeric', month: 'short', day: 'numeric' });
}

/** The Bitbucket app a workspace installed Tally as; an edge the page does not know is named as it is. */
export function platformName(edge: BitbucketEdge | string): string {
  if (edge === 'bitbucket-forge') return 'Forge app';
  if (edge === 'bitbucket-connect') return 'Connect app';
  return edge;
}

/** The installer's name as shown; Bitbucket may have given none. */
export function installerName(username: string | null): string {
  return username && username.trim() !== '' ? username : 'Unknown user';
}

/** Whether a failure means the viewer is not a Jira site admin. */
export function isNotAdmin(error: Error): boolean {
  return error instanceof ApiError && error.status === 403;
}

/** A failure as one sentence: the 403 in the admin's words, anything else as Tally said it. */
export function failureText(error: Error): string {
  if (isNotAdmin(error)) return NOT_ADMIN_MESSAGE;
  if (error instanceof ApiError && error.code === 'NOT_FOUND') return 'That workspace is no longer linked to this Jira site.';
  return error.message;
}
