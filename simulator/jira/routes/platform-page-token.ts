import { createHash } from 'node:crypto';

/**
 * Opaque `nextPageToken`s for `/search/jql`. Jira's tokens are opaque and bound to the query;
 * the simulator's carry the next offset and a digest of the JQL, so a token replayed with another
 * query is refused. The search is re-run per page (no snapshot): issues created between pages
 * can shift results, which clients must tolerate on real Jira too.
 */
export interface PageToken {
  offset: number;
  jqlDigest: string;
}

/** A short digest of the query a token belongs to. */
export function digestJql(jql: string): string {
  return createHash('sha256').update(jql.trim()).digest('base64url').slice(0, 12);
}

/** Encodes a token; the text is URL-safe. */
export function encodePageToken(token: PageToken): string {
  return Buffer.from(JSON.stringify({ o: token.offset, q: token.jqlDigest })).toString('base64url');
}

/** Decodes a token; undefined when it is not one of ours. */
export function decodePageToken(text: string): PageToken | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as { o?: unknown; q?: unknown };
    if (!Number.isSafeInteger(parsed.o) || (parsed.o as number) < 0 || typeof parsed.q !== 'string') return undefined;
    return { offset: parsed.o as number, jqlDigest: parsed.q };
  } catch {
    return undefined;
  }
}
