import { createPublicKey, type KeyObject } from 'node:crypto';
import { AppError, isAppError } from '../../platform/app-error.js';
import type { Clock } from '../../platform/clock.js';
import type { Fetch } from '../../platform/fetch.js';

/** Resolves the RS256 public key that signed an `installed`/`uninstalled` token. */
export interface InstallKeyProvider {
  /**
   * The PEM (`-----BEGIN PUBLIC KEY-----`, SPKI, RSA ≥ 2048 bits) for `kid`. Throws
   * `AUTH_INVALID` for a malformed or unknown kid or an unusable key type, and the retryable
   * `CONNECT_KEYS_UNAVAILABLE` when the key service fails, times out or sends garbage.
   */
  getPublicKeyPem(kid: string): Promise<string>;
}

/** How {@link createInstallKeyProvider} is built; checked when it is built. */
export interface InstallKeyProviderOptions {
  /** `config.installKeysUrl`, e.g. https://connect-install-keys.atlassian.com (no trailing slash needed). */
  baseUrl: string;
  fetch: Fetch;
  /** One deadline for the request and its body (default 3000). */
  timeoutMs?: number;
  /** Largest accepted key body; a 4096-bit RSA PEM is about 800 bytes (default 8192). */
  maxKeyBytes?: number;
  /** How many keys stay cached (default 100); the least recently used goes first. */
  cacheSize?: number;
  /** Times the remembered refusals (unknown kid, unusable key). */
  clock: Clock;
  /** How long the key service's refusal of a kid is remembered (default 5 minutes). */
  refusalTtlMs?: number;
  /** How many refused kids are remembered at most (default 1000); the oldest goes first. */
  refusalCacheSize?: number;
}

/** How long a kid the key service refused is answered from memory, without asking again. */
export const DEFAULT_REFUSAL_TTL_MS = 5 * 60_000;

// GitLab validates kid with a strict regex before fetching (security-and-reliability.md §2.1);
// catalogue row B5: `../x`, URLs and 10 kB strings are refused before any fetch.
const KID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
// RS256 with a shorter modulus is refused by jose and by Atlassian's own guidance.
const MIN_RSA_BITS = 2048;
const PEM_PATTERN = /^-----BEGIN PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END PUBLIC KEY-----$/;

/** True when `kid` is safe to put in the key-service URL: 1–128 of `A-Z a-z 0-9 . _ -`, no `..`. */
export function isValidInstallKeyId(kid: unknown): kid is string {
  return typeof kid === 'string' && KID_PATTERN.test(kid) && !kid.includes('..');
}

function checkOptions(options: InstallKeyProviderOptions): string {
  const problems: string[] = [];
  let url: URL | undefined;
  try {
    url = new URL(options.baseUrl);
  } catch {
    problems.push('installKeysUrl: not a URL');
  }
  if (url && (!/^https?:$/.test(url.protocol) || url.username || url.password || url.search || url.hash)) {
    problems.push('installKeysUrl: must be a plain http(s) URL without credentials, query or fragment');
  }
  const sizes = [
    ['timeoutMs', options.timeoutMs],
    ['maxKeyBytes', options.maxKeyBytes],
    ['cacheSize', options.cacheSize],
    ['refusalTtlMs', options.refusalTtlMs],
    ['refusalCacheSize', options.refusalCacheSize],
  ] as const;
  for (const [name, value] of sizes) {
    if (value !== undefined && !(Number.isInteger(value) && value > 0)) problems.push(`${name}: must be a positive integer`);
  }
  if (typeof options.clock?.nowMs !== 'function') problems.push('clock: required (it times remembered refusals)');
  if (problems.length > 0) throw new AppError('CONFIG_INVALID', `Invalid install-key provider: ${problems.join('; ')}`, { details: problems });
  return options.baseUrl.replace(/\/+$/, '');
}

function unavailable(message: string, cause?: unknown): AppError {
  return new AppError('CONNECT_KEYS_UNAVAILABLE', `Install key service: ${message}`, { cause });
}

/** The body as text, or undefined when it is over `maxBytes` or not UTF-8. Stops reading at the cap. */
async function readCappedText(response: Response, maxBytes: number): Promise<string | undefined> {
  if (!response.body) return '';
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
    await response.body.cancel();
    return undefined;
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    return undefined;
  }
}

