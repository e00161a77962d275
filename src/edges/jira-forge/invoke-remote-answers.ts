import type { MiddlewareHandler } from 'hono';
import type { TallyEnv } from '../../http/tally-env.js';
import { AppError } from '../../platform/app-error.js';

/** The envelope key the page's invokeRemote adapter unwraps (web/src/host/invoke-remote-fetch.ts). */
export const ENCODED_BODY_KEY = 'tallyEncodedBody';
/**
 * Forge passes answers of at most 5 MB back to a Custom UI (limits-invocation); base64 grows a file
 * by a third, so a file above this cannot cross even wrapped.
 */
export const MAX_ENCODED_FILE_BYTES = Math.floor(((5 * 1024 * 1024 - 4096) * 3) / 4);

/**
 * For Custom UI calls (`invokeRemote`): Forge hands only JSON answers back to the page, so a
 * successful answer of another type (the CSV and XLSX exports) is sent as
 * `{ "tallyEncodedBody": { encoding: "base64", contentType, contentDisposition?, data } }`, which
 * the page turns back into the same file. A file too large for Forge's 5 MB answer limit is
 * refused with `EXPORT_TOO_LARGE` (a JSON error the page shows) instead of failing in the proxy.
 * Mount after the Forge authentication of `/api/*`, so it applies to Forge calls only.
 */
export function invokeRemoteAnswers(): MiddlewareHandler<TallyEnv> {
  return async (c, next) => {
    await next();
    const response = c.res;
    const contentType = response.headers.get('content-type') ?? '';
    if (!response.ok || response.body === null || /^application\/json\b/i.test(contentType)) return;
    const bytes = Buffer.from(await response.arrayBuffer());
    if (bytes.length > MAX_ENCODED_FILE_BYTES) {
      throw new AppError('EXPORT_TOO_LARGE', `The file is ${Math.ceil(bytes.length / 1_000_000)} MB; inside Jira's Forge frame downloads are limited to ${Math.floor(MAX_ENCODED_FILE_BYTES / 1_000_000)} MB. Narrow the date range or the filters.`);
    }
    const disposition = response.headers.get('content-disposition');
    const envelope = { encoding: 'base64', contentType, ...(disposition ? { contentDisposition: disposition } : {}), data: bytes.toString('base64') };
    const headers = new Headers(response.headers);
    headers.set('content-type', 'application/json; charset=utf-8');
    headers.delete('content-disposition');
    headers.delete('content-length');
    c.res = new Response(JSON.stringify({ [ENCODED_BODY_KEY]: envelope }), { status: response.status, headers });
  };
}
