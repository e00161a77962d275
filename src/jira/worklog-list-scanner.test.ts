import { describe, expect, it } from 'vitest';
import { createJiraClientHarness } from '../../test/support/jira-client-harness.js';
import { isAppError } from '../platform/app-error.js';
import type { JiraWorklog } from './jira-client.js';
import { decodeWorklogListBytes, inlineWorklogListDecoder } from './worklog-list-decoder.js';
import { MAX_DEPTH_LEVELS, scanWorklogList } from './worklog-list-scanner.js';
import { parseWorklogList } from './worklog-parsers.js';

/**
 * The reference is the general way, built here from its parts: a fatal UTF-8 decoder (which drops
 * one byte-order mark), JSON.parse and the worklog reader. It answers worklogs or throws.
 */
function reference(bytes: Uint8Array): JiraWorklog[] {
  return parseWorklogList(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)));
}

type Outcome = { ok: true; worklogs: JiraWorklog[] } | { ok: false; error: unknown };
function outcome(run: () => JiraWorklog[]): Outcome {
  try {
    return { ok: true, worklogs: run() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The decoder answers as the reference does: the same worklogs, or a refusal where it refuses. */
function expectSameAsReference(bytes: Uint8Array): Outcome {
  const expected = outcome(() => reference(bytes));
  const actual = outcome(() => decodeWorklogListBytes(bytes));
  if (expected.ok) {
    expect(actual).toEqual(expected);
  } else {
    expect(actual.ok).toBe(false);
    const error = (actual as { error: unknown }).error;
    expect(isAppError(error, 'JIRA_RESPONSE_INVALID') && error.retryable).toBe(true);
    // A refused shape is reported as the worklog reader reports it.
    if (isAppError(expected.error)) expect(error).toMatchObject({ message: expected.error.message, details: expected.error.details });
  }
  return expected;
}

const utf8 = (text: string) => new TextEncoder().encode(text);

/** `/worklog/list` answers captured from the simulator, as Tally's client receives them. */
async function simulatorPages(seed: number | string, worklogs: number): Promise<Uint8Array[]> {
  const harness = createJiraClientHarness({
    generate: { seed, worklogs, emptyCommentShare: 0.1, longCommentShare: 0.2, deletedUserShare: 0.1, restrictedShare: 0.05, editedShare: 0.3 },
  });
  const pages: Uint8Array[] = [];
  const client = harness.client({
    fetch: async (input, init) => {
      const response = await harness.fetch(input, init);
      const url = input instanceof Request ? input.url : String(input);
      if (url.includes('/worklog/list')) pages.push(new Uint8Array(await response.clone().arrayBuffer()));
      return response;
    },
  });
  const ids = harness.visibleWorklogs().map((w) => w.id);
  for (let from = 0; from < ids.length; from += 1000) await client.getWorklogs(ids.slice(from, from + 1000));
  return pages;
}

function worklogJson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    self: 'https://example.atlassian.net/rest/api/3/issue/10010/worklog/10000',
    author: { accountId: '5b10a2844c20165700ede21g', avatarUrls: { '16x16': 'https://a/16' }, displayName: 'Zoë 東京 🎉', active: true },
    updateAuthor: { accountId: 'other', displayName: 'x' },
    comment: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Fixed ✅ – "quoted" \\ tab\t 🎉👍🏽' }] }] },
    created: '2024-12-07T11:58:36.688+0100',
    updated: '2024-12-08T11:58:36.688-0530',
    started: '2024-02-29T23:50:00.000+1400',
    timeSpent: '45m',
    timeSpentSeconds: 2700,
    id: '10000',
    issueId: '10063',
    ...overrides,
  };
}
const pageOf = (...items: unknown[]) => utf8(JSON.stringify(items));

/** A small deterministic random source (the tests must fail the same way twice). */
function randomSource(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state % n;
  };
}

