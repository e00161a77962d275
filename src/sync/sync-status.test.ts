import { describe, expect, it } from 'vitest';
import { initialSyncState } from '../store/tenant-store.js';
import { describeSyncStatus } from './sync-status.js';

const HOUR = 3600_000;

describe('sync status', () => {
  it('measures progress in Jira time and takes the slower of pace and quota for the ETA', () => {
    const state = { ...initialSyncState, phase: 'full' as const, fullSyncOriginMs: 0, fullSyncStartedAtMs: 100 * HOUR, updatedCursorMs: 25 * HOUR, fullSyncWorklogs: 250_000 };
    const fast = describeSyncStatus(state, 100 * HOUR + 60_000, 10_000_000);
    expect(fast.fraction).toBe(0.25);
    expect(fast.worklogsRemainingEstimate).toBe(750_000);
    // At the pace so far (60 s for a quarter) 180 s remain, but the quota allows only 1.5M points in 540 s.
    expect(fast.etaSeconds).toBeCloseTo(540, 0);
    const quotaBound = describeSyncStatus(state, 100 * HOUR + 60_000, 65_000);
    expect(quotaBound.etaSeconds! / 3600).toBeCloseTo((750_000 * 2) / 65_000, 3);
  });

  it('prices the rest of the history at the points per worklog it measured, once it has read enough', () => {
    // The recent window cost 30,000 points for 5,000 worklogs; the history 1.5M for 250,000: 6 each.
    const state = { ...initialSyncState, phase: 'full' as const, fullSyncOriginMs: 0, fullSyncStartedAtMs: 100 * HOUR, updatedCursorMs: 25 * HOUR, fullSyncWorklogs: 250_000, fullSyncPoints: 1_530_000, recentWindowWorklogs: 5_000, recentWindowPoints: 30_000 };
    const status = describeSyncStatus(state, 100 * HOUR + 60_000, 65_000);
    expect(status.etaSeconds! / 3600).toBeCloseTo((750_000 * 6) / 65_000, 3);
    expect(status.points).toEqual({ spent: 1_530_000, perWorklog: 1_530_000 / 255_000, recentWindowPerWorklog: 6 });
    // At a tenth of the app's quota (nine other sites backfilling), ten times as long.
    expect(describeSyncStatus(state, 100 * HOUR + 60_000, 65_000, 0.1).etaSeconds! / 3600).toBeCloseTo((750_000 * 6) / 6_500, 3);
  });

  it('says nothing it cannot know yet, and zero when done', () => {
    expect(describeSyncStatus(initialSyncState, 0, 65_000)).toMatchObject({ phase: 'none', etaSeconds: undefined, worklogsRemainingEstimate: undefined });
    expect(describeSyncStatus({ ...initialSyncState, phase: 'incremental' }, 0, 65_000)).toMatchObject({ fraction: 1, etaSeconds: 0 });
  });
});
