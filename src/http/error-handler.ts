import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { AppError } from '../platform/app-error.js';
import type { Logger } from '../platform/logger.js';
import { redactUrl } from '../platform/logger.js';

/** The one error body clients ever see: `{ error: { code, message, details? } }`. */
export function errorResponse(c: Context, error: AppError): Response {
  const message = error.expose ? error.message : 'Internal error';
  const headers: Record<string, string> = {};
  if (error.retryAfterMs !== undefined) headers['Retry-After'] = String(Math.ceil(error.retryAfterMs / 1000));
  // `details` only with an exposed message: they name fields or reasons, never secrets (AppError's contract).
  const details = error.expose && error.details.length > 0 ? { details: error.details } : {};
  return c.json({ error: { code: error.code, message, ...details } }, error.httpStatus as ContentfulStatusCode, headers);
}

/**
 * The single mapping from errors to HTTP (Hono `onError`): an AppError keeps its code and status;
 * anything else becomes a generic 500 `INTERNAL` and is logged — with the URL's tokens redacted —
 * so no stack, secret or SQL reaches a client.
 */
export function createErrorHandler(logger: Logger) {
  return (error: Error, c: Context): Response => {
    if (error instanceof AppError) {
      if (error.httpStatus >= 500) logger.error({ code: error.code, path: redactUrl(c.req.path), err: error }, 'request failed');
      return errorResponse(c, error);
    }
    logger.error({ path: redactUrl(c.req.path), err: error }, 'unexpected error');
    return errorResponse(c, new AppError('INTERNAL', 'Internal error', { cause: error }));
  };
}
