import type { Clock } from '../platform/clock.js';
import type { CallPriority } from './jira-client.js';
import { nextUtcHourMs, utcHourStartMs } from './hourly-points-pool.js';
import type { PointsLedger } from './shared-points-ledger.js';

/** Options of {@link createSharedPointsAccount} a caller of the coordinator may set. */
export interface SharedPointsOptions {
  ledger: PointsLedger;
  /** Points taken from the ledger at once, so most calls need no round trip. Bounds what an instance holds unused. */
  chunkPoints?: number;
  /** What a call of an endpoint never answered before may cost: 1 + the largest page Tally asks for (5,000 issue worklogs or JQL ids). */
  unseenEndpointHoldPoints?: number;
  /** How stale this instance's view of a pause another instance recorded may get while it spends points it holds. */
  pauseCheckIntervalMs?: number;
  /** Wait before asking an unreachable ledger again; calls wait meanwhile (no budget known, no call). */
  ledgerRetryMs?: number;
  /** Told about failed ledger reads and writes (the database is down or slow). */
  onLedgerError?: (error: unknown) => void;
}

/** Everything {@link createSharedPointsAccount} needs. */
export interface SharedPointsAccountOptions extends SharedPointsOptions {
  clock: Clock;
  /** The app's points per hour (TALLY_JIRA_POINTS_PER_HOUR); the hour's quota when this instance is the first to ask. */
  pointsPerHour: number;
  /** Share of the hour that backfill calls leave to incremental ones. */
  backfillReserveShare: number;
}

/** One call asking to go. */
export interface PointsCall {
  tenantId: string;
  endpoint: string;
  priority: CallPriority;
  /** The most the call can cost, when the caller knows; else the largest cost seen for the endpoint. */
  maxPoints?: number | undefined;
}

/** Whether a call may go now, or when to ask again. */
export type PointsAdmission = { admitted: true } | { admitted: false; retryAtMs: number };

/** One instance's share of the ledger; see {@link createSharedPointsAccount}. */
export interface SharedPointsAccount {
  /** Holds the most the call can cost from points this instance reserved, reserving more first if needed. */
  admit(call: PointsCall): Promise<PointsAdmission>;
  /** Replaces the call's hold by what it cost; a cost past the hold is charged to the ledger at once. */
  settle(call: { tenantId: string; endpoint: string; points: number }): void;
  /** Takes Jira's word for the app's points left this hour: the ledger is raised to match, never lowered. */
  noteRemaining(remaining: number): void;
  /** Pauses every instance until `untilMs` (a quota 429 here). */
  pauseApp(untilMs: number): void;
  /** The latest app-wide pause this instance knows of (epoch ms; 0 when none). */
  appPausedUntilMs(): number;
  /** The app's points left this hour as the ledger last said, plus what this instance holds unused; undefined before the first reservation of the hour. */
  remainingEstimate(): number | undefined;
  /** Gives back what this instance reserved and did not use, and waits for pending ledger writes. Idempotent. */
  close(): Promise<void>;
}

/**
 * This instance's side of the shared points ledger. Calls hold points before they go and settle
 * when they are answered; the instance reserves from the ledger in chunks of `chunkPoints` (or what
 * one call needs, if more), so the app's calls never take more than the quota between them, as
 * long as no call costs more than its hold. A call's hold is the `maxPoints` its caller gives, else
 * the largest cost seen for its endpoint, else `unseenEndpointHoldPoints`; a call that still costs
 * more is charged to the ledger at once (an overrun the ledger shows, and bounded by the pages
 * Tally asks for). Reserved and unused at any moment, per instance: under one chunk plus its
 * calls in flight; given back at the top of the hour, and on close. A killed instance's unused
 * points are lost until the hour ends.
 */
