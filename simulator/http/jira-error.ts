/**
 * Jira's error body, `ErrorCollection`: `{ errorMessages: string[], errors: { field: message } }`
 * (jira-worklog-openapi-excerpt.json). Every simulator error uses it, never a stack trace.
 */
export function jiraError(status: number, errorMessages: string[], errors: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ errorMessages, errors }), {
    status,
    headers: { 'content-type': 'application/json;charset=UTF-8' },
  });
}

/** Reads a JSON body; undefined when it is missing or not JSON (the caller answers 400). */
export async function readJsonBody(request: Request): Promise<{ ok: true; value: unknown } | { ok: false; message: string }> {
  const text = await request.text();
  if (text.trim() === '') return { ok: false, message: 'No content to map due to end-of-input' };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, message: 'Unexpected character in the request body: it is not valid JSON.' };
  }
}
