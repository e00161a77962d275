/**
 * Bitbucket's error envelope (REST 2.0 `error` schema): `{"type":"error","error":{"message",
 * "detail"?, "data"?}}`. Every refusal of the simulated Bitbucket goes through here.
 */
export function bitbucketError(status: number, message: string, detail?: string, headers: Record<string, string> = {}): Response {
  const error: Record<string, unknown> = { message };
  if (detail !== undefined) error.detail = detail;
  return new Response(JSON.stringify({ type: 'error', error }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}
