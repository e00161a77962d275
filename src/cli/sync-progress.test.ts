import { describe, expect, it } from 'vitest';
import { initialSyncState } from '../store/tenant-store.js';
import { describeSyncStatus } from '../sync/sync-status.js';
import { renderProgress } from './sync-progress.js';

const HOUR = 3_600_000;

describe('the sync progress line', () => {
  it('says from when the worklogs are complete while a recent-first sync loads the history', () => {
    const recentFromMs = Date.UTC(2026, 8, 30);
    const state = { ...initialSyncState, phase: 'full' as const, fullSyncOriginMs: 0, fullSyncStartedAtMs: 100 * HOUR, updatedCursorMs: 25 * HOUR, fullSyncWorklogs: 250_000, recentFromMs, recentReadAtMs: 100 * HOUR, recentUnreadIssues: 0 };
    // 750,000 worklogs left × 2 points at 65,000 points an hour: 23.08 h.
    const line = renderProgress(describeSyncStatus(state, 100 * HOUR + 60_000, 65_000));
    expect(line).toMatch(/^\[#{8}\.{22}\]  25\.0%  250000 worklogs  ETA 23h 4m  complete from 2026-09-30 00:00 UTC$/);
    // An issue Jira refused during the window's read: nothing is called complete.
    expect(renderProgress(describeSyncStatus({ ...state, recentUnreadIssues: 1 }, 100 * HOUR + 60_000, 65_000))).not.toContain('complete from');
    expect(renderProgress(describeSyncStatus({ ...state, phase: 'incremental' }, 0, 65_000))).not.toContain('complete from');
  });
});
