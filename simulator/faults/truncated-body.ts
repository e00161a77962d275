import type { IncomingMessage, ServerResponse } from 'node:http';
import { bodyTerminatedError } from './in-process-transport.js';

/** Bytes kept of a body of `length` bytes cut at `fraction` (at least one byte is lost). */
export function truncatedLength(length: number, fraction: number): number {
  return Math.min(Math.floor(length * fraction), Math.max(0, length - 1));
}

/**
 * The body of an in-process response cut short: delivers `part`, then fails as undici does when
 * the connection closes mid-body, so `res.text()` and `res.json()` reject. The chunk is handed
 * out before the error (erroring a stream discards chunks still queued).
 */
export function truncatedStream(part: Uint8Array): ReadableStream<Uint8Array> {
  let delivered = false;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!delivered && part.length > 0) {
        delivered = true;
        controller.enqueue(part);
      } else controller.error(bodyTerminatedError());
    },
  });
}

/**
 * Over HTTP: sends `response`'s status and headers with the full `Content-Length`, then the
 * first `part` of the body, then destroys the socket, so the client's body read fails with a
 * length mismatch. The caller answers Hono with `RESPONSE_ALREADY_SENT`.
 */
export function writeTruncated(
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  response: Response,
  fullLength: number,
  part: Uint8Array,
): void {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  headers['content-length'] = String(fullLength);
  delete headers['transfer-encoding'];
  outgoing.writeHead(response.status, headers);
  outgoing.flushHeaders();
  outgoing.write(part, () => incoming.socket.destroy());
}
