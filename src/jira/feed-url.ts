import { AppError } from '../platform/app-error.js';
import type { FeedCursor } from './jira-client.js';

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/**
 * The URL of a `/worklog/updated` or `/worklog/deleted` page of the site at `base` (no trailing
 * slash). A `since` cursor builds `?since=`. A `nextPage` is used verbatim, as the reference
 * advises (jira-connect-protocol.md §1.1: it may carry more than `since`), but only when it
 * points at this very feed on the site's own origin and base path without user info; any other
 * URL is rebuilt from its `since`, so the signed request never goes to a host Jira's body named
 * (security-and-reliability.md §2.5). Throws `INTERNAL` for a malformed `sinceMs` and
 * `JIRA_RESPONSE_INVALID` (not retryable) for a foreign `nextPage` without a usable `since`.
 */
export function feedUrl(base: string, kind: 'updated' | 'deleted', cursor: FeedCursor): string {
  const feedPath = `/rest/api/3/worklog/${kind}`;
  if ('sinceMs' in cursor) {
    if (!Number.isSafeInteger(cursor.sinceMs) || cursor.sinceMs < 0) throw new AppError('INTERNAL', 'A feed cursor needs a non-negative integer sinceMs');
    return `${base}${feedPath}?since=${cursor.sinceMs}`;
  }
  const site = new URL(base);
  const next = parseUrl(cursor.nextPage);
  const ownFeed =
    next !== undefined &&
    next.origin === site.origin &&
    next.username === '' &&
    next.password === '' &&
    next.pathname === `${site.pathname.replace(/\/+$/, '')}${feedPath}`;
  if (ownFeed) return cursor.nextPage;
  const since = next?.searchParams.get('since');
  if (since === null || since === undefined || !/^\d{1,16}$/.test(since)) {
    throw new AppError('JIRA_RESPONSE_INVALID', `A ${kind} feed nextPage off the site carries no usable since`, { retryable: false });
  }
  return `${base}${feedPath}?since=${Number(since)}`;
}
