import { AppError } from '../platform/app-error.js';
import { takeEventLoopTurn } from '../platform/event-loop-turn.js';
import type { TenantId } from '../tenants/tenant.js';
import type { StoreProvider, TenantStore } from './tenant-store.js';

/** Options of {@link createOpenStorePool}. */
export interface OpenStorePoolOptions {
  /**
   * Most tenant stores open at once (`TALLY_OPEN_STORES`). One operation never needs more than one
   * store, so any value ≥ 1 works; it should exceed the job queue's concurrency plus the reports
   * answered at once, or callers queue for a free slot.
   */
  maxOpen: number;
  /**
   * Also close a store after this long without a call (ms); unset: stores stay open until their
   * slot is needed. SQLite holds three descriptors per open store, so a thousand sites synced once
   * per interval only meet a descriptor budget when the stores between two rounds are closed.
   */
  idleCloseMs?: number;
  /**
   * Stores the idle close passes over while this says true (making room may still close them):
   * a tenant whose report columns are loaded, since a closed store cannot tell what another
   * process wrote meanwhile, so its re-open makes those columns reload (`othersWriteVersion`).
   */
  keepOpen?: (tenantId: TenantId) => boolean;
}

/** What the pool holds now, for tests, benchmarks and metrics. */
export interface OpenStorePoolStats {
  /** Stores open, opening or closing (each holds the provider's resources: file descriptors, connections). */
  open: number;
  /** Of those, stores with an operation in flight. */
  busy: number;
  /** Calls waiting for a free slot (every open store busy). */
  waiting: number;
  /** Stores closed to make room since the pool was created. */
  evictions: number;
  /** Stores opened (first opens and re-opens) since the pool was created. */
  opens: number;
}

/** A {@link StoreProvider} that keeps at most `maxOpen` stores open. */
export interface OpenStorePool extends StoreProvider {
  stats(): OpenStorePoolStats;
}

/** One open (or opening, or closing) underlying store. */
interface Slot {
  tenantId: TenantId;
  store: Promise<TenantStore>;
  /** Operations running on it; only a slot at 0 may be closed to make room. */
  inFlight: number;
  /** Set once the slot is being closed; it leaves the map when that is done. */
  closing: Promise<void> | undefined;
  /** When its last call ended (`performance.now()`: a monotonic interval, not domain time). */
  idleSinceMs: number;
}

/** What `othersWriteVersion` last saw of a tenant, so that a re-open reads as a change. */
interface VersionMemo {
  store: TenantStore;
  raw: number;
  reported: number;
}

const unavailable = (message: string) => new AppError('STORE_UNAVAILABLE', message);

/** The {@link StoreProvider} members the pool manages itself; every other member is forwarded. */
const MANAGED_MEMBERS: ReadonlySet<string> = new Set(['kind', 'open', 'destroy', 'release', 'close', 'stats', 'postgresDatabases']);

/**
 * The provider's other members — optional additions to the port the pool has no reason to know —
 * passed through unchanged (methods bound to the provider), so a member added to the port later
 * is not silently lost behind the pool. They take no slot: they must not need an open store.
 */
function forwardedMembers(provider: StoreProvider): Partial<StoreProvider> {
  const forwarded: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(provider)) {
    if (MANAGED_MEMBERS.has(name)) continue;
    forwarded[name] = typeof member === 'function' ? (member as (...args: unknown[]) => unknown).bind(provider) : member;
  }
  return forwarded as Partial<StoreProvider>;
}

