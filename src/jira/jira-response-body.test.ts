import { describe, expect, it } from 'vitest';
import { decodeUtf8, isJsonContentType, readCappedText } from './jira-response-body.js';

/** A streamed body without Content-Length, in chunks, optionally never ending. */
function streamed(chunks: string[], endless = false): Response {
  const encoder = new TextEncoder();
  let index = 0;
  return new Response(
    new ReadableStream<Uint8Array>({
      pull(controller) {
        if (index < chunks.length) controller.enqueue(encoder.encode(chunks[index++]));
        else if (!endless) controller.close();
      },
    }),
  );
}

const never = new AbortController().signal;

describe('readCappedText', () => {
  it('reads a body within the cap', async () => {
    expect(await readCappedText(streamed(['{"a":', '1}']), 100, never)).toBe('{"a":1}');
  });

  it('stops a streamed body at the cap without reading the rest, not retryable', async () => {
    await expect(readCappedText(streamed(['x'.repeat(60), 'x'.repeat(60)], true), 100, never)).rejects.toMatchObject({ code: 'JIRA_RESPONSE_INVALID', retryable: false });
  });

  it('refuses a declared length above the cap before reading', async () => {
    const response = new Response('small', { headers: { 'content-length': '1000000' } });
    await expect(readCappedText(response, 100, never)).rejects.toMatchObject({ code: 'JIRA_RESPONSE_INVALID', retryable: false });
  });

  it('refuses invalid UTF-8 as a retryable invalid answer', async () => {
    const response = new Response(new Uint8Array([0x7b, 0xff, 0x7d]));
    await expect(readCappedText(response, 100, never)).rejects.toMatchObject({ code: 'JIRA_RESPONSE_INVALID', retryable: true });
  });

  it('decodes multi-byte text and drops a leading byte-order mark, as a fatal TextDecoder does', () => {
    const text = '{"c":"Zeit ⏱ 東京 🎉"}';
    const bytes = new TextEncoder().encode(text);
    expect(decodeUtf8(bytes)).toBe(text);
    expect(decodeUtf8(new Uint8Array([0xef, 0xbb, 0xbf, ...bytes]))).toBe(text);
    expect(() => decodeUtf8(bytes.subarray(0, bytes.length - 3))).toThrow(/not valid UTF-8/);
  });

  it('ends a read that never finishes when the signal aborts', async () => {
    const controller = new AbortController();
    const reading = readCappedText(streamed(['{'], true), 100, controller.signal);
    controller.abort(new Error('timeout'));
    await expect(reading).rejects.toThrow('timeout');
  });
});

describe('isJsonContentType', () => {
  it.each([
    ['application/json', true],
    ['application/json;charset=UTF-8', true],
    ['Application/JSON; charset=utf-8', true],
    ['application/problem+json', true],
    ['text/html;charset=UTF-8', false],
    ['application/jsonp', false],
    ['text/plain', false],
    [null, false],
  ])('%s → %s', (contentType, expected) => {
    expect(isJsonContentType(contentType)).toBe(expected);
  });
});
