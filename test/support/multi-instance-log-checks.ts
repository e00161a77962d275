import type { LoggedRequest } from '../../simulator/http/request-log.js';

const HOUR_MS = 3_600_000;

/** Two requests for one site from different clients whose times overlap. */
export interface ConcurrentPair {
  site: string;
  first: LoggedRequest;
  second: LoggedRequest;
}

/** A client killed at `atMs` (wall clock, as the log's times): its requests cannot have gone on after. */
export interface KilledClient {
  client: string;
  atMs: number;
}

/**
 * Pairs of requests for the same site, from different clients, that were in flight at the same
 * time — a site synced by two processes at once. A killed client's requests end at the kill (the
 * simulator finishes answering a dead socket later; nobody reads that answer). Requests still
 * unanswered count as running until `nowMs`. Pure.
 */
export function findConcurrentRequests(entries: readonly LoggedRequest[], options: { killed?: readonly KilledClient[]; nowMs: number }): ConcurrentPair[] {
  const killedAt = new Map((options.killed ?? []).map((killed) => [killed.client, killed.atMs]));
  const endOf = (entry: LoggedRequest) => Math.min(entry.endMs ?? options.nowMs, killedAt.get(entry.client ?? '') ?? Infinity);
  const bySite = new Map<string, LoggedRequest[]>();
  for (const entry of entries) {
    const list = bySite.get(entry.site);
    if (list) list.push(entry);
    else bySite.set(entry.site, [entry]);
  }
  const pairs: ConcurrentPair[] = [];
  for (const [site, requests] of bySite) {
    const sorted = [...requests].sort((a, b) => a.startMs - b.startMs);
    let active: LoggedRequest[] = [];
    for (const entry of sorted) {
      active = active.filter((other) => endOf(other) > entry.startMs);
      for (const other of active) if (other.client !== entry.client) pairs.push({ site, first: other, second: entry });
      active.push(entry);
    }
  }
  return pairs;
}

/** The app's points as the simulated sites charged them, per UTC hour and in the worst rolling hour. */
export interface PointsPerHour {
  /** Points per UTC hour (the quota's own window), keyed by the hour's start (epoch ms, site clock). */
  byUtcHour: Map<number, number>;
  /** The most points charged within any 60 minutes (site clock), whatever the hour boundaries. */
  maxRollingHour: number;
}

/** Sums the logged points of answered requests by the site clock's hour, and over every rolling hour. Pure. */
export function pointsPerHour(entries: readonly LoggedRequest[]): PointsPerHour {
  const charged = entries.filter((entry) => entry.siteTimeMs !== undefined && entry.points > 0).map((entry) => ({ atMs: entry.siteTimeMs!, points: entry.points }));
  charged.sort((a, b) => a.atMs - b.atMs);
  const byUtcHour = new Map<number, number>();
  for (const { atMs, points } of charged) {
    const hour = Math.floor(atMs / HOUR_MS) * HOUR_MS;
    byUtcHour.set(hour, (byUtcHour.get(hour) ?? 0) + points);
  }
  // Two pointers: the window (atMs − 1 h, atMs] ending at each charge.
  let maxRollingHour = 0;
  let windowPoints = 0;
  let start = 0;
  for (const { atMs, points } of charged) {
    windowPoints += points;
    while (charged[start]!.atMs <= atMs - HOUR_MS) windowPoints -= charged[start++]!.points;
    maxRollingHour = Math.max(maxRollingHour, windowPoints);
  }
  return { byUtcHour, maxRollingHour };
}

/** Which clients served a site, in order, as runs: `tally-2 ×6 → tally-3 ×4`. For messages and the demo. */
export function describeClientRuns(entries: readonly LoggedRequest[]): string {
  const runs: { client: string; count: number }[] = [];
  for (const entry of [...entries].sort((a, b) => a.startMs - b.startMs)) {
    const client = entry.client ?? '?';
    const last = runs.at(-1);
    if (last && last.client === client) last.count++;
    else runs.push({ client, count: 1 });
  }
  return runs.map((run) => `${run.client} ×${run.count}`).join(' → ');
}
