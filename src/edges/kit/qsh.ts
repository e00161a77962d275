import { createHash } from 'node:crypto';

/**
 * The fixed `qsh` claim of a context JWT: a token "not tied to a particular URL"
 * (jira-connect-protocol.md §4.1; `context-qsh` API migration, §4.5 and security-and-reliability.md §2.2).
 */
export const CONTEXT_QSH = 'context-qsh';

/**
 * The canonical request string of Connect's query string hash (jira-connect-protocol.md §4.2):
 * `METHOD&URI&QUERY`. `pathAndQuery` is what goes on the wire after the origin (`/rest/x?a=1`,
 * percent-escapes allowed, any `#fragment` ignored); `baseUrlPath` is the path of the base URL the
 * request is relative to (`''`, `'/'` or e.g. `'/tally'`): the app descriptor's for calls into Tally,
 * the tenant's for calls to Jira. Pure and total: any input string gives a result, never a throw.
 * Reproduces all 78 of Atlassian's interoperability vectors (see qsh.test.ts).
 */
export function canonicalRequest(method: string, pathAndQuery: string, baseUrlPath = ''): string {
  const withoutFragment = pathAndQuery.split('#', 1)[0] ?? '';
  const queryStart = withoutFragment.indexOf('?');
  const path = queryStart < 0 ? withoutFragment : withoutFragment.slice(0, queryStart);
  const query = queryStart < 0 ? '' : withoutFragment.slice(queryStart + 1);
  return `${method.toUpperCase()}&${canonicalUri(path, baseUrlPath)}&${canonicalQuery(query)}`;
}

/**
 * The `qsh` claim for a request: lower-case hex SHA-256 of the UTF-8 {@link canonicalRequest}
 * (jira-connect-protocol.md §4.2). Deterministic; same arguments as {@link canonicalRequest}.
 */
export function queryStringHash(method: string, pathAndQuery: string, baseUrlPath = ''): string {
  return createHash('sha256').update(canonicalRequest(method, pathAndQuery, baseUrlPath), 'utf8').digest('hex');
}

function canonicalUri(rawPath: string, baseUrlPath: string): string {
  const base = baseUrlPath.replace(/\/+$/, '');
  let path = rawPath;
  // Strip the base path only at a segment boundary: '/tally' is not a prefix of '/tallyx'.
  if (base !== '' && (path === base || path.startsWith(`${base}/`))) path = path.slice(base.length);
  // The path is not re-encoded, but '&' is, so that '/a&b?x' and '/a?b&x' hash differently (§4.2).
  path = path.replaceAll('&', '%26');
  if (!path.startsWith('/')) path = `/${path}`;
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  return path;
}

function canonicalQuery(query: string): string {
  const valuesByName = new Map<string, string[]>();
  for (const part of query.split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    const name = decodeQueryComponent(equals < 0 ? part : part.slice(0, equals));
    const value = decodeQueryComponent(equals < 0 ? '' : part.slice(equals + 1));
    if (name === 'jwt') continue;
    const values = valuesByName.get(name);
    if (values) values.push(value);
    else valuesByName.set(name, [value]);
  }
  // Names and repeated values sort by their DECODED form ("Multi-value II" fails otherwise, §4.2),
  // in UTF-16 code-unit order as Atlassian's Java and JS libraries do (plain string comparison).
  return [...valuesByName.keys()]
    .sort(compareStrings)
    .map((name) => {
      const values = (valuesByName.get(name) ?? []).slice().sort(compareStrings);
      return `${encodeRfc3986(name)}=${values.map(encodeRfc3986).join(',')}`;
    })
    .join('&');
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** RFC 3986 percent-encoding: everything but `A-Za-z0-9-._~` (so space is %20 and `*` is %2A). */
function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Form-style query decoding: '+' is a space (Atlassian's "Plus" and "Multi-value Empty" vectors:
 * `title=1+%2B+1` canonicalises to `1%20%2B%201`). Malformed escapes are kept literally, as Node's
 * querystring (used by Atlassian's JS library) does, instead of throwing on attacker input.
 */
function decodeQueryComponent(raw: string): string {
  const text = raw.replaceAll('+', ' ');
  let decoded: string;
  try {
    decoded = decodeURIComponent(text);
  } catch {
    decoded = decodeLeniently(text);
  }
  // A lone surrogate cannot be UTF-8 encoded (encodeURIComponent would throw); it becomes U+FFFD.
  return decoded.replace(LONE_SURROGATE, '\uFFFD');
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function decodeLeniently(text: string): string {
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < text.length; i += 1) {
    const hex = text.slice(i + 1, i + 3);
    if (text[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      const codePoint = text.codePointAt(i) ?? 0;
      const char = String.fromCodePoint(codePoint);
      bytes.push(...encoder.encode(char));
      i += char.length - 1;
    }
  }
  return new TextDecoder('utf-8').decode(new Uint8Array(bytes));
}
