import { AppError } from '../platform/app-error.js';
import { nextUtcHourMs, utcHourStartMs } from './hourly-points-pool.js';

/** Shares of the hour's points that `interactive` calls may spend; options of {@link createInteractiveBudget}. */
export interface InteractiveBudgetOptions {
  /**
   * Share of the global pool one tenant's interactive calls may spend in an hour; default 0.05
   * (3,250 of Tier 1's 65,000: about 32 bulk fetches of 100 issues, beyond the cached ones).
   */
  tenantShare?: number;
  /** Share of the global pool all tenants' interactive calls together may spend in an hour; default 0.2. */
  totalShare?: number;
}

/** The points pool that applies to a tenant's calls: its own Tier 2 pool when Jira reported one, else the app's. */
export interface ApplicablePool {
  /** The pool's points per hour. */
  limit: number;
  /** True for a Tier 2 pool of the tenant's own. */
  ownPool: boolean;
}

/** This process's interactive spend this hour; see {@link createInteractiveBudget}. */
export interface InteractiveBudget {
  /** Throws `JIRA_INTERACTIVE_BUDGET_SPENT` (Retry-After: the next UTC hour) when the tenant may not make another interactive call this hour. */
  check(tenantId: string, pool: ApplicablePool, globalLimit: number, nowMs: number): void;
  /** Counts what an interactive call cost. */
  spend(tenantId: string, points: number, pool: ApplicablePool, nowMs: number): void;
  /** Interactive points spent this hour: in total on the global pool, and per tenant (any pool). */
  spent(nowMs: number): { total: number; byTenant: Record<string, number> };
}

function share(name: string, value: number | undefined, fallback: number): number {
  const chosen = value ?? fallback;
  if (!(chosen > 0 && chosen <= 1)) throw new RangeError(`interactiveBudget.${name} must be above 0 and at most 1, got ${chosen}`);
  return chosen;
}

/**
 * Budgets for calls a person is waiting for (`interactive`: report labels, filters, permissions),
 * so one tenant's huge report cannot spend the hour that every tenant's sync shares (Tier 1 is one
 * pool for the whole app, rate-limits-2026.md). On the global pool a tenant may spend
 * `tenantShare` of the hour and all tenants together `totalShare`; a Tier 2 tenant spends its own
 * pool, which it shares with nobody, so only `totalShare` of that pool bounds it (what is left
 * stays for its own sync). The check runs before a call and the cost is known only after it, so
 * calls in flight may overshoot by their own cost. Over budget, a call fails at once: a person is
 * waiting, and the next point comes only at the top of the hour. Spend resets then.
 *
 * Per process: with a shared points ledger (several instances) each instance keeps its own
 * interactive budget, so N instances may together spend up to N times the shares.
 */
export function createInteractiveBudget(options: InteractiveBudgetOptions, nowMs: number): InteractiveBudget {
  const tenantShare = share('tenantShare', options.tenantShare, 0.05);
  const totalShare = share('totalShare', options.totalShare, 0.2);
  let hourStartMs = utcHourStartMs(nowMs);
  let globalSpent = 0;
  const byTenant = new Map<string, number>();

  function roll(atMs: number): void {
    if (utcHourStartMs(atMs) === hourStartMs) return;
    hourStartMs = utcHourStartMs(atMs);
    globalSpent = 0;
    byTenant.clear();
  }

  function refuse(scope: string, atMs: number): never {
    throw new AppError('JIRA_INTERACTIVE_BUDGET_SPENT', `Jira look-ups for reports spent ${scope} share of this hour's Jira points; retry after the top of the hour`, {
      retryAfterMs: nextUtcHourMs(atMs) - atMs,
    });
  }

  return {
    check(tenantId, pool, globalLimit, atMs) {
      roll(atMs);
      const tenantSpent = byTenant.get(tenantId) ?? 0;
      if (pool.ownPool) {
        if (tenantSpent >= totalShare * pool.limit) refuse("this site's", atMs);
        return;
      }
      if (tenantSpent >= tenantShare * globalLimit) refuse("this site's", atMs);
      if (globalSpent >= totalShare * globalLimit) refuse("all sites'", atMs);
    },

    spend(tenantId, points, pool, atMs) {
      roll(atMs);
      const cost = Math.max(0, points);
      byTenant.set(tenantId, (byTenant.get(tenantId) ?? 0) + cost);
      if (!pool.ownPool) globalSpent += cost;
    },

    spent(atMs) {
      roll(atMs);
      return { total: globalSpent, byTenant: Object.fromEntries(byTenant) };
    },
  };
}
