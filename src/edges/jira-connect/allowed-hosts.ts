import { isIP } from 'node:net';

const MAX_BASE_URL_LENGTH = 2048;
// Names that resolve to the machine itself or a private network by convention (RFC 6761,
// RFC 6762 `.local`, RFC 8375 `.home.arpa`, ICANN's `.internal`); single-label names too.
const SPECIAL_USE_NAME = /(^|\.)(localhost|local|internal|home\.arpa)$|^[^.]+$/;
const LOOPBACK_NAME = /(^|\.)localhost$/;
// A well-formed entry: a host (`127.0.0.1`, `acme.example`), a suffix (`.atlassian.net`) or an IPv6 address.
// Malformed entries such as `.` or `a..b` are ignored rather than matching too much.
const ENTRY = /^\.?[a-z0-9-]+(\.[a-z0-9-]+)*$/;

/** `[::1]` → `::1`; other hosts unchanged. */
const unbracket = (host: string): string => host.replace(/^\[(.*)\]$/, '$1');

function isLoopback(hostname: string): boolean {
  const host = unbracket(hostname);
  return LOOPBACK_NAME.test(host) || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1';
}

/**
 * True when `baseUrl` (a tenant's Jira base URL from an install payload) is a host Tally may
 * send signed requests to. Guarantees, all checked without any I/O:
 * - it parses as a URL and is already in canonical form (origin + path, optional trailing
 *   slash), so the string later code uses is exactly the one checked: no credentials, query,
 *   fragment, backslash, percent-encoded or upper-case host, and no decimal/hex/octal IPv4;
 * - it is `https:`; `http:` only for a loopback host that `allowedSuffixes` lists exactly;
 * - its host equals an entry, or ends with an entry that starts with `.` (`.atlassian.net`
 *   matches `acme.atlassian.net` and `atlassian.net`, never `evilatlassian.net` or
 *   `atlassian.net.evil.com`);
 * - IP literals (v4 and v6), `localhost`, `.local`, `.internal`, `.home.arpa` and single-label
 *   names — 169.254.169.254, 10/8, 172.16/12, 192.168/16 included — pass only when listed
 *   exactly, never through a suffix.
 *
 * The allowlist is ACE's first line of defence against baseUrl SSRF (security-and-reliability.md
 * §2.5). It does not resolve DNS, so a listed name whose DNS points inside the network
 * (rebinding) is not caught here; resolving and pinning addresses at connect time is a later
 * concern of the outbound HTTP client. The rules are the same in demo and production on purpose:
 * ACE's "empty list = anything outside production" is the hole this closes, and an operator widens the list explicitly instead (the simulator's tests
 * set `TALLY_ALLOWED_HOSTS=127.0.0.1`).
 */
export function isAllowedBaseUrl(baseUrl: string, allowedSuffixes: readonly string[]): boolean {
  if (typeof baseUrl !== 'string' || baseUrl.length > MAX_BASE_URL_LENGTH) return false;
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return false;
  }
  const trimmed = (value: string) => value.replace(/\/+$/, '');
  if (trimmed(baseUrl) !== trimmed(`${url.origin}${url.pathname}`)) return false;
  if (url.username || url.password || url.search || url.hash) return false;

  const host = url.hostname;
  if (host.endsWith('.')) return false; // `acme.atlassian.net.` is another spelling of a listed host
  const entries = allowedSuffixes.map((entry) => unbracket(entry.trim().toLowerCase())).filter((entry) => ENTRY.test(entry) || isIP(entry) === 6);
  const listedExactly = entries.includes(unbracket(host));
  if (url.protocol === 'http:') return isLoopback(host) && listedExactly;
  if (url.protocol !== 'https:') return false;
  if (listedExactly) return true;
  if (isIP(unbracket(host)) !== 0 || SPECIAL_USE_NAME.test(host)) return false;
  return entries.some((entry) => entry.startsWith('.') && (host.endsWith(entry) || host === entry.slice(1)));
}