export function createSharedPointsAccount(options: SharedPointsAccountOptions): SharedPointsAccount {
  const { ledger, clock, pointsPerHour, backfillReserveShare } = options;
  const chunkPoints = options.chunkPoints ?? 100;
  const unseenHold = options.unseenEndpointHoldPoints ?? 5_001;
  const pauseCheckIntervalMs = options.pauseCheckIntervalMs ?? 1000;
  const ledgerRetryMs = options.ledgerRetryMs ?? 5000;
  const largestCost = new Map<string, number>();
  const pendingWrites = new Set<Promise<void>>();

  let hourStartMs = utcHourStartMs(clock.nowMs());
  let balance = 0;
  /** Points held by this instance's calls in flight this hour. */
  let heldPoints = 0;
  /** Holds of calls in flight this hour, oldest first, per `tenant endpoint` (responses settle in order). */
  let holds = new Map<string, number[]>();
  let quota = pointsPerHour;
  let ledgerSpent: number | undefined;
  /**
   * The ledger's refusals this hour: the smallest shortfall refused under each ceiling. A call
   * needing as much under a ceiling as low waits for the next hour without asking again.
   */
  let refusals = new Map<number, number>();
  let pausedUntilMs = 0;
  let pauseCheckedAtMs = Number.NEGATIVE_INFINITY;
  let reserving: Promise<void> | undefined;
  let closed = false;

  function write(operation: () => Promise<void>): void {
    const pending = operation().catch((error: unknown) => options.onLedgerError?.(error));
    pendingWrites.add(pending);
    void pending.finally(() => pendingWrites.delete(pending));
  }

  /** A new UTC hour: the last one's unused points go back (bookkeeping: nobody can spend them now). */
  function roll(nowMs: number): void {
    const hour = utcHourStartMs(nowMs);
    if (hour === hourStartMs) return;
    const [lastHour, unused] = [hourStartMs, balance];
    if (unused > 0) write(() => ledger.adjust(lastHour, -unused, quota));
    // Calls in flight across the top of the hour stay counted in the hour they held from.
    [hourStartMs, balance, heldPoints, holds, ledgerSpent, refusals] = [hour, 0, 0, new Map(), undefined, new Map()];
  }

  const ceilingOf = (priority: CallPriority) => (priority === 'backfill' ? Math.floor(quota * (1 - backfillReserveShare)) : quota);
  const holdFor = (call: PointsCall) => Math.max(1, Math.min(ceilingOf(call.priority), Math.ceil(call.maxPoints ?? largestCost.get(call.endpoint) ?? unseenHold)));
  const isRefused = (ceiling: number, shortfall: number) => [...refusals].some(([refusedCeiling, refusedShortfall]) => refusedCeiling >= ceiling && refusedShortfall <= shortfall);
  const key = (tenantId: string, endpoint: string) => `${tenantId} ${endpoint}`;

  async function reserve(need: number, priority: CallPriority, nowMs: number): Promise<void> {
    const hour = hourStartMs;
    const ask = async (points: number) => ({ points, grant: await ledger.reserve({ hourStartMs: hour, points, quota: pointsPerHour, ceilingPoints: ceilingOf(priority) }, nowMs) });
    let answer = await ask(Math.max(chunkPoints, need));
    // Near the end of the hour a whole chunk may not fit where the call alone does.
    if (!answer.grant.granted && answer.grant.appPausedUntilMs === undefined && need < chunkPoints) answer = await ask(need);
    const { points, grant } = answer;
    pausedUntilMs = Math.max(pausedUntilMs, grant.appPausedUntilMs ?? 0);
    pauseCheckedAtMs = nowMs;
    if (hour !== hourStartMs) {
      // The hour ended while the ledger answered: the points are of no use now.
      if (grant.granted) write(() => ledger.adjust(hour, -points, grant.quota));
      return;
    }
    [quota, ledgerSpent] = [grant.quota, grant.spentPoints];
    if (grant.granted) balance += points;
    // Refused without a pause: no room this hour (points come back only when an instance closes).
    else if (grant.appPausedUntilMs === undefined) refusals.set(ceilingOf(priority), Math.min(points, refusals.get(ceilingOf(priority)) ?? points));
  }

  return {
    async admit(call) {
      for (;;) {
        const nowMs = clock.nowMs();
        roll(nowMs);
        try {
          if (nowMs - pauseCheckedAtMs >= pauseCheckIntervalMs) {
            pausedUntilMs = Math.max(pausedUntilMs, (await ledger.findAppPausedUntilMs(nowMs)) ?? 0);
            pauseCheckedAtMs = nowMs;
          }
          if (pausedUntilMs > nowMs) return { admitted: false, retryAtMs: pausedUntilMs };
          const need = holdFor(call);
          if (balance >= need) {
            balance -= need;
            heldPoints += need;
            const queue = holds.get(key(call.tenantId, call.endpoint)) ?? [];
            holds.set(key(call.tenantId, call.endpoint), [...queue, need]);
            return { admitted: true };
          }
          if (isRefused(ceilingOf(call.priority), need - balance)) return { admitted: false, retryAtMs: nextUtcHourMs(nowMs) };
          // One reservation in flight per instance; the others wait for it and look again.
          reserving ??= reserve(need - balance, call.priority, nowMs).finally(() => (reserving = undefined));
          await reserving;
        } catch (error) {
          options.onLedgerError?.(error);
          return { admitted: false, retryAtMs: nowMs + ledgerRetryMs };
        }
      }
    },

    settle({ tenantId, endpoint, points }) {
      const cost = Math.max(0, points);
      largestCost.set(endpoint, Math.max(largestCost.get(endpoint) ?? 0, cost));
      roll(clock.nowMs());
      const held = holds.get(key(tenantId, endpoint))?.shift() ?? 0;
      heldPoints -= held;
      balance += held - cost;
      if (balance < 0) {
        // Already spent: the ledger must know, whether or not the hour had room.
        const [hour, overrun] = [hourStartMs, -balance];
        balance = 0;
        write(() => ledger.adjust(hour, overrun, quota));
      }
    },

    noteRemaining(remaining) {
      // Jira's count holds what was spent, not what this instance reserved and may still spend:
      // that is added, so giving it back later leaves Jira's count. (Other instances' unused
      // chunks are not known here: the ledger may end up to a chunk per instance off.)
      const atLeast = quota - Math.max(0, remaining) + balance + heldPoints;
      if (ledgerSpent !== undefined && atLeast <= ledgerSpent) return;
      const hour = hourStartMs;
      ledgerSpent = atLeast;
      write(() => ledger.raiseSpent(hour, atLeast, quota));
    },

    pauseApp(untilMs) {
      pausedUntilMs = Math.max(pausedUntilMs, untilMs);
      write(() => ledger.pauseApp(untilMs));
    },

    appPausedUntilMs: () => pausedUntilMs,

    remainingEstimate: () => (ledgerSpent === undefined ? undefined : Math.max(0, quota - ledgerSpent) + balance),

    async close() {
      if (!closed) {
        closed = true;
        await reserving?.catch(() => undefined);
        const [hour, unused] = [hourStartMs, balance];
        balance = 0;
        if (unused > 0) write(() => ledger.adjust(hour, -unused, quota));
      }
      while (pendingWrites.size > 0) await Promise.all(pendingWrites);
    },
  };
}