/**
 * Wraps any {@link StoreProvider} so that thousands of tenants never mean thousands of open
 * databases (issue 14):
 * - at most `maxOpen` underlying stores are open, opening or closing at any time;
 * - `open` returns one handle per tenant that stays valid when its store is closed to make room:
 *   each call on it takes the store (re-opening it through the provider when needed) for exactly
 *   as long as the call runs — an async iteration (`streamWorklogs`, `scanReportColumns`) for the
 *   whole iteration;
 * - with `idleCloseMs`, a store without a call for that long is closed too, unless `keepOpen`
 *   says it is relied on;
 * - a new store needs a slot: the least recently used store with no call in flight is closed
 *   (`provider.release`, which keeps the data); a store with a call in flight is never closed to
 *   make room; when every slot is busy, the call waits for one (first come, first served);
 * - opens and closes take turns, one per event-loop iteration, so opening or closing many stores
 *   never holds the event loop for longer than one open or close;
 * - `destroy`, `release` and `handle.close()` keep their meaning: the store is closed (waiting
 *   for nothing: a call in flight fails as it would without the pool) and the tenant's handle
 *   ends — its calls throw `STORE_UNAVAILABLE`, as a closed store's do, so nobody re-creates a
 *   destroyed database through an old handle; the next `open` returns a new handle. `close` is
 *   final, as for every provider.
 * - `postgresDatabases` (PostgreSQL providers, for backups) is forwarded; its `replace` releases
 *   the tenant's store first. Any other member the pool does not know is forwarded as it is;
 * - `othersWriteVersion` (when the provider has it) also changes whenever the store was re-opened,
 *   since a closed store cannot see what another process committed meanwhile: in-memory copies
 *   then reload instead of serving what they cannot prove current.
 */
