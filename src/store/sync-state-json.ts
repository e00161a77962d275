import { initialSyncState, type SyncState } from './tenant-store.js';

/** `sync_state` keys. The bulk-load mark has its own key so no state merge can clear it by accident. */
export const syncStateKeys = {
  /** JSON of the stored {@link SyncState} fields. */
  state: 'sync',
  /** Present (`true`) from beginBulkLoad until endBulkLoad: a crash in between stays visible. */
  bulkLoad: 'bulk_load',
} as const;

const fields = Object.keys(initialSyncState) as (keyof SyncState)[];

/**
 * The state stored as `json` (undefined when nothing was stored), over {@link initialSyncState}:
 * a field never written reads as its initial value. Keys that are not SyncState fields are ignored.
 */
export function parseSyncState(json: string | undefined): SyncState {
  const stored = json === undefined ? {} : (JSON.parse(json) as Record<string, unknown>);
  const state: Record<string, unknown> = { ...initialSyncState };
  for (const field of fields) if (stored[field] !== undefined) state[field] = stored[field];
  return state as unknown as SyncState;
}

/**
 * The JSON to store after merging `patch` into the state stored as `json`. A field the patch sets
 * to `undefined` is cleared (reads back as its initial value, `undefined` for the optional times);
 * a field the patch leaves out keeps its stored value.
 */
export function mergeSyncStateJson(json: string | undefined, patch: Partial<SyncState>): string {
  // JSON.stringify drops undefined values, which is exactly "cleared".
  return JSON.stringify({ ...parseSyncState(json), ...patch });
}
