/**
 * Long synchronous steps — decoding a 1.8 MB page of worklogs, committing a 1,000-row page,
 * opening or closing a SQLite store — each fit the 50 ms stall budget alone (issue 14), but
 * several of them run back to back whenever their promises settle together: responses that
 * arrive in one poll phase, pages already decoded when the writer comes back, a sweep closing
 * hundreds of stores. Taking a turn spreads them out: at most one turn per event-loop iteration,
 * so timers, sockets and HTTP requests are served between any two.
 *
 * The order is process-wide on purpose, because the event loop is: separate orders per module
 * would let one step of each share an iteration again. It holds no resource and no I/O — only the
 * promise of the last turn handed out.
 */
let lastTurn: Promise<void> = Promise.resolve();

/**
 * Resolves in an event-loop iteration of its own (the check phase), after every turn asked for
 * before it: the caller's synchronous work right after the `await` is the only turn's work in that
 * iteration. An immediate queued while the check phase runs waits for the next iteration, which
 * is what separates two turns. Costs one loop iteration of latency; never rejects.
 */
export function takeEventLoopTurn(): Promise<void> {
  const turn = lastTurn.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
  lastTurn = turn;
  return turn;
}
