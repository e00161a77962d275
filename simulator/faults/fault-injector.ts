// STUB: replaced by the fault-injection work. Keeps the interface create-simulator.ts relies on.
import type { MiddlewareHandler } from 'hono';
import type { SimEnv } from '../http/sim-env.js';

export interface FaultInjector {
  middleware: MiddlewareHandler<SimEnv>;
  clear(): void;
}

export function createFaultInjector(): FaultInjector {
  return {
    middleware: async (_c, next) => {
      await next();
    },
    clear: () => {},
  };
}
