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

  it('says nothing it cannot know yet, and zero when done', () => {
    expect(describeSyncStatus(initialSyncState, 0, 65_000)).toMatchObject({ phase: 'none', etaSeconds: undefined, worklogsRemainingEstimate: undefined });
    expect(describeSyncStatus({ ...initialSyncState, phase: 'incremental' }, 0, 65_000)).toMatchObject({ fraction: 1, etaSeconds: 0 });
  });
});