/** Parses and checks the served PEM; returns a normalised SPKI PEM. */
function parseRsaPublicKey(text: string): string {
  const pem = text.trim();
  let key: KeyObject;
  try {
    if (!PEM_PATTERN.test(pem)) throw new Error('not a single PUBLIC KEY PEM block');
    key = createPublicKey(pem);
  } catch (cause) {
    throw unavailable('the response is not a PEM public key', cause);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType !== 'rsa' || bits < MIN_RSA_BITS) {
    throw new AppError('AUTH_INVALID', `Install key is not an RSA key of at least ${MIN_RSA_BITS} bits`);
  }
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

/** Runs `work` with an AbortSignal and rejects when `timeoutMs` passes, even if `work` ignores the signal. */
async function withDeadline<T>(timeoutMs: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = unavailable(`no answer within ${timeoutMs} ms`);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    const pending = work(controller.signal);
    pending.catch(() => undefined); // a late failure after the deadline must not go unhandled
    return await Promise.race([pending, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Creates the provider for signed installs (jira-connect-protocol.md §4.5). Guarantees: the kid
 * is validated before any request, so the request never leaves `baseUrl`; redirects are refused
 * (`redirect: 'error'`, §2.5); the request and body share one deadline and a size cap; keys are
 * cached by kid — bounded LRU — since "rotation always creates a new kid" (§4.5); concurrent
 * lookups of one kid share a single request. A kid the service refused (404/410, or a key that
 * cannot verify RS256) is remembered for `refusalTtlMs` — bounded, oldest first — so a stream of
 * forged lifecycle tokens with one junk kid costs one outbound request per TTL, not one each; a
 * kid published later is found once its refusal has expired. A failure of the service itself
 * (5xx, timeout, garbage) is never remembered: the next install asks again (catalogue row B6).
 */
export function createInstallKeyProvider(options: InstallKeyProviderOptions): InstallKeyProvider {
  const baseUrl = checkOptions(options);
  const { fetch, clock, timeoutMs = 3000, maxKeyBytes = 8192, cacheSize = 100, refusalTtlMs = DEFAULT_REFUSAL_TTL_MS, refusalCacheSize = 1000 } = options;
  const cache = new Map<string, string>(); // insertion order = recency
  const inFlight = new Map<string, Promise<string>>();
  const refusals = new Map<string, { message: string; untilMs: number }>(); // insertion order = age

  const download = (kid: string): Promise<string> =>
    withDeadline(timeoutMs, async (signal) => {
      let response: Response;
      try {
        response = await fetch(`${baseUrl}/${encodeURIComponent(kid)}`, { method: 'GET', redirect: 'error', signal });
      } catch (cause) {
        throw unavailable('the request failed', cause);
      }
      if (response.status === 404 || response.status === 410) {
        await response.body?.cancel();
        throw new AppError('AUTH_INVALID', 'Install token names an unknown key');
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        throw unavailable(`answered HTTP ${response.status}`);
      }
      const text = await readCappedText(response, maxKeyBytes);
      if (text === undefined) throw unavailable(`the response is over ${maxKeyBytes} bytes or not text`);
      return parseRsaPublicKey(text);
    });

  const remember = (kid: string, pem: string): void => {
    cache.set(kid, pem);
    if (cache.size > cacheSize) cache.delete(cache.keys().next().value as string);
  };

  const rememberRefusal = (kid: string, error: AppError): void => {
    refusals.delete(kid);
    refusals.set(kid, { message: error.message, untilMs: clock.nowMs() + refusalTtlMs });
    if (refusals.size > refusalCacheSize) refusals.delete(refusals.keys().next().value as string);
  };

  /** The remembered refusal of `kid`, while it lasts. */
  const findRefusal = (kid: string): AppError | undefined => {
    const refusal = refusals.get(kid);
    if (refusal === undefined) return undefined;
    if (clock.nowMs() < refusal.untilMs) return new AppError('AUTH_INVALID', refusal.message);
    refusals.delete(kid);
    return undefined;
  };

  return {
    async getPublicKeyPem(kid) {
      if (!isValidInstallKeyId(kid)) throw new AppError('AUTH_INVALID', 'Install token has a malformed key id');
      const cached = cache.get(kid);
      if (cached !== undefined) {
        cache.delete(kid);
        cache.set(kid, cached);
        return cached;
      }
      const refused = findRefusal(kid);
      if (refused !== undefined) throw refused;
      let pending = inFlight.get(kid);
      if (!pending) {
        pending = download(kid).then(
          (pem) => {
            inFlight.delete(kid);
            remember(kid, pem);
            return pem;
          },
          (error: unknown) => {
            inFlight.delete(kid);
            // The service's own answer about this kid is remembered; its outages are not (B6).
            if (isAppError(error, 'AUTH_INVALID')) rememberRefusal(kid, error);
            throw error;
          },
        );
        inFlight.set(kid, pending);
      }
      return pending;
    },
  };
}
