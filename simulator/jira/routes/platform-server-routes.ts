import { Hono } from 'hono';
import type { SimDeps, SimEnv } from '../../http/sim-env.js';
import { formatJiraDate } from '../jira-date.js';

/** The version Jira Cloud reports (it has not changed since Cloud moved to `1001.x`). */
const VERSION = '1001.0.0-SNAPSHOT';
const BUILD_NUMBER = 100_279;
/** A fixed build date, so responses are deterministic (Jira reports its own deploy time). */
const BUILD_DATE_MS = Date.UTC(2025, 0, 6, 10, 0, 0);

/**
 * `GET /rest/api/3/serverInfo`: `ServerInformation` with the site's base URL, Cloud version,
 * and `serverTime` from the simulator clock in Jira's date format. `serverTimeZone` is given
 * only for IANA zone names; a fixed-offset site (`+0300`) has none to report.
 */
export function serverRoutes({ site }: SimDeps): Hono<SimEnv> {
  const routes = new Hono<SimEnv>();

  routes.get('/rest/api/3/serverInfo', (c) => {
    const body: Record<string, unknown> = {
      baseUrl: site.baseUrl,
      displayUrl: site.baseUrl,
      version: VERSION,
      versionNumbers: [1001, 0, 0],
      deploymentType: 'Cloud',
      buildNumber: BUILD_NUMBER,
      buildDate: formatJiraDate(BUILD_DATE_MS, site.timeZone),
      serverTime: formatJiraDate(site.clock.now(), site.timeZone),
      scmInfo: '6f1c9a0e2b7d4c3a8e5f0b1d2c3e4f5a6b7c8d9e',
      serverTitle: 'Jira',
    };
    if (!/^[+-]\d{2}:?\d{2}$/.test(site.timeZone)) body.serverTimeZone = site.timeZone;
    return c.json(body);
  });

  return routes;
}
