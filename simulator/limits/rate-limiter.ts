// STUB: replaced by the rate-limit work. Keeps the interface create-simulator.ts relies on.
import type { MiddlewareHandler } from 'hono';
import type { JiraSite } from '../jira/jira-site.js';
import type { SimEnv } from '../http/sim-env.js';

export interface RateLimitOptions {
  enabled: boolean;
}

export interface EndpointCounter {
  calls: number;
  points: number;
}

export interface RateLimiter {
  middleware: MiddlewareHandler<SimEnv>;
  /** Calls and points per `METHOD template`, for benches. */
  counters(): Record<string, EndpointCounter>;
  resetCounters(): void;
}

export function createRateLimiter(_site: JiraSite, _options: Partial<RateLimitOptions> = {}): RateLimiter {
  return {
    middleware: async (_c, next) => {
      await next();
    },
    counters: () => ({}),
    resetCounters: () => {},
  };
}
