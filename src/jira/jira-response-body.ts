import { AppError } from '../platform/app-error.js';

/** Whether a `Content-Type` names JSON (`application/json`, `application/problem+json`, with parameters). */
export function isJsonContentType(contentType: string | null): boolean {
  return contentType !== null && /^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(contentType.trim());
}

function tooLarge(maxBytes: number): AppError {
  // The same page will be as large next time: not retryable (security-and-reliability.md §2.5, §5.2 E15).
  return new AppError('JIRA_RESPONSE_INVALID', `Jira's answer is larger than the ${maxBytes}-byte cap`, { retryable: false });
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * Reads a response body as UTF-8 text, at most `maxBytes` of it: a declared or actual larger
 * body fails early (`JIRA_RESPONSE_INVALID`, not retryable) without buffering the rest. A body
 * shorter than its `Content-Length` or not valid UTF-8 fails as `JIRA_RESPONSE_INVALID`
 * (retryable); a stream error (connection closed mid-body) is rethrown as it came. When `signal`
 * aborts, the read stops and rejects with its reason.
 */
export async function readCappedText(response: Response, maxBytes: number, signal: AbortSignal): Promise<string> {
  const declaredText = response.headers.get('content-length');
  const declared = declaredText !== null && /^\d+$/.test(declaredText.trim()) ? Number(declaredText) : undefined;
  if (declared !== undefined && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge(maxBytes);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const onAbort = () => void reader.cancel(signal.reason).catch(() => undefined);
  signal.addEventListener('abort', onAbort, { once: true });
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      signal.throwIfAborted();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge(maxBytes);
      }
      chunks.push(value);
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  if (declared !== undefined && total !== declared) {
    throw new AppError('JIRA_RESPONSE_INVALID', `Jira's answer was cut short (${total} of ${declared} bytes)`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(concat(chunks, total));
  } catch (cause) {
    throw new AppError('JIRA_RESPONSE_INVALID', "Jira's answer is not valid UTF-8", { cause });
  }
}
