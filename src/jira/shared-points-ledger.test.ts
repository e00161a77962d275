import { afterEach, describe, expect, it } from 'vitest';
import { createControlDbTarget, type ControlDbTarget } from '../tenants/control-db-test-kit.js';
import { openControlDb, type ControlDb } from '../tenants/control-db.js';
import { createInMemoryPointsLedger, type PointsLedger } from './shared-points-ledger.js';
import { JIRA_POINTS_MIGRATIONS, type JiraPointsTables } from './shared-points-migrations.js';
import { createSqlPointsLedger } from './shared-points-sql-ledger.js';

const HOUR = Date.UTC(2026, 10, 23, 10);
const NOW = HOUR + 30 * 60_000;
const QUOTA = 1000;

type LedgerKind = 'memory' | 'sqlite' | 'postgres';

/** Ledgers on one shared place: `count` handles (separate pools, like separate instances). */
interface LedgerSetup {
  ledgers: PointsLedger[];
}

const opened: { controls: ControlDb[]; target: ControlDbTarget }[] = [];
afterEach(async (context) => {
  for (const { controls, target } of opened.splice(0)) {
    for (const control of controls) await control.close();
    if (context.task.result?.state !== 'fail') await target.remove();
  }
});

async function setup(kind: LedgerKind, count = 1): Promise<LedgerSetup> {
  if (kind === 'memory') {
    const ledger = createInMemoryPointsLedger();
    return { ledgers: Array.from({ length: count }, () => ledger) };
  }
  const target = await createControlDbTarget(kind);
  const controls: ControlDb[] = [];
  opened.push({ controls, target });
  // SQLite's one writer serialises the handles; each still opens the file on its own.
  for (let i = 0; i < count; i++) controls.push(await openControlDb({ ...target.options, ownedMigrations: JIRA_POINTS_MIGRATIONS }));
  return { ledgers: controls.map((control) => createSqlPointsLedger({ db: control.db.withTables<JiraPointsTables>() })) };
}

const reservation = (points: number, ceilingPoints = QUOTA) => ({ hourStartMs: HOUR, points, quota: QUOTA, ceilingPoints });

describe.each<LedgerKind>(['memory', 'sqlite', 'postgres'])('PointsLedger (%s)', (kind) => {
  it('grants reservations while the hour has room, all or nothing', async () => {
    const { ledgers: [ledger] } = await setup(kind);
    expect(await ledger!.reserve(reservation(600), NOW)).toEqual({ granted: true, spentPoints: 600, quota: QUOTA, appPausedUntilMs: undefined });
    expect(await ledger!.reserve(reservation(500), NOW)).toEqual({ granted: false, spentPoints: 600, quota: QUOTA, appPausedUntilMs: undefined });
    expect(await ledger!.reserve(reservation(400), NOW)).toMatchObject({ granted: true, spentPoints: 1000 });
    // A new UTC hour has its whole quota.
    expect(await ledger!.reserve({ ...reservation(1000), hourStartMs: HOUR + 3_600_000 }, NOW + 3_600_000)).toMatchObject({ granted: true, spentPoints: 1000 });
  });

  it('keeps a backfill ceiling below the quota', async () => {
    const { ledgers: [ledger] } = await setup(kind);
    expect(await ledger!.reserve(reservation(700, 800), NOW)).toMatchObject({ granted: true });
    expect(await ledger!.reserve(reservation(200, 800), NOW)).toMatchObject({ granted: false, spentPoints: 700 });
    expect(await ledger!.reserve(reservation(200), NOW)).toMatchObject({ granted: true, spentPoints: 900 });
  });

  it('charges overruns past the quota, takes back unused points, and raises to what Jira reports', async () => {
    const { ledgers: [ledger] } = await setup(kind);
    await ledger!.reserve(reservation(900), NOW);
    await ledger!.adjust(HOUR, 250, QUOTA);
    expect(await ledger!.reserve(reservation(1), NOW)).toMatchObject({ granted: false, spentPoints: 1150 });
    await ledger!.adjust(HOUR, -400, QUOTA);
    expect(await ledger!.reserve(reservation(1), NOW)).toMatchObject({ granted: true, spentPoints: 751 });
    await ledger!.raiseSpent(HOUR, 700, QUOTA);
    await ledger!.raiseSpent(HOUR, 990, QUOTA);
    expect(await ledger!.reserve(reservation(20), NOW)).toMatchObject({ granted: false, spentPoints: 990 });
    await ledger!.adjust(HOUR, -5000, QUOTA);
    expect(await ledger!.reserve(reservation(1), NOW)).toMatchObject({ granted: true, spentPoints: 1 });
  });

  it('refuses every reservation while the app is paused, and keeps the later pause', async () => {
    const { ledgers: [one, two] } = await setup(kind, 2);
    await one!.pauseApp(NOW + 60_000);
    await one!.pauseApp(NOW + 30_000);
    expect(await two!.findAppPausedUntilMs(NOW)).toBe(NOW + 60_000);
    expect(await two!.reserve(reservation(1), NOW)).toEqual({ granted: false, spentPoints: 0, quota: QUOTA, appPausedUntilMs: NOW + 60_000 });
    expect(await two!.findAppPausedUntilMs(NOW + 60_000)).toBeUndefined();
    expect(await two!.reserve(reservation(1), NOW + 60_000)).toMatchObject({ granted: true, appPausedUntilMs: undefined });
  });

  it('never grants more than the quota to racing instances', async () => {
    const { ledgers } = await setup(kind, 3);
    const sizes = Array.from({ length: 90 }, (_, i) => 5 + ((i * 37) % 41));
    const grants = await Promise.all(sizes.map((points, i) => ledgers[i % 3]!.reserve(reservation(points), NOW)));
    const granted = sizes.filter((_, i) => grants[i]!.granted).reduce((sum, points) => sum + points, 0);
    expect(granted).toBeLessThanOrEqual(QUOTA);
    // Nothing is lost either: the ledger's total is exactly what it granted, and since the total
    // only grows, every refusal met a total that had no room for it.
    expect(await ledgers[0]!.reserve(reservation(0), NOW)).toMatchObject({ spentPoints: granted });
    const smallestRefused = Math.min(...sizes.filter((_, i) => !grants[i]!.granted));
    expect(granted + smallestRefused).toBeGreaterThan(QUOTA);
  });
});
