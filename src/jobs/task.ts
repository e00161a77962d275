import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';

/**
 * How one run of a task went. The runner — not the task — decides the next run from it:
 * `done` → one interval later; `retry` → after `retryAfterMs`; `failed` → after the schedule's
 * failure delay. A task that throws counts as `failed`.
 */
export type TaskOutcome =
  | { status: 'done' }
  | { status: 'retry'; retryAfterMs: number; reason: string }
  | { status: 'failed'; reason: string; error?: unknown };

/** The saved progress of one schedule (JSON; never personal data or secrets). */
export interface TaskProgress {
  /** The value last saved, or undefined when none (or unreadable JSON). */
  read(): Promise<unknown>;
  /** Replaces the saved value; `undefined` clears it. */
  save(value: unknown): Promise<void>;
}

/** What a task receives besides its payload (graphile-worker's `helpers`). */
export interface TaskHelpers {
  /** Scoped to the schedule (and tenant). */
  logger: Logger;
  /** The authoritative clock of the run. */
  clock: Clock;
  /** Aborted when the runner stops (shutdown); a task stops between two units of work. */
  signal: AbortSignal;
  progress: TaskProgress;
}

/** A unit of scheduled work. Re-runnable: a crash mid-run repeats (part of) it at the next run. */
export type Task<P = void> = (payload: P, helpers: TaskHelpers) => Promise<TaskOutcome>;

/** The `done` outcome. */
export const DONE: TaskOutcome = Object.freeze({ status: 'done' });
