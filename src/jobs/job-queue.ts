import type { Logger } from '../platform/logger.js';

/** A unit of background work. `key` makes it a singleton: one job per key runs at a time. */
export interface Job<P = unknown> {
  kind: string;
  /** Jobs with the same key never run concurrently (one writer per tenant: the tenant id). */
  key: string;
  /** Lower runs first: incremental syncs before backfills. */
  priority: number;
  payload: P;
  /**
   * Waiting jobs of the same kind, key and dedupe value are one job (a sync requested five times
   * while one runs runs once more). Without it every enqueued job runs (each webhook counts).
   */
  dedupe?: string;
}

/** What a job handler receives besides its payload. */
export interface JobHelpers {
  signal: AbortSignal;
  logger: Logger;
}

/** Runs one kind of job; resolves when the work is done, rejects to report a failure. */
export type JobHandler<P = unknown> = (payload: P, helpers: JobHelpers) => Promise<void>;

/** A snapshot of a queue for status pages and tests. */
export interface QueueSnapshot {
  running: string[];
  queued: string[];
}

/**
 * Whether a queue runs this instance's jobs now, for `/readyz`. The reasons are fixed sentences
 * (the route is public): never an error's message, which may name a host.
 */
export type QueueHealth = { state: 'running' } | { state: 'not_started' | 'stopped' | 'failing'; reason: string };

/**
 * Background jobs (port). The embedded default is an in-process queue; a multi-instance
 * deployment uses pg-boss on PostgreSQL. Both guarantee: at most one running job per key, and a
 * job enqueued while its key is busy runs (once) after the running one.
 */
export interface JobQueue {
  register<P>(kind: string, handler: JobHandler<P>): void;
  /** Queues a job; one with the same kind, key and `dedupe` already waiting is not queued twice. */
  enqueue<P>(job: Job<P>): void;
  /** Aborts one key's running job (uninstall) and drops its waiting jobs. */
  cancel(key: string): void;
  /** Resolves when nothing is running or waiting (tests, CLI). */
  idle(): Promise<void>;
  snapshot(): QueueSnapshot;
  /** Stops taking jobs, aborts running ones and waits for them to settle. */
  stop(): Promise<void>;
  /**
   * Deletes what the queue stores of `key`'s finished jobs (the uninstall purge's last step, so no
   * job row names the tenant afterwards); waiting jobs are kept. Idempotent. Absent when the queue
   * stores nothing (the in-process queue).
   */
  forgetKey?(key: string): Promise<void>;
}
