import { takeEventLoopTurn } from '../platform/event-loop-turn.js';
import type { JiraWorklog } from './jira-client.js';
import { decodeUtf8, decodeUtf8InPieces, parseJsonText } from './jira-response-body.js';
import { parseWorklogList } from './worklog-parsers.js';
import { scanWorklogList, startWorklogListScan } from './worklog-list-scanner.js';

/** The endpoint named in a malformed-JSON error. */
const LIST_ENDPOINT = 'POST /rest/api/3/worklog/list';

/**
 * Turns the raw bytes of a `POST /worklog/list` answer into worklogs, all or nothing
 * (`JIRA_RESPONSE_INVALID`, retryable). The page is read from its bytes by the worklog list
 * scanner (about a quarter of the CPU of decoding it to a string and JSON.parse-ing it); a page
 * the scanner does not take — malformed, or a field in a form it leaves to the worklog reader — is
 * decoded the general way (UTF-8, JSON, `parseWorklogList`), which answers or throws as it always
 * did. Pages nested deeper than 512 levels are refused. Pure and synchronous: the same function
 * runs inline and on the parse workers.
 */
export function decodeWorklogListBytes(bytes: Uint8Array): JiraWorklog[] {
  return scanWorklogList(bytes) ?? parseWorklogList(parseJsonText(decodeUtf8(bytes), LIST_ENDPOINT));
}

/**
 * Where `/worklog/list` answers are decoded. A full sync decodes about 1.8 KB of JSON per
 * worklog; on a worker thread that work runs beside the HTTP client and the SQLite writer instead
 * of in turn with them. `decode` may take ownership of `bytes` (their buffer is transferred).
 */
export interface WorklogListDecoder {
  decode(bytes: Uint8Array): Promise<JiraWorklog[]>;
  /** Stops the workers; pending decodes reject. Idempotent. */
  close(): Promise<void>;
}

/** The scanner reads whole worklogs until this many bytes are read, one event-loop turn each (about 1 ms of CPU). */
const SCAN_SLICE_BYTES = 256 * 1024;
/** On the general way, UTF-8 is decoded in pieces of this size, one event-loop turn each (about 2–4 ms of CPU). */
const UTF8_PIECE_BYTES = 256 * 1024;

/**
 * Decodes on the calling thread (machines with fewer than 4 cores, tests) in event-loop turns, so
 * that no turn holds the loop for long: the scanner reads a 1,000-worklog page (1.8 MB) in slices
 * of 256 KB; a page it does not take goes the general way in turns — UTF-8 in 256 KB pieces, JSON,
 * the worklog reader (16, 5 and 6 ms of CPU for such a page on a loaded 2-core machine). Same
 * result and errors as {@link decodeWorklogListBytes}.
 */
export const inlineWorklogListDecoder: WorklogListDecoder = {
  async decode(bytes) {
    const scan = startWorklogListScan(bytes);
    for (;;) {
      await takeEventLoopTurn();
      const result = scan.next(SCAN_SLICE_BYTES);
      if (result === undefined) break;
      if (result !== 'more') return result;
    }
    const text = await decodeUtf8InPieces(bytes, UTF8_PIECE_BYTES, takeEventLoopTurn);
    await takeEventLoopTurn();
    const json = parseJsonText(text, LIST_ENDPOINT);
    await takeEventLoopTurn();
    return parseWorklogList(json);
  },
  close: async () => undefined,
};
