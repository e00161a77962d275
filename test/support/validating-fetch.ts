import { getDefaultOpenApiValidator, type OpenApiValidator } from './openapi-validator.js';

/** The fetch shape the simulator exposes (`sim.fetch`) and Tally's clients accept. */
export type FetchLike = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

/** One `/rest/` call that went through the wrapper. */
export interface ValidatedCall {
  method: string;
  /** Path and query of the request. */
  path: string;
  status: number;
  /** `METHOD /spec/template` when the spec knows the path. */
  operation?: string;
  /** The mismatch, when there was one. */
  error?: string;
}

/** A response body did not match the OpenAPI excerpt; carries the call for the test report. */
export class OpenApiMismatchError extends Error {
  constructor(readonly call: ValidatedCall) {
    super(`OpenAPI mismatch: ${call.error ?? 'unknown'}`);
    this.name = 'OpenApiMismatchError';
  }
}

/** A fetch that validates every `/rest/` response, plus the record of what it validated. */
export interface ValidatingFetch extends FetchLike {
  /** Every `/rest/` call in order, valid or not. */
  readonly calls: ValidatedCall[];
  /** The calls that did not match (also thrown); assert it is empty when the code under test swallows errors. */
  readonly mismatches: ValidatedCall[];
  /** The distinct spec operations exercised so far, for coverage assertions. */
  operations(): Set<string>;
}

/** Options for {@link createValidatingFetch}. */
export interface ValidatingFetchOptions {
  /** Defaults to the validator over `../shared/reference`. */
  validator?: OpenApiValidator;
  /** Paths under `/rest/` that are not in the excerpts on purpose (e.g. Connect's own API). */
  skip?: (method: string, path: string) => boolean;
  /** `throw` (default) rejects the fetch with {@link OpenApiMismatchError}; `record` only records. */
  onMismatch?: 'throw' | 'record';
}

/** Reads a response body without consuming it: parsed JSON when declared JSON, text otherwise. */
export async function readResponseBody(response: Response): Promise<{ body: unknown; contentType: string | undefined }> {
  const contentType = response.headers.get('content-type') ?? undefined;
  const text = await response.clone().text();
  if (text === '') return { body: undefined, contentType };
  if (contentType !== undefined && /[/+]json\b/i.test(contentType)) {
    try {
      return { body: JSON.parse(text) as unknown, contentType };
    } catch {
      // A JSON content type with a non-JSON body is itself a mismatch: keep the text, fail below.
      return { body: text, contentType: 'text/plain (declared JSON, not parseable)' };
    }
  }
  return { body: text, contentType };
}

/**
 * Wraps a fetch (usually the simulator's in-process `sim.fetch`): every response to a `/rest/`
 * path is cloned, parsed and checked against the OpenAPI excerpts; a mismatch rejects the call
 * (the test fails) and is recorded. The caller gets the original, unread response. Other paths
 * pass through unchecked. The wrapper adds no retries and never changes a request.
 */
export function createValidatingFetch(inner: FetchLike, options: ValidatingFetchOptions = {}): ValidatingFetch {
  const validator = options.validator ?? getDefaultOpenApiValidator();
  const calls: ValidatedCall[] = [];
  const mismatches: ValidatedCall[] = [];

  const wrapped = async (input: Request | string | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input), 'http://sim.invalid');
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const response = await inner(input, init);
    const pathAndQuery = url.pathname + url.search;
    if (!url.pathname.startsWith('/rest/') || options.skip?.(method, url.pathname)) return response;

    const { body, contentType } = await readResponseBody(response);
    const result = validator.validateResponse({ method, path: url.pathname, status: response.status, body, contentType });
    const call: ValidatedCall = { method, path: pathAndQuery, status: response.status };
    if (result.operation !== undefined) call.operation = result.operation;
    if (!result.ok) call.error = result.errors;
    calls.push(call);
    if (!result.ok) {
      mismatches.push(call);
      if ((options.onMismatch ?? 'throw') === 'throw') throw new OpenApiMismatchError(call);
    }
    return response;
  };

  return Object.assign(wrapped, {
    calls,
    mismatches,
    operations: () => new Set(calls.flatMap((c) => (c.operation ? [c.operation] : []))),
  });
}
