// STUB: replaced by the platform-endpoints work (search, users, permissions, myself, serverInfo…).
import { Hono } from 'hono';
import type { SimDeps, SimEnv } from '../../http/sim-env.js';

export function platformRoutes(_deps: SimDeps): Hono<SimEnv> {
  return new Hono<SimEnv>();
}
