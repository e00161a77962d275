/**
 * A `fetch` for Tally's API that goes through Forge's `invokeRemote` (§3.2 of the Forge
 * reference): the page's API client keeps speaking `fetch`/`Response`, and inside Forge every
 * call becomes `invokeRemote({ path, method, headers, body })`. Forge proxies it to Tally's remote
 * with a Forge Invocation Token (so the client sends no `Authorization` of its own), allows 25 s
 * and no retries, takes a JSON object as the body, and passes back only JSON answers.
 *
 * Binary answers (the XLSX and CSV exports) cannot cross `invokeRemote` as they are. Tally's
 * Forge edge sends any non-JSON 2xx answer to a UI call as a base64 envelope
 * (`{ "tallyEncodedBody": { encoding: "base64", contentType, contentDisposition?, data } }`,
 * docs/forge.md); this adapter turns it back into the original bytes and headers, so an export
 * downloads the same file as outside Forge. Forge answers are at most 5 MB, so an exported file
 * may be about 3.7 MB at most there.
 */

/** The request `invokeRemote` takes (`@forge/bridge` ≥ 7). */
export interface InvokeRemoteInput {
  path: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers?: Record<string, string>;
  body?: Record<string, unknown>;
}

/** `invokeRemote` from `@forge/bridge`, as the page uses it; its answer is checked, not trusted. */
export type InvokeRemote = (input: InvokeRemoteInput) => Promise<unknown>;

/** The envelope key of a binary answer (see the module comment). */
export const ENCODED_BODY_KEY = 'tallyEncodedBody';

const METHODS = new Set<InvokeRemoteInput['method']>(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
// Forge sets these itself: the FIT as the bearer token, and the JSON content type of the body.
const DROPPED_HEADERS = new Set(['authorization', 'content-type', 'content-length']);

const REMOTE_ORIGIN = 'https://remote.invalid';

function requestPath(input: RequestInfo | URL): string {
  const raw = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  // A path relative to the remote's base URL, as invokeRemote resolves it; never another origin.
  const url = new URL(raw, REMOTE_ORIGIN);
  if (url.origin !== REMOTE_ORIGIN) throw new TypeError(`invokeRemote only reaches Tally's remote, not ${url.origin}`);
  return `${url.pathname}${url.search}`;
}

function requestHeaders(init: RequestInit | undefined): Record<string, string> | undefined {
  const kept: Record<string, string> = {};
  new Headers(init?.headers).forEach((value, name) => {
    if (!DROPPED_HEADERS.has(name)) kept[name] = value;
  });
  return Object.keys(kept).length > 0 ? kept : undefined;
}

function requestBody(init: RequestInit | undefined): Record<string, unknown> | undefined {
  if (init?.body === undefined || init.body === null) return undefined;
  if (typeof init.body !== 'string') throw new TypeError('invokeRemote takes a JSON object as the body');
  const parsed: unknown = JSON.parse(init.body);
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new TypeError('invokeRemote takes a JSON object as the body');
  return parsed as Record<string, unknown>;
}

function abortError(): DOMException {
  return new DOMException('The request was aborted.', 'AbortError');
}

/** The answer's headers; `@forge/bridge` joins repeated values with commas, older ones sent arrays. */
function answerHeaders(raw: unknown): Headers {
  const headers = new Headers();
  if (!raw || typeof raw !== 'object') return headers;
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) headers.set(name, value.map(String).join(', '));
  }
  return headers;
}

interface EncodedBody {
  encoding: 'base64';
  contentType: string;
  contentDisposition?: string;
  data: string;
}

function findEncodedBody(body: unknown): EncodedBody | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const keys = Object.keys(body);
  if (keys.length !== 1 || keys[0] !== ENCODED_BODY_KEY) return undefined;
  const encoded = (body as Record<string, unknown>)[ENCODED_BODY_KEY] as Partial<EncodedBody> | undefined;
  if (encoded?.encoding !== 'base64' || typeof encoded.data !== 'string' || typeof encoded.contentType !== 'string') return undefined;
  return encoded as EncodedBody;
}

function decodeBase64(data: string): Uint8Array<ArrayBuffer> {
  const binary = atob(data);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const NO_BODY_STATUSES = new Set([204, 205, 304]);

/** A `Response` built from what `invokeRemote` gave back (resolved, or rejected with a status). */
function toResponse(answer: unknown): Response {
  if (!answer || typeof answer !== 'object') {
    return Response.json({ error: { code: 'FORGE_INVOKE_FAILED', message: 'Jira did not pass on Tally’s answer. Try again.' } }, { status: 502 });
  }
  const { status, headers: rawHeaders, body } = answer as { status?: unknown; headers?: unknown; body?: unknown };
  // The documented contract gives no status for successful answers (ui-api-bridge/invokeRemote).
  const code = typeof status === 'number' && status >= 200 && status <= 599 ? status : 200;
  const headers = answerHeaders(rawHeaders);
  if (NO_BODY_STATUSES.has(code)) return new Response(null, { status: code, headers });
  const encoded = findEncodedBody(body);
  if (encoded) {
    headers.set('content-type', encoded.contentType);
    if (encoded.contentDisposition) headers.set('content-disposition', encoded.contentDisposition);
    return new Response(decodeBase64(encoded.data), { status: code, headers });
  }
  headers.set('content-type', 'application/json');
  return new Response(body === undefined ? null : JSON.stringify(body), { status: code, headers });
}

/** Whether a rejection carries Tally's answer (a non-2xx status) rather than a transport failure. */
function carriesAnswer(error: unknown): boolean {
  return !!error && typeof error === 'object' && typeof (error as { status?: unknown }).status === 'number';
}

/**
 * Builds the `fetch` the API client uses inside Forge. `loadInvokeRemote` is asked once, on the
 * first call (the bridge is imported lazily). Aborting a request rejects it at once with an
 * `AbortError`; the bridge call itself cannot be cancelled, and its late answer is dropped. A
 * rejection without a status (bridge failure, 25 s timeout) rejects like a network error.
 */
export function createInvokeRemoteFetch(loadInvokeRemote: () => Promise<InvokeRemote>): typeof fetch {
  let loaded: Promise<InvokeRemote> | undefined;
  return async (input, init) => {
    const signal = init?.signal ?? undefined;
    if (signal?.aborted) throw abortError();
    const method = (init?.method ?? 'GET').toUpperCase() as InvokeRemoteInput['method'];
    if (!METHODS.has(method)) throw new TypeError(`invokeRemote does not support ${method}`);
    const request: InvokeRemoteInput = { path: requestPath(input), method };
    const headers = requestHeaders(init);
    if (headers) request.headers = headers;
    const body = requestBody(init);
    if (body) request.body = body;

    loaded ??= loadInvokeRemote();
    const answer = (async () => {
      const invokeRemote = await loaded;
      try {
        return toResponse(await invokeRemote(request));
      } catch (error) {
        if (carriesAnswer(error)) return toResponse(error);
        throw error;
      }
    })();
    if (!signal) return answer;
    return new Promise<Response>((resolve, reject) => {
      const onAbort = () => reject(abortError());
      signal.addEventListener('abort', onAbort, { once: true });
      answer.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  };
}
