import type { PeriodicSchedule } from './scheduler.js';

/**
 * An app-wide periodic task, as edges declare them (src/edges/edge.ts). The scheduler
 * (scheduler.ts) owns and runs it; this name stays for the modules that import it.
 */
export type PeriodicTask = PeriodicSchedule;
