/** What one `METHOD template` cost so far. */
export interface EndpointCounter {
  /** Requests that reached the limiter (admitted or refused). */
  calls: number;
  /** Points app requests cost (charged to the quota while it is enforced); API-token users cost none. */
  points: number;
  /** Requests the limiter answered with 429. */
  throttled: number;
}

/**
 * Call, point and 429 counts per `METHOD template` (e.g. `GET /rest/api/3/worklog/updated`),
 * for benches that compute points per worklog. `snapshot()` returns copies, so a caller can keep
 * one and compare it with a later one.
 */
export class EndpointCounters {
  private readonly byEndpoint = new Map<string, EndpointCounter>();

  private entry(key: string): EndpointCounter {
    let counter = this.byEndpoint.get(key);
    if (!counter) {
      counter = { calls: 0, points: 0, throttled: 0 };
      this.byEndpoint.set(key, counter);
    }
    return counter;
  }

  recordCall(key: string): void {
    this.entry(key).calls++;
  }

  recordPoints(key: string, points: number): void {
    this.entry(key).points += points;
  }

  recordThrottled(key: string): void {
    this.entry(key).throttled++;
  }

  /** A copy of every counter, keyed `METHOD template`. */
  snapshot(): Record<string, EndpointCounter> {
    return Object.fromEntries([...this.byEndpoint].map(([key, counter]) => [key, { ...counter }]));
  }

  reset(): void {
    this.byEndpoint.clear();
  }
}
