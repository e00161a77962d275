import type { Context, MiddlewareHandler } from 'hono';

/** Options of {@link limitBody}; checked when the middleware is built. */
export interface LimitBodyOptions {
  /** The largest request body accepted, in bytes. */
  maxBytes: number;
  /** Builds the answer to a body over `maxBytes` (usually a 413); Tally adds `Connection: close` to it. */
  onTooLarge: (c: Context) => Response | Promise<Response>;
}

/**
 * Limits request bodies to `maxBytes`: a declared `Content-Length` over the limit is answered at
 * once, without reading the body; a body without one (chunked) is read up to the limit and
 * handed on as a buffered body, or answered as soon as it passes the limit. The answer to an
 * oversized body always carries `Connection: close`: the unread rest of the body is still on the
 * connection, so Node's server drops the socket after answering — a client told `keep-alive` (as
 * with `hono/body-limit`) reuses the dead connection and its next request fails ("fetch failed",
 * "other side closed"). With `Connection: close` the client opens a new connection instead.
 */
export function limitBody(options: LimitBodyOptions): MiddlewareHandler {
  const { maxBytes, onTooLarge } = options;
  if (!Number.isInteger(maxBytes) || maxBytes < 0) throw new Error('limitBody: maxBytes must be a non-negative integer');
  if (typeof onTooLarge !== 'function') throw new Error('limitBody: onTooLarge must be a function');

  const tooLarge = async (c: Context): Promise<Response> => {
    const answer = await onTooLarge(c);
    // A copy: the headers of some responses (Response.error(), redirects) are immutable.
    const response = new Response(answer.body, answer);
    response.headers.set('Connection', 'close');
    return response;
  };

  return async (c, next) => {
    const request = c.req.raw;
    if (!request.body) return next();
    const declared = request.headers.get('content-length');
    if (declared !== null && !request.headers.has('transfer-encoding')) {
      return Number(declared) > maxBytes ? tooLarge(c) : next();
    }
    const reader = request.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        void reader.cancel().catch(() => undefined);
        return tooLarge(c);
      }
      chunks.push(value);
    }
    c.req.raw = new Request(request, { body: Buffer.concat(chunks, size) });
    return next();
  };
}
