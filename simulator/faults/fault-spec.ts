/** Which requests a fault applies to; every given part must match. */
export interface FaultMatch {
  /** HTTP method, any case. */
  method?: string;
  /** A prefix of the path (`/rest/api/3/worklog`), or a RegExp tested on path + query. */
  path?: string | RegExp;
}

/**
 * What the misbehaving gateway does (security-and-reliability.md §5.2 table E):
 * - `status`: answers `status` with `headers` and `body` and nothing else (E1–E4; a 429 with no
 *   header at all is a gateway 429 seen in the wild, jira-connect-protocol.md §3). An object body
 *   is sent as JSON; a string body gets fetch's `text/plain` unless `headers` name a type;
 * - `html200`: 200 with `content-type: text/html` and an HTML error page (E6);
 * - `truncate`: the real answer with its body cut after `fraction` of its bytes (E5/E6);
 * - `reset`: the connection drops without an answer (E5);
 * - `timeout`: no answer until the client gives up, or with `delayMs` a late real answer (E5);
 * - `duplicatePage`: a `/worklog/updated` or `/deleted` page answered with the previous page's
 *   body again (E7).
 */
export type FaultSpec =
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string | object }
  | { kind: 'html200'; body?: string }
  | { kind: 'truncate'; fraction?: number }
  | { kind: 'reset' }
  | { kind: 'timeout'; delayMs?: number }
  | { kind: 'duplicatePage' };

/** A fault to arm: what, where, and how many times (default 1; `Infinity` for every request). */
export type FaultInput = FaultSpec & { match?: FaultMatch; times?: number };

/** An armed fault as listed by the injector. */
export type ArmedFault = FaultSpec & { id: string; match: FaultMatch; remaining: number };

/**
 * Checks a fault when it is added, so a typo fails the test that wrote it rather than a request.
 * Throws `RangeError` naming the field.
 */
export function validateFault(input: FaultInput): void {
  const times = input.times ?? 1;
  if (!(times === Infinity || (Number.isInteger(times) && times > 0))) throw new RangeError(`fault.times must be a positive integer or Infinity, got ${times}`);
  switch (input.kind) {
    case 'status':
      // The fetch Response constructor accepts 200–599 only.
      if (!Number.isInteger(input.status) || input.status < 200 || input.status > 599) {
        throw new RangeError(`fault.status must be an integer from 200 to 599, got ${input.status}`);
      }
      return;
    case 'truncate': {
      const fraction = input.fraction ?? 0.5;
      if (!(fraction >= 0 && fraction < 1)) throw new RangeError(`fault.fraction must be in [0, 1), got ${fraction}`);
      return;
    }
    case 'timeout':
      if (input.delayMs !== undefined && !(input.delayMs >= 0 && Number.isFinite(input.delayMs))) {
        throw new RangeError(`fault.delayMs must be a finite number ≥ 0, got ${input.delayMs}`);
      }
      return;
    case 'html200':
    case 'reset':
    case 'duplicatePage':
      return;
    default:
      throw new RangeError(`unknown fault kind ${(input as { kind: unknown }).kind as string}`);
  }
}
