import { Buffer, isUtf8 } from 'node:buffer';
import { AppError } from '../platform/app-error.js';
import type { JiraWorklog } from './jira-client.js';
import { parseJiraDateTime } from './jira-date-time.js';

/*
 * A one-pass reader of the `POST /worklog/list` answer's UTF-8 bytes (jira-connect-protocol.md
 * §1.2, §1.4). It validates the whole page as JSON (RFC 8259: grammar, escapes, no raw control
 * characters; UTF-8 by `isUtf8` first) but turns into JS strings only what Tally keeps — ids,
 * `author.accountId`, the three dates and the comment's own bytes — and skips the rest (user
 * objects, avatar URLs, self links, `visibility`, …) without decoding it. Why: decoding a 1.8 MB
 * page to one string and JSON.parse-ing it cost ~20 ms of CPU per 1,000 worklogs, most of it spent
 * on text Tally throws away (docs/architecture.md).
 *
 * It is a fast path, not a second opinion: it mirrors `readWorklog` (worklog-wire.ts) on pages it
 * understands, and on anything else — malformed JSON, a field `readWorklog` would refuse or that
 * it reads some odd way — it gives up (`undefined`) and the caller decodes the page the old way,
 * which then answers or throws exactly as before. The one refusal of its own is nesting deeper than
 * {@link MAX_DEPTH_LEVELS}, so no hostile page can make any step of the decoding recurse deeply.
 */
// One file past the 400-line guide on purpose: split into a JSON-bytes base class and this reader
// (imports and a class boundary in the hot loops), it measured 20–45% more CPU per page.

/** Containers may nest this deep (the page's array is level 1, a worklog 2). ADF is far shallower. */
export const MAX_DEPTH_LEVELS = 512;

/** The reader met something it does not handle; the page is decoded the old way. Never escapes. */
class ScanMiss extends Error {}
const MISS = new ScanMiss('worklog list scan miss');

const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c, COLON = 0x3a, MINUS = 0x2d;
const LBRACE = 0x7b, RBRACE = 0x7d, LBRACKET = 0x5b, RBRACKET = 0x5d;

/** 1 for the bytes that end a run of plain string content: `"`, `\` and raw control characters. */
const STRING_STOP = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) STRING_STOP[c] = 1;
STRING_STOP[QUOTE] = 1;
STRING_STOP[BACKSLASH] = 1;

/** 1 for the characters allowed after `\` other than `u`. */
const SIMPLE_ESCAPE = new Uint8Array(256);
for (const c of '"\\/bfnrt') SIMPLE_ESCAPE[c.charCodeAt(0)] = 1;

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

/** The worklog fields Tally reads; every other key is skipped. */
const enum Field { Other, Id, IssueId, Author, Comment, Created, Updated, Started, TimeSpentSeconds }
const FIELD_NAMES: [string, Field][] = [
  ['id', Field.Id], ['issueId', Field.IssueId], ['author', Field.Author], ['comment', Field.Comment],
  ['created', Field.Created], ['updated', Field.Updated], ['started', Field.Started], ['timeSpentSeconds', Field.TimeSpentSeconds],
];
const FIELD_BYTES = FIELD_NAMES.map(([name, field]) => ({ bytes: Buffer.from(name, 'latin1'), field }));
const FIELD_BY_NAME = new Map(FIELD_NAMES);
const ACCOUNT_ID = Buffer.from('accountId', 'latin1');

/** Progress of one page's scan; {@link WorklogListScan.next} advances it a slice at a time. */
export interface WorklogListScan {
  /**
   * Reads whole worklogs until about `sliceBytes` more bytes are read. Returns `'more'` while the
   * page goes on, the worklogs once it is read, `undefined` when the page must be decoded the old
   * way. Throws `JIRA_RESPONSE_INVALID` only for nesting deeper than {@link MAX_DEPTH_LEVELS}.
   */
  next(sliceBytes: number): 'more' | JiraWorklog[] | undefined;
}

/** Starts reading a `/worklog/list` answer; nothing is read until the first `next`. */
export function startWorklogListScan(bytes: Uint8Array): WorklogListScan {
  const reader = new WorklogListReader(bytes);
  return {
    next(sliceBytes) {
      try {
        return reader.next(sliceBytes) ? reader.worklogs : 'more';
      } catch (error) {
        if (error === MISS) return undefined;
        throw error;
      }
    },
  };
}

/** {@link startWorklogListScan} in one go: the worklogs, or `undefined` to decode the page the old way. */
export function scanWorklogList(bytes: Uint8Array): JiraWorklog[] | undefined {
  const result = startWorklogListScan(bytes).next(Number.POSITIVE_INFINITY);
  return result === 'more' ? undefined : result;
}

