import type { Clock } from '../platform/clock.js';
import type { Fetch } from '../platform/fetch.js';
import type { Logger } from '../platform/logger.js';
import type { Sleep } from '../jira/sleep.js';

/** The real I/O a Tally process runs on; `main.ts` passes the machine's, tests their own. */
export interface Runtime {
  clock: Clock;
  fetch: Fetch;
  sleep: Sleep;
  logger: Logger;
}
