import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createSimulator, type Simulator } from '../../simulator/create-simulator.js';
import type { InstallResult } from '../../simulator/connect/connect-host.js';
import { createInstallKeyStore, INSTALL_KEYS_PATH } from '../../simulator/connect/install-keys.js';
import { HourlyPointsLedger } from '../../simulator/limits/hourly-points-ledger.js';
import type { RequestLog } from '../../simulator/http/request-log.js';

/** Options of {@link startHttpSiteFleet}. */
export interface HttpSiteFleetOptions {
  sites: number;
  worklogsPerSite: number;
  /** Page size of the sites' feeds and the cap of `/worklog/list` (Jira's is 1000). */
  pageSize: number;
  /** The app's hourly points, one pool for every site (Tier 1's shape: the quota is per app). */
  pointsPerHour: number;
  /** Seeds are `<seedPrefix>-<i>`: the same prefix gives the same sites. */
  seedPrefix: string;
  requestLog?: RequestLog;
}

/** Simulated Jira Cloud sites, each on its own loopback port, sharing one install-keys service and one points pool. */
export interface HttpSiteFleet {
  sims: Simulator[];
  /** Each site's URL, in the order of `sims`. */
  urls: string[];
  /** `TALLY_INSTALL_KEYS_URL`: one service for every site, as Atlassian's connect-install-keys is. */
  installKeysUrl: string;
  /** The app's points this hour, charged by every site. */
  ledger: HourlyPointsLedger;
  /** Installs the app on every site through the signed Connect lifecycle, `parallel` sites at a time. */
  installAll(descriptorUrl: string, parallel?: number): Promise<InstallResult[]>;
  close(): Promise<void>;
}

/** Serves a Hono app on 127.0.0.1 and an OS-chosen port. */
function serveOnLoopback(app: Hono): Promise<{ url: string; close(): Promise<void> }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}

/**
 * Starts `sites` generated sites over loopback HTTP with the real clock (each a separate origin,
 * as separate Atlassian sites are), their quotas on one shared ledger with the app's pool
 * (`global`), every request in `requestLog`. One install-keys service signs every site's Connect
 * installs, served once (`installKeysUrl`).
 */
export async function startHttpSiteFleet(options: HttpSiteFleetOptions): Promise<HttpSiteFleet> {
  const ledger = new HourlyPointsLedger();
  // One install-keys service signs every site's installs, as Atlassian's does.
  const installKeys = createInstallKeyStore();
  const sims: Simulator[] = [];
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closeOne of closers.splice(0).reverse()) await closeOne();
  };
  try {
    const urls: string[] = [];
    for (let i = 0; i < options.sites; i++) {
      const sim = createSimulator({
        clock: 'real',
        generate: { worklogs: options.worklogsPerSite, seed: `${options.seedPrefix}-${i}`, issues: Math.max(20, Math.round(options.worklogsPerSite / 10)), users: 20 },
        behaviour: { pageSize: options.pageSize },
        rateLimits: { quota: { pool: 'global', pointsPerHour: options.pointsPerHour }, pointsLedger: ledger },
        installKeys,
        ...(options.requestLog ? { requestLog: options.requestLog } : {}),
      });
      const server = await sim.listen();
      closers.push(server.close);
      sims.push(sim);
      urls.push(server.url);
    }
    const keyService = await serveOnLoopback(new Hono().route('/', installKeys.routes));
    closers.push(keyService.close);
    return {
      sims,
      urls,
      installKeysUrl: `${keyService.url}${INSTALL_KEYS_PATH}`,
      ledger,
      async installAll(descriptorUrl, parallel = 5) {
        const results: InstallResult[] = new Array(sims.length);
        let next = 0;
        const worker = async () => {
          for (let i = next++; i < sims.length; i = next++) results[i] = await sims[i]!.connect.install(descriptorUrl);
        };
        await Promise.all(Array.from({ length: parallel }, worker));
        return results;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