describe('worklog list scanner', () => {
  it('reads the simulator’s pages exactly as JSON.parse and the worklog reader do, on the fast path', async () => {
    let worklogs = 0;
    for (const seed of [1, 7, 42, 'mixed-scripts', 2026]) {
      const pages = await simulatorPages(seed, 1500);
      expect(pages.length).toBeGreaterThan(1);
      for (const bytes of pages) {
        const expected = reference(bytes);
        // The fast path itself takes these pages (a fallback would hide a scanner that gives up).
        expect(scanWorklogList(bytes)).toEqual(expected);
        expect(await inlineWorklogListDecoder.decode(bytes)).toEqual(expected);
        worklogs += expected.length;
      }
    }
    expect(worklogs).toBeGreaterThan(5000);
  }, 60_000);

  it('keeps the comment as the same JSON text byte for byte, also when Jira writes it another way', () => {
    const comments: unknown[] = [
      { type: 'doc', version: 1, content: [] },
      'a v2 plain comment with "quotes", \\ and \n',
      '',
      42,
      true,
      [],
      { '2': 'b', a: 1, '1': 'a', '01': 'not an index' },
    ];
    for (const comment of comments) {
      const bytes = pageOf(worklogJson({ comment }));
      expect(scanWorklogList(bytes)).toEqual(reference(bytes));
    }
    const rawComments = [
      '{ "type" : "doc",\n\t"content" : [ ] }',
      '{"text":"caf\\u00e9 \\ud83c\\udf89 \\/ \\u0001 \\b\\f\\n\\r\\t"}',
      '{"n":[1.0,1e2,-0,0.1,12345678901234567890,123456789012345,-5,1E-7,0.000001]}',
      '{"type":"doc","type":"paragraph","content":[1],"content":[2]}',
      '{"a":{"b":{"c":[[],{},[{}]]}}}',
      '{"__proto__":{"a":1},"constructor":2}',
      '"caf\\u00e9"',
      'null',
      '-0',
    ];
    for (const comment of rawComments) {
      const bytes = utf8(`[${JSON.stringify(worklogJson({ comment: '§' })).replace('"§"', comment)}]`);
      const decoded = scanWorklogList(bytes);
      expect(decoded).toEqual(reference(bytes));
      expect(decoded?.[0]?.commentJson).not.toBe('§');
    }
  });

  it('reads escapes, whitespace, string and number ids, nulls, duplicate keys, unknown fields and a BOM as JSON.parse does', () => {
    const base = JSON.stringify(worklogJson());
    const cases = [
      // Escapes in keys and values, a surrogate pair among them.
      base.replace('"issueId"', '"issue\\u0049d"').replace('"10000"', '"\\u0031\\u00300000"').replace('"accountId":"5b10', '"\\u0061ccountId":"\\ud83c\\udf89 5b10'),
      base.replace('"started":"2024-02-29T23:50:00.000+1400"', '"started":"2024\\u002d02-29T23:50:00.000+1400"'),
      // Whitespace everywhere JSON allows it.
      JSON.stringify(worklogJson(), null, '\t').replace(/": /g, '" \r\n:\t '),
      // Ids as numbers, in number forms JSON.parse turns into integers.
      JSON.stringify(worklogJson({ id: 10000, issueId: 10063 })),
      base.replace('"id":"10000"', '"id":1.0e4').replace('"timeSpentSeconds":2700', '"timeSpentSeconds":27e2'),
      base.replace('"timeSpentSeconds":2700', '"timeSpentSeconds":-0'),
      JSON.stringify(worklogJson({ id: '0009007199254740' })),
      // Nulls and absences that the worklog reader takes.
      JSON.stringify(worklogJson({ comment: null, author: null })),
      JSON.stringify(worklogJson({ comment: undefined, author: undefined, created: undefined })),
      JSON.stringify(worklogJson({ author: { accountId: 'unknown' } })),
      JSON.stringify(worklogJson({ author: { accountId: '' } })),
      JSON.stringify(worklogJson({ author: { accountId: 5 } })),
      JSON.stringify(worklogJson({ author: ['accountId'] })),
      JSON.stringify(worklogJson({ author: 'someone' })),
      JSON.stringify(worklogJson({ visibility: { type: 'group', value: 'jira-developers', identifier: '276f955c' } })),
      // Duplicate keys: JSON.parse keeps the last.
      base.replace('"id":"10000"', '"id":"1","id":"2"').replace('"author":{', '"author":{"accountId":"first","accountId":"second",'),
      base.replace('"comment":{', '"comment":null,"comment":{').replace('"author":{', '"author":{"accountId":"x"},"author":{'),
      base.replace('"author":{"accountId":"5b10a2844c20165700ede21g",', '"author":{"accountId":"lost"},"author":{'),
      // Unknown fields with nested arrays and objects, and every literal.
      base.replace('"self":', '"properties":[{"key":"k","value":{"a":[1,-2.5e+3,true,false,null,{"b":[]}],"c":"\\"}"}}],"self":'),
      // Other date-time forms the reader takes.
      JSON.stringify(worklogJson({ started: '2024-02-29T23:50Z', updated: '2024-03-01T00:00:00.123456789+05:30' })),
    ];
    for (const text of cases) {
      const bytes = utf8(`[${text}]`);
      expect(scanWorklogList(bytes), text).toEqual(reference(bytes));
    }
    // A byte-order mark, whitespace around the page, an empty page.
    for (const text of [`\ufeff[${base}]`, ` \n[ ${base} , ${base} ]\r\n`, '[]', ' [ ] ']) {
      const bytes = utf8(text);
      expect(scanWorklogList(bytes)).toEqual(reference(bytes));
    }
  });

  it('answers pages it leaves to the worklog reader exactly as before: odd values it takes, shapes it refuses', () => {
    const cases: unknown[][] = [
      [worklogJson({ id: 'x', issueId: -1 })],
      [worklogJson({ id: '12345678901234567' })],
      [worklogJson({ id: 9_007_199_254_740_993 })],
      [worklogJson({ timeSpentSeconds: '2700' })],
      [worklogJson({ timeSpentSeconds: 1.5 })],
      [worklogJson({ created: null })],
      [worklogJson({ started: '2023-02-29T10:00:00.000+0000' })],
      [worklogJson({ started: '0099-01-01T10:00:00.000+0000' })],
      [worklogJson({ updated: '2024-01-01T24:00:00.000+0000' })],
      [worklogJson({ updated: '2024-01-01T10:00:00.000+1900' })],
      [worklogJson({ updated: undefined })],
      [worklogJson(), 'not a worklog', null, []],
    ];
    for (const items of cases) expect(expectSameAsReference(pageOf(...items)).ok).toBe(false);
    expect(expectSameAsReference(utf8('{"worklogs":[]}')).ok).toBe(false);
    // A bad value followed by a good duplicate: JSON.parse keeps the good one, so the page is taken.
    const recovered = utf8(`[${JSON.stringify(worklogJson()).replace('"id":"10000"', '"id":"x","id":"10000"')}]`);
    expect(expectSameAsReference(recovered).ok).toBe(true);
  });

  it('reads Jira date-times from bytes to the same instants as parseJiraDateTime', () => {
    const random = randomSource(15);
    const two = (n: number) => String(n).padStart(2, '0');
    const items: unknown[] = [];
    for (let n = 0; n < 3000; n++) {
      const year = [1000, 1900, 1999, 2000, 2023, 2024, 2100, 2400, 9999][random(9)]!;
      const time = `${two(random(25))}:${two(random(61))}:${two(random(61))}.${String(random(1000)).padStart(3, '0')}`;
      const offset = `${random(2) ? '+' : '-'}${two(random(20))}${two(random(61))}`;
      items.push(worklogJson({ id: String(n + 1), started: `${year}-${two(random(14))}-${two(random(33))}T${time}${offset}` }));
    }
    // One item per page: a refused date refuses only its own page.
    let taken = 0;
    for (const item of items) if (expectSameAsReference(pageOf(item)).ok) taken++;
    expect(taken).toBeGreaterThan(500);
  });

  it('refuses malformed pages as JIRA_RESPONSE_INVALID, retryable, like the general way', async () => {
    const [page] = await simulatorPages(3, 150);
    const text = new TextDecoder().decode(page);
    const malformed: Uint8Array[] = [];
    for (let end = 0; end < page!.length; end += 997) malformed.push(page!.subarray(0, end));
    malformed.push(
      new Uint8Array([0x5b, 0xff, 0x5d]),
      new Uint8Array([...utf8('[{"id":"'), 0xc3, 0x28, ...utf8('"}]')]),
      new Uint8Array([...utf8('[{"id":"'), 0xed, 0xa0, 0x80, ...utf8('"}]')]), // an encoded surrogate
      utf8(`${text} x`),
      utf8(`${text}]`),
      utf8(`${text.slice(0, -1)},]`),
      utf8(text.replace('"id":', '"id":"1')),
      utf8(text.replace('"comment":{', '"comment":{"a":"\\x",')),
      utf8(text.replace('"comment":{', '"comment":{"a":"\\u12g4",')),
      utf8(text.replace('"comment":{', '"comment":{"a":"tab\there",')),
      utf8(text.replace('"self":', '"x":01,"self":')),
      utf8(text.replace('"self":', '"x":1.,"self":')),
      utf8(text.replace('"self":', '"x":-,"self":')),
      utf8(text.replace('"self":', '"x":tru,"self":')),
      utf8(text.replace('"self":', '"x":[1,],"self":')),
      utf8(text.replace('"self":', '"x":{"a" 1},"self":')),
      utf8(text.replace('"self":', '"x":{"a":1,},"self":')),
      utf8(`\ufeff\ufeff${text}`),
      utf8(`\u00a0${text}`),
      utf8(''),
    );
    expect(malformed.length).toBeGreaterThan(200);
    for (const [n, bytes] of malformed.entries()) {
      expect(expectSameAsReference(bytes).ok).toBe(false);
      if (n % 10 === 0 || n > malformed.length - 30) {
        await expect(inlineWorklogListDecoder.decode(bytes)).rejects.toMatchObject({ code: 'JIRA_RESPONSE_INVALID', retryable: true });
      }
    }
  });

  it('answers as JSON.parse does for random damage to a page', () => {
    const text = JSON.stringify([worklogJson(), worklogJson({ id: 10001, comment: 'plain', visibility: { type: 'group', value: 'g' } })]);
    const bytes = utf8(text);
    const random = randomSource(1);
    const alphabet = utf8('{}[]":,\\ 0123456789-+.eEtrufalsn\t\n\u00e9');
    let taken = 0;
    for (let n = 0; n < 4000; n++) {
      const damaged = Uint8Array.from(bytes);
      for (let k = 1 + random(3); k > 0; k--) damaged[random(damaged.length)] = alphabet[random(alphabet.length)]!;
      if (expectSameAsReference(damaged).ok) taken++;
    }
    expect(taken).toBeGreaterThan(0);
  });

  it('bounds nesting: deep but allowed values read as before, deeper ones are refused without recursion', async () => {
    const nested = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
    const base = JSON.stringify(worklogJson());
    // The page is level 1 and a worklog 2, so a field's value may open MAX_DEPTH_LEVELS - 2 more.
    const allowed = MAX_DEPTH_LEVELS - 2;
    for (const field of ['"x":', '"comment":']) {
      const fits = utf8(`[${base.replace('"self":', `${field}${nested(allowed)},"self":`)}]`);
      expect(scanWorklogList(fits)).toEqual(reference(fits));
      for (const levels of [allowed + 1, 100_000, 2_000_000]) {
        const bomb = utf8(`[${base.replace('"self":', `${field}${nested(levels)},"self":`)}]`);
        expect(() => decodeWorklogListBytes(bomb)).toThrow(expect.objectContaining({ code: 'JIRA_RESPONSE_INVALID', retryable: true }));
        await expect(inlineWorklogListDecoder.decode(bomb)).rejects.toMatchObject({ code: 'JIRA_RESPONSE_INVALID' });
      }
    }
    const deepAuthor = utf8(`[${base.replace('"author":{', `"author":{"x":${nested(100_000)},`)}]`);
    expect(() => decodeWorklogListBytes(deepAuthor)).toThrow(expect.objectContaining({ code: 'JIRA_RESPONSE_INVALID' }));
  });

  it('decodes a page inline in several event-loop turns', async () => {
    const [page] = await simulatorPages(5, 1000);
    let immediates = 0;
    let decoding = true;
    const tick = () => {
      immediates++;
      if (decoding) setImmediate(tick);
    };
    setImmediate(tick);
    const before = immediates;
    const worklogs = await inlineWorklogListDecoder.decode(page!);
    decoding = false;
    expect(worklogs).toEqual(reference(page!));
    // A 1.8 MB page takes 256 KB slices: other immediates ran between them.
    expect(page!.length).toBeGreaterThan(1_000_000);
    expect(immediates - before).toBeGreaterThanOrEqual(4);
  });
});