class WorklogListReader {
  private readonly b: Uint8Array;
  private readonly text: Buffer;
  readonly worklogs: JiraWorklog[] = [];
  /** Where the next slice starts (after the last worklog read); -1 before the first. */
  private resumeAt = -1;
  /** Where the last field reader stopped. */
  private i = 0;
  /** Whether the last string scanned held an escape, and whether one JSON.stringify would not write. */
  private escaped = false;
  private oddEscape = false;
  /** The instant of the last date-time read. */
  private ms = 0;
  /** Whether the last value scanned with `canonical` is already in JSON.stringify's form. */
  private canonical = true;
  /** Container kinds (`{` or `[`) by level, and in canonical mode each object's key ranges. */
  private readonly open = new Uint8Array(MAX_DEPTH_LEVELS + 1);
  private readonly keys: number[][] = [];

  constructor(bytes: Uint8Array) {
    this.b = bytes;
    this.text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Reads a slice of the page; true once it is complete. */
  next(sliceBytes: number): boolean {
    const b = this.b;
    let i = this.resumeAt;
    if (i < 0) {
      if (!isUtf8(b)) throw MISS;
      // decodeUtf8 drops one leading byte-order mark; JSON.parse would refuse a second.
      i = b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
      i = ws(b, i);
      if (b[i] !== LBRACKET) throw MISS;
      i = ws(b, i + 1);
      if (b[i] === RBRACKET) return this.end(i + 1);
    } else {
      i = ws(b, i);
      if (b[i] === RBRACKET) return this.end(i + 1);
      if (b[i] !== COMMA) throw MISS;
      i = ws(b, i + 1);
    }
    const until = i + sliceBytes;
    for (;;) {
      i = this.worklog(i);
      i = ws(b, i);
      if (b[i] === RBRACKET) return this.end(i + 1);
      if (i >= until) {
        this.resumeAt = i;
        return false;
      }
      if (b[i] !== COMMA) throw MISS;
      i = ws(b, i + 1);
    }
  }

  private end(i: number): boolean {
    if (ws(this.b, i) !== this.b.length) throw MISS;
    return true;
  }

  /** One worklog object at `i`, mirroring `readWorklog`; the index after it. */
  private worklog(i: number): number {
    const b = this.b;
    if (b[i] !== LBRACE) throw MISS;
    let id = -1, issueId = -1, timeSpentSeconds = -1;
    let authorAccountId: string | null = null, commentJson: string | null = null;
    let created: string | undefined, updated: string | undefined, started: string | undefined;
    let updatedMs = 0, startedMs = 0;
    i = ws(b, i + 1);
    if (b[i] !== RBRACE) {
      for (;;) {
        const field = this.field(i);
        i = ws(b, this.i);
        switch (field) {
          case Field.Id: id = this.id(i); break;
          case Field.IssueId: issueId = this.id(i); break;
          case Field.Author: authorAccountId = this.author(i); break;
          case Field.Comment: commentJson = this.comment(i); break;
          case Field.Created: created = this.dateTime(i); break;
          case Field.Updated: updated = this.dateTime(i); updatedMs = this.ms; break;
          case Field.Started: started = this.dateTime(i); startedMs = this.ms; break;
          case Field.TimeSpentSeconds: timeSpentSeconds = this.wholeNumber(i); break;
          default: this.i = this.value(i, 2, false);
        }
        i = ws(b, this.i);
        if (b[i] === RBRACE) break;
        if (b[i] !== COMMA) throw MISS;
        i = ws(b, i + 1);
      }
    }
    // Each reader above returns the field's last value (JSON.parse keeps the last of duplicate
    // keys) and gives up on any value `readWorklog` would refuse; here, on a missing field.
    if (id < 0 || issueId < 0 || timeSpentSeconds < 0 || updated === undefined || started === undefined) throw MISS;
    this.worklogs.push({
      id,
      issueId,
      authorAccountId,
      commentJson,
      created: created ?? updated,
      updated,
      started,
      timeSpentSeconds,
      startedMs,
      updatedMs,
    });
    return i + 1;
  }

  /** The worklog key at `i` and its colon; leaves `this.i` at the value. */
  private field(i: number): Field {
    const b = this.b;
    if (b[i] !== QUOTE) throw MISS;
    const end = this.string(i + 1);
    this.i = this.colon(end);
    if (this.escaped) return FIELD_BY_NAME.get(this.stringAt(i + 1, end - 1)) ?? Field.Other;
    const length = end - 1 - (i + 1);
    for (const { bytes, field } of FIELD_BYTES) {
      if (bytes.length === length && sameBytes(b, i + 1, bytes)) return field;
    }
    return Field.Other;
  }

  private colon(i: number): number {
    i = ws(this.b, i);
    if (this.b[i] !== COLON) throw MISS;
    return i + 1;
  }

  /** An id as `readId` takes it: a number, or a string of 1–16 digits; a safe integer ≥ 0. */
  private id(i: number): number {
    const b = this.b;
    let id: number;
    if (b[i] === QUOTE) {
      const end = this.string(i + 1);
      this.i = end;
      const text = this.escaped ? this.stringAt(i + 1, end - 1) : undefined;
      if (text !== undefined) id = /^\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
      else id = end - 2 - i >= 1 && end - 2 - i <= 16 ? digitsValue(b, i + 1, end - 1) : Number.NaN;
    } else {
      id = this.numberValue(i);
    }
    if (!Number.isSafeInteger(id) || id < 0) throw MISS;
    return id;
  }

  /** `timeSpentSeconds`: a JSON number that is a safe integer ≥ 0. */
  private wholeNumber(i: number): number {
    const seconds = this.numberValue(i);
    if (!Number.isSafeInteger(seconds) || seconds < 0) throw MISS;
    return seconds;
  }

  /** The number at `i` as JSON.parse reads it; gives up on any other value. Leaves `this.i` after it. */
  private numberValue(i: number): number {
    const b = this.b;
    if (b[i] !== MINUS && !isDigit(b[i] as number)) throw MISS;
    const end = this.number(i, false);
    this.i = end;
    const value = end - i <= 15 ? digitsValue(b, i, end) : Number.NaN;
    return Number.isNaN(value) ? Number(this.text.toString('latin1', i, end)) : value;
  }

  /** A Jira date-time string (`readDateTime`); anything else gives up. */
  private dateTime(i: number): string {
    if (this.b[i] !== QUOTE) throw MISS;
    const end = this.string(i + 1);
    this.i = end;
    const text = this.stringAt(i + 1, end - 1);
    const ms = this.escaped ? parseJiraDateTime(text) : jiraDateTimeMs(this.b, i + 1, end - 1) ?? parseJiraDateTime(text);
    if (ms === undefined) throw MISS;
    this.ms = ms;
    return text;
  }

  /** `author.accountId` as `authorAccountId` reads it: null unless a non-empty string other than `unknown`. */
  private author(i: number): string | null {
    const b = this.b;
    if (b[i] !== LBRACE) {
      this.i = this.value(i, 2, false);
      return null;
    }
    let accountId: string | null = null;
    i = ws(b, i + 1);
    if (b[i] !== RBRACE) {
      for (;;) {
        if (b[i] !== QUOTE) throw MISS;
        const end = this.string(i + 1);
        const isAccountId = this.escaped ? this.stringAt(i + 1, end - 1) === 'accountId' : end - 2 - i === ACCOUNT_ID.length && sameBytes(b, i + 1, ACCOUNT_ID);
        i = ws(b, this.colon(end));
        if (isAccountId && b[i] === QUOTE) {
          const valueEnd = this.string(i + 1);
          const value = this.stringAt(i + 1, valueEnd - 1);
          accountId = value !== '' && value !== 'unknown' ? value : null;
          i = valueEnd;
        } else {
          if (isAccountId) accountId = null;
          i = this.value(i, 3, false);
        }
        i = ws(b, i);
        if (b[i] === RBRACE) break;
        if (b[i] !== COMMA) throw MISS;
        i = ws(b, i + 1);
      }
    }
    this.i = i + 1;
    return accountId;
  }

  /**
   * The comment as `commentJson` stores it: null, a string as itself, anything else as
   * JSON.stringify's text. When the bytes already are that text (no whitespace, escapes, number
   * forms, duplicate or index-like keys that JSON.stringify would change) they are used as they
   * are; otherwise the slice alone is parsed and stringified, exactly as before.
   */
  private comment(i: number): string | null {
    const b = this.b;
    if (b[i] === QUOTE) {
      const end = this.string(i + 1);
      this.i = end;
      return this.stringAt(i + 1, end - 1);
    }
    this.canonical = true;
    const end = this.value(i, 2, true);
    this.i = end;
    if (end - i === 4 && b[i] === 0x6e) return null; // `null`
    const text = this.text.toString('utf8', i, end);
    return this.canonical ? text : JSON.stringify(JSON.parse(text));
  }

  /** A kept string's value; its bytes at [start, end) are a validated JSON string body. */
  private stringAt(start: number, end: number): string {
    return this.escaped ? (JSON.parse(this.text.toString('utf8', start - 1, end + 1)) as string) : this.text.toString('utf8', start, end);
  }

  /** The body of a string from `i` (after its `"`); the index after the closing `"`. Sets `escaped`. */
  private string(i: number): number {
    const b = this.b;
    this.escaped = false;
    this.oddEscape = false;
    for (;;) {
      let c = b[i] as number;
      while (STRING_STOP[c] === 0) c = b[++i] as number;
      if (c === QUOTE) return i + 1;
      if (c !== BACKSLASH) throw MISS; // a raw control character, or the end of the page
      this.escaped = true;
      c = b[i + 1] as number;
      // JSON.stringify writes `\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t` for themselves, but never `\/`, and
      // `\u` only for a few characters: strings with those take the slow way (they are rare).
      if (SIMPLE_ESCAPE[c] === 1) {
        if (c === 0x2f) this.oddEscape = true;
        i += 2;
      } else if (c === 0x75 && isHex(b[i + 2] as number) && isHex(b[i + 3] as number) && isHex(b[i + 4] as number) && isHex(b[i + 5] as number)) {
        this.oddEscape = true;
        i += 6;
      } else throw MISS;
    }
  }

  /**
   * Validates the JSON value at `i` whose container is at `level`, without recursion; the index
   * after it. With `canonical`, clears {@link canonical} when JSON.stringify would write it otherwise.
   */
  private value(i: number, level: number, canonical: boolean): number {
    const b = this.b;
    const open = this.open;
    const base = level;
    for (;;) {
      let c = b[i] as number;
      if (c === LBRACE || c === LBRACKET) {
        if (++level > MAX_DEPTH_LEVELS) throw tooDeep();
        open[level] = c;
        const j = ws(b, i + 1);
        if (canonical && j !== i + 1) this.canonical = false;
        if (b[j] === c + 2) { // `}` / `]` follow `{` / `[` by two code points
          i = j + 1;
          level--;
        } else {
          if (c === LBRACE) {
            if (canonical) (this.keys[level] ??= []).length = 0;
            i = this.key(j, level, canonical);
          } else i = j;
          continue;
        }
      } else if (c === QUOTE) {
        i = this.string(i + 1);
        if (canonical && this.oddEscape) this.canonical = false;
      } else if (c === MINUS || isDigit(c)) {
        i = this.number(i, canonical);
      } else if (c === 0x74 && b[i + 1] === 0x72 && b[i + 2] === 0x75 && b[i + 3] === 0x65) i += 4; // true
      else if (c === 0x66 && b[i + 1] === 0x61 && b[i + 2] === 0x6c && b[i + 3] === 0x73 && b[i + 4] === 0x65) i += 5; // false
      else if (c === 0x6e && b[i + 1] === 0x75 && b[i + 2] === 0x6c && b[i + 3] === 0x6c) i += 4; // null
      else throw MISS;
      // After a value: close finished containers, or move to the next element.
      for (;;) {
        if (level === base) return i;
        const j = ws(b, i);
        if (canonical && j !== i) this.canonical = false;
        c = b[j] as number;
        if (c === COMMA) {
          const k = ws(b, j + 1);
          if (canonical && k !== j + 1) this.canonical = false;
          i = open[level] === LBRACE ? this.key(k, level, canonical) : k;
          break;
        }
        if (c !== (open[level] as number) + 2) throw MISS;
        i = j + 1;
        level--;
      }
    }
  }

  /** An object key at `i` and its colon; the index of the value. */
  private key(i: number, level: number, canonical: boolean): number {
    const b = this.b;
    if (b[i] !== QUOTE) throw MISS;
    const end = this.string(i + 1);
    if (canonical && this.canonical) this.canonicalKey(i + 1, end - 1, level);
    const colon = ws(b, end);
    if (b[colon] !== COLON) throw MISS;
    const j = ws(b, colon + 1);
    if (canonical && (colon !== end || j !== colon + 1)) this.canonical = false;
    return j;
  }

  /**
   * JSON.stringify writes an object's keys in insertion order, except index-like keys (all digits)
   * first, and a duplicate key once where it first came; either makes the text non-canonical.
   */
  private canonicalKey(start: number, end: number, level: number): void {
    const b = this.b;
    // Without odd escapes, equal keys have equal bytes.
    if (this.oddEscape || (start < end && plainDigits(b, start, end))) this.canonical = false;
    const keys = this.keys[level] as number[];
    for (let k = 0; k < keys.length; k += 2) {
      const s = keys[k] as number, e = keys[k + 1] as number;
      if (e - s === end - start && sameBytes(b, start, b.subarray(s, e))) this.canonical = false;
    }
    keys.push(start, end);
  }

  /** Validates a number at `i`; the index after it. */
  private number(i: number, canonical: boolean): number {
    const b = this.b;
    const start = i;
    if (b[i] === MINUS) i++;
    if (b[i] === 0x30) i++;
    else if (isDigit(b[i] as number)) while (isDigit(b[i] as number)) i++;
    else throw MISS;
    const integerEnd = i;
    if (b[i] === 0x2e) {
      if (!isDigit(b[++i] as number)) throw MISS;
      while (isDigit(b[i] as number)) i++;
    }
    if (b[i] === 0x65 || b[i] === 0x45) {
      if (b[++i] === 0x2b || b[i] === MINUS) i++;
      if (!isDigit(b[i] as number)) throw MISS;
      while (isDigit(b[i] as number)) i++;
    }
    // JSON.stringify writes back the same digits only for an exact integer without a sign of zero.
    if (canonical && (i !== integerEnd || i - start > 15 || (b[start] === MINUS && b[start + 1] === 0x30))) this.canonical = false;
    return i;
  }
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digit(b: Uint8Array, at: number): number {
  const d = (b[at] as number) - 0x30;
  return d >= 0 && d <= 9 ? d : Number.NaN;
}

const twoDigits = (b: Uint8Array, at: number) => digit(b, at) * 10 + digit(b, at + 1);

/**
 * The instant of a date-time in Jira's exact form `yyyy-MM-dd'T'HH:mm:ss.SSS±hhmm` (28 bytes at
 * [start, end)) read straight from the bytes, with the checks of `parseJiraDateTime`; undefined
 * for any other form or an out-of-range field, which the caller then leaves to `parseJiraDateTime`
 * (the truth). Years before 1000 go that way too (Date.UTC maps 0–99 to 1900–1999).
 */
function jiraDateTimeMs(b: Uint8Array, start: number, end: number): number | undefined {
  if (end - start !== 28 || b[start + 4] !== MINUS || b[start + 7] !== MINUS || b[start + 10] !== 0x54 || b[start + 13] !== COLON || b[start + 16] !== COLON || b[start + 19] !== 0x2e) return undefined;
  const sign = b[start + 23] === 0x2b ? 1 : b[start + 23] === MINUS ? -1 : 0;
  const year = twoDigits(b, start) * 100 + twoDigits(b, start + 2);
  const month = twoDigits(b, start + 5), day = twoDigits(b, start + 8);
  const hour = twoDigits(b, start + 11), minute = twoDigits(b, start + 14), second = twoDigits(b, start + 17);
  const millis = digit(b, start + 20) * 100 + twoDigits(b, start + 21);
  const offsetHours = twoDigits(b, start + 24), offsetMinutes = twoDigits(b, start + 26);
  // Every comparison is false for NaN (a non-digit), so `!(x <= n)` refuses those too.
  if (sign === 0 || !(year >= 1000) || !(month >= 1 && month <= 12) || !(hour <= 23) || !(minute <= 59) || !(second <= 59)) return undefined;
  if (!(millis >= 0) || !(offsetHours <= 18) || !(offsetMinutes <= 59)) return undefined;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (!(day >= 1 && day <= (DAYS_IN_MONTH[month - 1] as number) + (leap ? 1 : 0))) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - sign * (offsetHours * 60 + offsetMinutes) * 60_000;
}

/** Skips JSON whitespace (space, tab, line feed, carriage return). */
function ws(b: Uint8Array, i: number): number {
  let c = b[i];
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++i];
  return i;
}

function sameBytes(b: Uint8Array, at: number, expected: Uint8Array): boolean {
  for (let k = 0; k < expected.length; k++) if (b[at + k] !== expected[k]) return false;
  return true;
}

function plainDigits(b: Uint8Array, start: number, end: number): boolean {
  for (let k = start; k < end; k++) if (!isDigit(b[k] as number)) return false;
  return true;
}

/** The value of the digits at [start, end), or NaN when another byte is among them. */
function digitsValue(b: Uint8Array, start: number, end: number): number {
  let value = 0;
  for (let k = start; k < end; k++) {
    const d = (b[k] as number) - 0x30;
    if (d < 0 || d > 9) return Number.NaN;
    value = value * 10 + d;
  }
  return value;
}

function tooDeep(): AppError {
  return new AppError('JIRA_RESPONSE_INVALID', `Jira's worklog list answer nests deeper than ${MAX_DEPTH_LEVELS} levels`);
}
