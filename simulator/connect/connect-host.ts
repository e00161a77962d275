// STUB: replaced by the Connect host work. Keeps the interface create-simulator.ts relies on.
import { Hono } from 'hono';
import type { JiraSite } from '../jira/jira-site.js';
import type { SimEnv } from '../http/sim-env.js';

export type SimFetch = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

export interface ConnectHostOptions {
  /** How the simulated Jira reaches the app (global fetch over HTTP, or the app's in-process fetch). */
  appFetch: SimFetch;
}

export interface ConnectHost {
  /** Routes that need no Jira authentication (the install-keys endpoint). */
  publicRoutes: Hono<SimEnv>;
  /** Routes behind Jira authentication (e.g. `/rest/api/3/webhook/failed`). */
  routes: Hono<SimEnv>;
}

export function createConnectHost(_site: JiraSite, _options: ConnectHostOptions): ConnectHost {
  return { publicRoutes: new Hono<SimEnv>(), routes: new Hono<SimEnv>() };
}
