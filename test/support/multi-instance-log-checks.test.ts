import { describe, expect, it } from 'vitest';
import type { LoggedRequest } from '../../simulator/http/request-log.js';
import { describeClientRuns, findConcurrentRequests, pointsPerHour } from './multi-instance-log-checks.js';

const HOUR = Date.UTC(2026, 10, 23, 8);

function request(site: string, client: string | undefined, startMs: number, endMs: number | undefined, points = 0, siteTimeMs = endMs): LoggedRequest {
  return { site, method: 'GET', path: '/rest/api/3/worklog/updated', status: endMs === undefined ? 0 : 200, points, startMs, endMs, siteTimeMs, client };
}

describe('findConcurrentRequests', () => {
  it('finds two clients in flight for one site at once, and nothing for one client or for different sites', () => {
    const entries = [
      request('a', 'tally-1', 0, 10),
      request('a', 'tally-1', 5, 15), // the same process pipelines: allowed
      request('b', 'tally-2', 5, 15), // another site: allowed
      request('a', 'tally-2', 20, 30), // after tally-1 finished: allowed
      request('a', 'tally-3', 29, 40), // overlaps tally-2's last request
    ];
    const pairs = findConcurrentRequests(entries, { nowMs: 100 });
    expect(pairs.map(({ site, first, second }) => [site, first.client, second.client])).toEqual([['a', 'tally-2', 'tally-3']]);
  });

  it('ends a killed client\'s requests at the kill, and counts an unanswered one as running', () => {
    const entries = [request('a', 'tally-2', 0, 50), request('a', 'tally-1', 20, 30)];
    expect(findConcurrentRequests(entries, { nowMs: 100 })).toHaveLength(1);
    expect(findConcurrentRequests(entries, { nowMs: 100, killed: [{ client: 'tally-2', atMs: 10 }] })).toEqual([]);
    // Killed after the other started: still two at once.
    expect(findConcurrentRequests(entries, { nowMs: 100, killed: [{ client: 'tally-2', atMs: 25 }] })).toHaveLength(1);
    expect(findConcurrentRequests([request('a', 'tally-1', 0, undefined), request('a', 'tally-2', 90, 95)], { nowMs: 100 })).toHaveLength(1);
  });
});

describe('pointsPerHour', () => {
  it('sums points per UTC hour of the site clock and finds the worst rolling hour across a boundary', () => {
    const entries = [
      request('a', 'x', 0, 1, 100, HOUR + 10 * 60_000),
      request('b', 'y', 0, 1, 300, HOUR + 50 * 60_000),
      request('a', 'x', 0, 1, 400, HOUR + 70 * 60_000),
      request('a', 'x', 0, 1, 50, HOUR + 115 * 60_000),
      request('a', 'x', 0, undefined, 999, undefined), // not answered: not charged yet
    ];
    const result = pointsPerHour(entries);
    expect([...result.byUtcHour]).toEqual([[HOUR, 400], [HOUR + 3_600_000, 450]]);
    // 08:50 → 09:10 holds 300 + 400; 08:10 is more than an hour before 09:10.
    expect(result.maxRollingHour).toBe(700);
  });
});

describe('describeClientRuns', () => {
  it('shows which clients served a site, in order', () => {
    expect(describeClientRuns([request('a', 'tally-2', 3, 4), request('a', 'tally-1', 1, 2), request('a', 'tally-1', 2, 3), request('a', undefined, 5, 6)])).toBe('tally-1 ×2 → tally-2 ×1 → ? ×1');
  });
});