export function createOpenStorePool(provider: StoreProvider, { maxOpen, idleCloseMs, keepOpen = () => false }: OpenStorePoolOptions): OpenStorePool {
  if (!Number.isSafeInteger(maxOpen) || maxOpen < 1) throw new RangeError(`maxOpen must be a positive integer, got ${maxOpen}`);
  if (idleCloseMs !== undefined && !(Number.isFinite(idleCloseMs) && idleCloseMs > 0)) throw new RangeError(`idleCloseMs must be a positive number, got ${idleCloseMs}`);
  // Map order is recency order: every use moves the slot to the end, so the first idle slot is the LRU one.
  const slots = new Map<TenantId, Slot>();
  const handles = new Map<TenantId, { store: TenantStore; end(): void }>();
  const versions = new Map<TenantId, VersionMemo>();
  let waiters: (() => void)[] = [];
  let closed = false;
  let evictions = 0;
  let opens = 0;
  /**
   * One open or close per event-loop iteration, in request order, taking turns with the sync's
   * other long steps (src/platform/event-loop-turn.ts): many opens or closes requested at once (an
   * idle sweep, a round touching every tenant) would otherwise add up to one long stall.
   */
  const nextTurn = takeEventLoopTurn;

  /** Wakes every waiting call; each looks again (a slot freed may be taken by the first one). */
  const wakeWaiters = () => {
    const woken = waiters;
    waiters = [];
    for (const wake of woken) wake();
  };
  const waitForChange = () => new Promise<void>((resolve) => waiters.push(resolve));

  const closeSlot = (slot: Slot, how: (tenantId: TenantId) => Promise<void>): Promise<void> => {
    slot.closing ??= (async () => {
      try {
        // A store still opening is closed once its open settled, never half-way. Closes take a
        // turn each (a SQLite close unlinks its WAL and index files and unmaps them; after writes
        // its checkpoint runs on a worker and the close takes a further turn of its own), so
        // closes made for many newcomers at once never add up to one long stall.
        await slot.store.catch(() => undefined);
        await nextTurn();
        await how(slot.tenantId);
      } finally {
        if (slots.get(slot.tenantId) === slot) slots.delete(slot.tenantId);
        wakeWaiters();
      }
    })();
    return slot.closing;
  };

  const leastRecentlyUsedIdle = (): Slot | undefined => {
    for (const slot of slots.values()) if (slot.inFlight === 0 && slot.closing === undefined) return slot;
    return undefined;
  };

  const openSlot = (tenantId: TenantId): Slot => {
    const store = nextTurn().then(() => {
      if (closed) throw unavailable('The store provider is closed');
      opens++;
      return provider.open(tenantId);
    });
    const slot: Slot = { tenantId, store, inFlight: 1, closing: undefined, idleSinceMs: 0 };
    slots.set(tenantId, slot);
    // A failed open gives its slot back: the next call tries again.
    slot.store.catch(() => {
      if (slots.get(tenantId) === slot) slots.delete(tenantId);
      wakeWaiters();
    });
    return slot;
  };

  /** The tenant's store with one more call in flight on it; give it back with {@link releaseSlot}. */
  const acquire = async (tenantId: TenantId): Promise<{ slot: Slot; store: TenantStore }> => {
    for (;;) {
      if (closed) throw unavailable('The store provider is closed');
      const existing = slots.get(tenantId);
      if (existing !== undefined && existing.closing !== undefined) {
        await existing.closing.catch(() => undefined);
        continue;
      }
      let slot = existing;
      if (slot !== undefined) {
        slot.inFlight++;
        slots.delete(tenantId);
        slots.set(tenantId, slot);
      } else if (slots.size < maxOpen) {
        slot = openSlot(tenantId);
      } else {
        const victim = leastRecentlyUsedIdle();
        if (victim !== undefined) {
          evictions++;
          await closeSlot(victim, (id) => provider.release(id)).catch(() => undefined);
        } else {
          await waitForChange();
        }
        continue;
      }
      try {
        return { slot, store: await slot.store };
      } catch (error) {
        releaseSlot(slot);
        throw error;
      }
    }
  };

  const releaseSlot = (slot: Slot) => {
    slot.inFlight--;
    if (slot.inFlight === 0) {
      slot.idleSinceMs = performance.now();
      wakeWaiters();
    }
  };

  // The idle sweep: unref'd, so it never keeps a process alive; closes count as evictions.
  const sweeper =
    idleCloseMs === undefined
      ? undefined
      : setInterval(() => {
          const now = performance.now();
          for (const slot of slots.values()) {
            if (slot.inFlight === 0 && slot.closing === undefined && now - slot.idleSinceMs >= idleCloseMs && !keepOpen(slot.tenantId)) {
              evictions++;
              void closeSlot(slot, (id) => provider.release(id)).catch(() => undefined);
            }
          }
        }, Math.max(10, idleCloseMs / 2));
  sweeper?.unref();

  const using = async <T>(tenantId: TenantId, run: (store: TenantStore) => Promise<T>): Promise<T> => {
    const { slot, store } = await acquire(tenantId);
    try {
      return await run(store);
    } finally {
      releaseSlot(slot);
    }
  };

  async function* iterating<T>(tenantId: TenantId, iterate: (store: TenantStore) => AsyncIterable<T>): AsyncIterable<T> {
    const { slot, store } = await acquire(tenantId);
    try {
      yield* iterate(store);
    } finally {
      releaseSlot(slot);
    }
  }

  const othersWriteVersion = (tenantId: TenantId) =>
    using(tenantId, async (store) => {
      const raw = (await store.othersWriteVersion?.()) ?? 0;
      const memo = versions.get(tenantId);
      if (memo === undefined) {
        versions.set(tenantId, { store, raw, reported: 0 });
        return 0;
      }
      if (memo.store !== store || memo.raw !== raw) versions.set(tenantId, { store, raw, reported: memo.reported + 1 });
      return (versions.get(tenantId) as VersionMemo).reported;
    });

  /** Ends the tenant's handle: a store closed on purpose (not to make room) stays closed for its holders. */
  const endHandle = (tenantId: TenantId) => {
    handles.get(tenantId)?.end();
    handles.delete(tenantId);
  };

  const makeHandle = (tenantId: TenantId, first: TenantStore): TenantStore => {
    let ended = false;
    const end = () => {
      ended = true;
    };
    const endedError = () => unavailable(`The store of tenant ${tenantId} is closed`);
    const call = <T>(run: (store: TenantStore) => Promise<T>): Promise<T> => (ended ? Promise.reject(endedError()) : using(tenantId, run));
    async function* iterate<T>(run: (store: TenantStore) => AsyncIterable<T>): AsyncIterable<T> {
      if (ended) throw endedError();
      yield* iterating(tenantId, run);
    }
    const handle: TenantStore = {
      tenantId,
      getSyncState: () => call((store) => store.getSyncState()),
      applyBatch: (batch) => call((store) => store.applyBatch(batch)),
      listWorklogIds: () => call((store) => store.listWorklogIds()),
      streamWorklogs: (batchSize) => iterate((store) => store.streamWorklogs(batchSize)),
      getWorklogsByIds: (ids) => call((store) => store.getWorklogsByIds(ids)),
      getWorklogsOfIssues: (issueIds) => call((store) => store.getWorklogsOfIssues(issueIds)),
      scanReportColumns: (batchSize) => iterate((store) => store.scanReportColumns(batchSize)),
      countWorklogs: () => call((store) => store.countWorklogs()),
      listAccountIds: () => call((store) => store.listAccountIds()),
      eraseAccount: (accountId) => call((store) => store.eraseAccount(accountId)),
      ...(first.othersWriteVersion && { othersWriteVersion: () => (ended ? Promise.reject(endedError()) : othersWriteVersion(tenantId)) }),
      beginBulkLoad: () => call((store) => store.beginBulkLoad()),
      endBulkLoad: () => call((store) => store.endBulkLoad()),
      ...(first.isBulkLoading && { isBulkLoading: () => call(async (store) => (await store.isBulkLoading?.()) ?? false) }),
      // Ends this handle (its calls throw, as a closed store's do) and closes the store; idempotent.
      async close() {
        if (!ended) endHandle(tenantId);
        const slot = slots.get(tenantId);
        if (slot !== undefined) await closeSlot(slot, (id) => provider.release(id));
      },
    };
    handles.set(tenantId, { store: handle, end });
    return handle;
  };

  /** Closes the tenant's store through `how` (release or destroy), waiting for a close already under way. */
  const forget = async (tenantId: TenantId, how: (tenantId: TenantId) => Promise<void>) => {
    const slot = slots.get(tenantId);
    if (slot === undefined) return how(tenantId);
    if (slot.closing !== undefined) {
      await slot.closing.catch(() => undefined);
      return forget(tenantId, how);
    }
    return closeSlot(slot, how);
  };

  /** Closes the tenant's store (its data stays) and ends its handle; the next `open` re-opens it. */
  const release = async (tenantId: TenantId) => {
    endHandle(tenantId);
    await forget(tenantId, (id) => provider.release(id));
  };

  const whole = provider.postgresDatabases;
  return {
    ...forwardedMembers(provider),
    kind: provider.kind,
    // A restore swaps the whole database: the pool lets go of the tenant first, so no slot keeps a
    // connection to the database being replaced nor a store the provider closed beneath it.
    ...(whole && {
      postgresDatabases: {
        find: (tenantId) => whole.find(tenantId),
        isInUse: (tenantId) => whole.isInUse(tenantId),
        async replace(tenantId, load) {
          await release(tenantId);
          return whole.replace(tenantId, load);
        },
      },
    }),
    async open(tenantId) {
      // Opening now keeps `open`'s promise: a tenant whose database cannot be opened or migrated fails here.
      const first = await using(tenantId, async (store) => store);
      return handles.get(tenantId)?.store ?? makeHandle(tenantId, first);
    },
    async destroy(tenantId) {
      versions.delete(tenantId);
      endHandle(tenantId);
      await forget(tenantId, (id) => provider.destroy(id));
    },
    release,
    async close() {
      closed = true;
      clearInterval(sweeper);
      for (const tenantId of [...handles.keys()]) endHandle(tenantId);
      wakeWaiters();
      await Promise.all([...slots.values()].map((slot) => slot.store.catch(() => undefined)));
      slots.clear();
      handles.clear();
      await provider.close();
    },
    stats() {
      let busy = 0;
      for (const slot of slots.values()) if (slot.inFlight > 0) busy++;
      return { open: slots.size, busy, waiting: waiters.length, evictions, opens };
    },
  };
}
