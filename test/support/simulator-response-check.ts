import { getDefaultOpenApiValidator } from './openapi-validator.js';
import { readResponseBody } from './validating-fetch.js';

/** A simulator response that did not match Atlassian's OpenAPI excerpts. */
export interface ResponseMismatch {
  method: string;
  path: string;
  status: number;
  error: string;
}

const mismatches: ResponseMismatch[] = [];
let checked = 0;

function isErrorCollection(body: unknown): boolean {
  return typeof body === 'object' && body !== null && Array.isArray((body as { errorMessages?: unknown }).errorMessages);
}

/**
 * The simulator's `inspectResponse` hook used by every test (wired in the vitest setup): checks
 * each `/rest/` response against the OpenAPI excerpts and records mismatches, which the setup's
 * `afterEach` turns into a failed test. An error for a path or method the excerpts lack must
 * still carry Jira's error collection.
 */
export async function checkSimulatorResponse(request: Request, response: Response): Promise<void> {
  const url = new URL(request.url);
  if (!url.pathname.startsWith('/rest/')) return;
  checked++;
  const { body, contentType } = await readResponseBody(response);
  // Faults fabricate their 5xx outside this hook, so a 500 seen here is a simulator crash.
  if (response.status === 500) {
    mismatches.push({ method: request.method, path: url.pathname + url.search, status: 500, error: 'the simulator crashed (unhandled error)' });
    return;
  }
  // Atlassian's OpenAPI excerpts do not describe the admin webhook API (self-hosted-site.md §4.1).
  if (url.pathname.startsWith('/rest/webhooks/1.0/') && (response.status < 400 || isErrorCollection(body))) return;
  const validator = getDefaultOpenApiValidator();
  const result = validator.validateResponse({ method: request.method, path: url.pathname, status: response.status, body, contentType });
  if (result.ok) return;
  const unknownPath = result.operation === undefined;
  // Jira answers any path it lacks (or any method it refuses) with an error collection.
  if (unknownPath && response.status >= 400 && isErrorCollection(body)) return;
  mismatches.push({ method: request.method, path: url.pathname + url.search, status: response.status, error: result.errors });
}

/** Returns and forgets the mismatches recorded so far (the setup calls it after each test). */
export function takeResponseMismatches(): ResponseMismatch[] {
  return mismatches.splice(0, mismatches.length);
}

/** How many `/rest/` responses were checked in this test file so far. */
export function checkedResponseCount(): number {
  return checked;
}
