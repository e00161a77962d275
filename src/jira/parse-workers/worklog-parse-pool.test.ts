import { afterEach, describe, expect, it } from 'vitest';
import { isAppError } from '../../platform/app-error.js';
import { decodeWorklogListBytes, type WorklogListDecoder } from '../worklog-list-decoder.js';
import { createWorklogParsePool } from './worklog-parse-pool.js';

function worklog(id: number, comment: unknown): Record<string, unknown> {
  return {
    id: String(id),
    issueId: String(10_000 + (id % 7)),
    author: { accountId: `5b10ac8d82e05b22cc7d${String(id % 5).padStart(4, '0')}`, displayName: 'Zoë Ünicode 東京' },
    comment,
    created: '2026-03-29T01:30:00.000+0100',
    updated: '2026-03-29T03:30:00.000+0200',
    started: '2026-03-28T23:30:00.000+0900',
    timeSpentSeconds: 60 * id,
  };
}

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const page = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => worklog(from + i, { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: `⏱ ${from + i} <script>` }] }] }));

let pool: WorklogListDecoder | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

describe('worklog parse pool', () => {
  it('decodes pages on worker threads exactly as the inline decoder does, many at once', async () => {
    pool = createWorklogParsePool(2);
    const pages = Array.from({ length: 12 }, (_, n) => page(n * 100 + 1, 100));
    const decoded = await Promise.all(pages.map((items) => pool!.decode(encode(items))));
    expect(decoded).toEqual(pages.map((items) => decodeWorklogListBytes(encode(items))));
    expect(decoded[3]![0]).toMatchObject({ id: 301, commentJson: expect.stringContaining('⏱ 301 <script>') });
  });

  it('refuses malformed JSON, invalid UTF-8 and a wrong shape as retryable JIRA_RESPONSE_INVALID', async () => {
    pool = createWorklogParsePool(1);
    const malformed = await refusal(pool.decode(new TextEncoder().encode('[{"id":')));
    expect(malformed).toMatchObject({ code: 'JIRA_RESPONSE_INVALID', retryable: true });
    expect(malformed.message).toMatch(/malformed JSON/);
    expect((await refusal(pool.decode(new Uint8Array([0x5b, 0xff, 0x5d])))).message).toMatch(/UTF-8/);
    const shape = await refusal(pool.decode(encode([worklog(1, null), { ...worklog(2, null), timeSpentSeconds: 'secret-value' }])));
    expect(shape.details).toEqual(['1.timeSpentSeconds: expected a non-negative whole number of seconds']);
    expect(JSON.stringify(shape)).not.toContain('secret-value');
    // The pool still works after refusals.
    expect(await pool.decode(encode(page(1, 3)))).toHaveLength(3);
  });

  it('takes the bytes it is given, copying a view out of a larger buffer first', async () => {
    pool = createWorklogParsePool(1);
    const whole = encode(page(1, 2));
    await pool.decode(whole);
    expect(whole.byteLength).toBe(0);
    const body = encode(page(5, 2));
    const backing = new Uint8Array(body.length + 10);
    backing.set(body, 10);
    expect(await pool.decode(backing.subarray(10, 10 + body.length))).toHaveLength(2);
    expect(backing.byteLength).toBe(body.length + 10);
  });

  it('fails the decodes of a worker that dies as retryable, and starts a new worker for the next', async () => {
    pool = createWorklogParsePool(1, { entry: new URL('./crashing-worker.test-fixture.mjs', import.meta.url) });
    const first = await refusal(pool.decode(encode(page(1, 1))));
    expect(first).toMatchObject({ code: 'JIRA_RESPONSE_INVALID', retryable: true });
    const second = await refusal(pool.decode(encode(page(1, 1))));
    expect(second.message).toMatch(/parse worker stopped/);
  });

  it('refuses work once closed', async () => {
    pool = createWorklogParsePool(1);
    await pool.decode(encode(page(1, 1)));
    await pool.close();
    expect((await refusal(pool.decode(encode(page(1, 1))))).code).toBe('INTERNAL');
  });
});
