import { describe, expect, it } from 'vitest';
import { decodeUtf8, decodeUtf8InPieces, isJsonContentType, readCappedText } from './jira-response-body.js';

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

describe('decodeUtf8InPieces', () => {
  // One to four bytes per character, a U+FEFF inside the text (kept) and at its start (dropped).
  const text = 'a é € 𝄞 ok\uFEFF'.repeat(40) + ' Zoë — 漢字 🙂';
  const bytes = new TextEncoder().encode(`\uFEFF${text}`);

  it('decodes to the same text as a fatal TextDecoder for every piece size, never cutting a character', async () => {
    const reference = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    for (const pieceBytes of [4, 5, 6, 7, 64, 1000, 1 << 20]) {
      let pieces = 0;
      const decoded = await decodeUtf8InPieces(bytes, pieceBytes, async () => void pieces++);
      expect(decoded).toBe(reference);
      expect(decoded).toBe(decodeUtf8(bytes));
      // Each piece is at most `pieceBytes` and at least `pieceBytes - 3` (a cut moves back over a character's tail).
      expect(pieces).toBeGreaterThanOrEqual(Math.ceil((bytes.length - 3) / pieceBytes));
      expect(pieces).toBeLessThanOrEqual(Math.ceil((bytes.length - 3) / Math.max(1, pieceBytes - 3)));
    }
  });

  it('refuses bytes that are not UTF-8 before decoding any piece', async () => {
    const broken = new Uint8Array([...new TextEncoder().encode('fine so far '), 0xc3, 0x28, 0x41]);
    let pieces = 0;
    await expect(decodeUtf8InPieces(broken, 4, async () => void pieces++)).rejects.toMatchObject({ code: 'JIRA_RESPONSE_INVALID' });
    expect(pieces).toBe(0);
  });
});
