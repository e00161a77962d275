import { sql, type Kysely } from 'kysely';
import type { JiraPointsTables } from './shared-points-migrations.js';
import type { PointsGrant, PointsLedger } from './shared-points-ledger.js';

/** Options of {@link createSqlPointsLedger}. */
export interface SqlPointsLedgerOptions {
  /** The control database with `jira-points/001_ledger` applied, e.g. `control.db.withTables<JiraPointsTables>()`. */
  db: Kysely<JiraPointsTables>;
}

const APP_SCOPE = 'app';
const HOUR_MS = 3_600_000;
/** Hours of rows kept for a look (operations, metrics); older ones go when a new hour's row is made. */
const KEEP_HOURS = 24;

/**
 * The {@link PointsLedger} of several instances: two small tables in the control database
 * (`jira-points/001_ledger`). Each method is one statement, atomic under concurrency on its own:
 * a reservation is a conditional `UPDATE … SET spent = spent + n WHERE spent + n <= quota …
 * RETURNING`, which PostgreSQL serialises on the hour's row (the second of two racing updates
 * re-reads the row the first committed), so no interleaving of instances takes more than the
 * quota. The same SQL runs on SQLite (one writer at a time), where it serves the CLI beside a
 * server. A reservation is one round trip, except the first of an hour and a refusal (three).
 */
export function createSqlPointsLedger({ db }: SqlPointsLedgerOptions): PointsLedger {
  function take(hourStartMs: number, points: number, ceilingPoints: number, nowMs: number) {
    return db
      .updateTable('jira_points_hours')
      .set({ spent: sql`spent + ${points}` })
      .where('hour_start_ms', '=', hourStartMs)
      .where(sql<boolean>`spent + ${points} <= quota and spent + ${points} <= ${ceilingPoints}`)
      // The pause is read in the same statement, so no reservation slips in after a recorded pause.
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('jira_points_pause').select('scope').where('scope', '=', APP_SCOPE).where('paused_until_ms', '>', nowMs))),
      )
      .returning(['spent', 'quota'])
      .executeTakeFirst();
  }

  /** Creates the hour's row if no instance has yet; true when this call created it. */
  async function openHour(hourStartMs: number, quota: number): Promise<boolean> {
    const created = await db
      .insertInto('jira_points_hours')
      .values({ hour_start_ms: hourStartMs, quota, spent: 0 })
      .onConflict((conflict) => conflict.column('hour_start_ms').doNothing())
      .returning('hour_start_ms')
      .executeTakeFirst();
    if (created) await db.deleteFrom('jira_points_hours').where('hour_start_ms', '<', hourStartMs - KEEP_HOURS * HOUR_MS).execute();
    return created !== undefined;
  }

  async function findAppPausedUntilMs(nowMs: number): Promise<number | undefined> {
    const row = await db.selectFrom('jira_points_pause').select('paused_until_ms').where('scope', '=', APP_SCOPE).executeTakeFirst();
    return row && Number(row.paused_until_ms) > nowMs ? Number(row.paused_until_ms) : undefined;
  }

  return {
    async reserve({ hourStartMs, points, quota, ceilingPoints }, nowMs): Promise<PointsGrant> {
      const taken = await take(hourStartMs, points, ceilingPoints, nowMs);
      if (taken) return { granted: true, spentPoints: Number(taken.spent), quota: Number(taken.quota), appPausedUntilMs: undefined };
      // Refused, paused, or no row yet for the hour: make sure of the row and try once more, then say why.
      await openHour(hourStartMs, quota);
      const retaken = await take(hourStartMs, points, ceilingPoints, nowMs);
      if (retaken) return { granted: true, spentPoints: Number(retaken.spent), quota: Number(retaken.quota), appPausedUntilMs: undefined };
      const row = await db.selectFrom('jira_points_hours').select(['spent', 'quota']).where('hour_start_ms', '=', hourStartMs).executeTakeFirstOrThrow();
      return { granted: false, spentPoints: Number(row.spent), quota: Number(row.quota), appPausedUntilMs: await findAppPausedUntilMs(nowMs) };
    },

    async adjust(hourStartMs, points, quota) {
      await db
        .insertInto('jira_points_hours')
        .values({ hour_start_ms: hourStartMs, quota, spent: Math.max(0, points) })
        .onConflict((conflict) =>
          conflict.column('hour_start_ms').doUpdateSet({
            spent: sql`case when jira_points_hours.spent + ${points} < 0 then 0 else jira_points_hours.spent + ${points} end`,
          }),
        )
        .execute();
    },

    async raiseSpent(hourStartMs, spentPoints, quota) {
      await db
        .insertInto('jira_points_hours')
        .values({ hour_start_ms: hourStartMs, quota, spent: spentPoints })
        .onConflict((conflict) =>
          conflict.column('hour_start_ms').doUpdateSet({
            spent: sql`case when jira_points_hours.spent < ${spentPoints} then ${spentPoints} else jira_points_hours.spent end`,
          }),
        )
        .execute();
    },

    async pauseApp(untilMs) {
      await db
        .insertInto('jira_points_pause')
        .values({ scope: APP_SCOPE, paused_until_ms: untilMs })
        .onConflict((conflict) =>
          conflict.column('scope').doUpdateSet({
            paused_until_ms: sql`case when jira_points_pause.paused_until_ms < ${untilMs} then ${untilMs} else jira_points_pause.paused_until_ms end`,
          }),
        )
        .execute();
    },

    findAppPausedUntilMs,
  };
}
