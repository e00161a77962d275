/**
 * Benchmark helper (child process) for `bench:backfill`: one big simulated site and N small ones,
 * each on its own loopback origin, with Atlassian's Tier 1 points quota on — one pool of
 * `--points-per-hour` for the whole app across every site (a shared `HourlyPointsLedger`) — and a
 * manual clock that only the benchmark moves (`POST /clock` on the control origin), so an hour of
 * quota passes the moment every Tally job waits for it. Burst and per-issue write limits are off:
 * requests take no simulated time here, so a 100-per-second bucket would throttle what real
 * latencies keep under it (docs/benchmarks.md, bench:backfill). Every answer carries
 * `X-Bench-Site-Points`, the points the site's app calls were charged so far, and
 * `X-Bench-App-Hour-Points`, the app's points this hour across every site, both read when the
 * answer leaves: the benchmark's exact points at any moment of the sync.
 *
 * Control routes (their own origin, never charged): POST /clock `{nowMs}`, POST /reset `{nowMs}`
 * (clock, quota ledger and counters), GET /points (points and calls per site; per endpoint for the big site), GET /truth?fromMs=
 * (worklogs of the big site the app can see: all, and started at or after `fromMs`).
 * Prints one JSON line when ready: `{ control, big: {url, clientKey, sharedSecret, worklogs}, small: [...] }`.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { createSimulator, type Simulator } from '../simulator/create-simulator.js';
import { worklogBodiesOf } from '../simulator/jira/render-json.js';
import { HourlyPointsLedger } from '../simulator/limits/hourly-points-ledger.js';

const APP_KEY = 'io.tally.time-reports';

const { values } = parseArgs({
  options: {
    worklogs: { type: 'string', default: '1000000' },
    years: { type: 'string', default: '3' },
    'small-sites': { type: 'string', default: '100' },
    'small-worklogs': { type: 'string', default: '2000' },
    'start-ms': { type: 'string' },
    'points-per-hour': { type: 'string', default: '65000' },
    'count-embedded-users': { type: 'boolean', default: false },
    'flat-updated': { type: 'boolean', default: false },
    'issue-active-days': { type: 'string', default: '0' },
  },
  strict: true,
});
const startMs = Number(values['start-ms']);
if (!Number.isSafeInteger(startMs)) throw new Error('--start-ms is required (epoch ms)');
const ledger = new HourlyPointsLedger();

interface ServedSite {
  sim: Simulator;
  url: string;
  clientKey: string;
  sharedSecret: string;
  worklogs: number;
}

function sitePoints(sim: Simulator): { points: number; calls: number; throttled: number } {
  let points = 0;
  let calls = 0;
  let throttled = 0;
  for (const counter of Object.values(sim.limits.counters())) {
    points += counter.points;
    calls += counter.calls;
    throttled += counter.throttled;
  }
  return { points, calls, throttled };
}

function listen(fetch: (request: Request) => Response | Promise<Response>): Promise<string> {
  return new Promise((resolve) => {
    serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve(`http://127.0.0.1:${info.port}`));
  });
}

async function serveSite(name: string, worklogs: number, years: number): Promise<ServedSite> {
  const sim = createSimulator({
    clock: 'manual',
    startMs,
    generate: { worklogs, years, seed: `backfill-${name}`, issues: Math.max(50, Math.round(worklogs / 20)), issueActiveDays: Number(values['issue-active-days']) },
    rateLimits: {
      burst: { enabled: false },
      perIssue: { enabled: false },
      quota: {
        enabled: true,
        pool: 'global',
        pointsPerHour: Number(values['points-per-hour']),
        countEmbeddedUsers: values['count-embedded-users'],
        flatCostTemplates: values['flat-updated'] ? ['/worklog/updated'] : [],
      },
      pointsLedger: ledger,
    },
  });
  const url = await listen(async (request) => {
    const answer = await sim.app.fetch(request);
    // Read as the answer leaves: every charge of an answered request is in it.
    const points = String(sitePoints(sim).points);
    const appHourPoints = String(ledger.usedPoints(`global:${APP_KEY}`, sim.clock.now()));
    try {
      answer.headers.set('x-bench-site-points', points);
      answer.headers.set('x-bench-app-hour-points', appHourPoints);
      return answer;
    } catch {
      const headers = new Headers(answer.headers);
      headers.set('x-bench-site-points', points);
      headers.set('x-bench-app-hour-points', appHourPoints);
      return new Response(answer.body, { status: answer.status, statusText: answer.statusText, headers });
    }
  });
  // What `sim.listen()` does: `self` and `nextPage` links name the loopback origin.
  sim.site.baseUrl = url;
  const clientKey = `bench-backfill-${name}`;
  const sharedSecret = `bench-backfill-secret-${name}-0123456789abcdef0123456789`;
  sim.site.registerApp({ key: APP_KEY, clientKey, sharedSecret, baseUrl: 'https://tally.bench', descriptor: { name: 'Tally (bench)' } });
  return { sim, url, clientKey, sharedSecret, worklogs: sim.site.worklogs.size };
}

const big = await serveSite('big', Number(values.worklogs), Number(values.years));
// Every body rendered once now, as bench/sim-server.ts does (~40 s at 1M): rendered lazily, the
// first run shared the two cores with the simulator's rendering, and its sync CPU per worklog
// read a third higher than the same run later (docs/benchmarks.md, bench:backfill).
const bodies = worklogBodiesOf(big.sim.site);
for (const worklog of big.sim.site.worklogs.values()) bodies.bodyBytes(worklog, '3');
const small: ServedSite[] = [];
for (let i = 0; i < Number(values['small-sites']); i++) small.push(await serveSite(`small-${i}`, Number(values['small-worklogs']), Number(values.years)));
const all = [big, ...small];

const control = new Hono();
control.post('/clock', async (c) => {
  const { nowMs } = await c.req.json<{ nowMs: number }>();
  for (const site of all) site.sim.clock.set(nowMs);
  return c.body(null, 204);
});
control.post('/reset', async (c) => {
  const { nowMs } = await c.req.json<{ nowMs: number }>();
  for (const site of all) {
    site.sim.clock.set(nowMs);
    site.sim.limits.reset();
    site.sim.limits.resetCounters();
  }
  ledger.clear();
  return c.body(null, 204);
});
control.get('/points', (c) => c.json(Object.fromEntries(all.map((site) => [site.url, { ...sitePoints(site.sim), ...(site === big ? { byEndpoint: site.sim.limits.counters() } : {}) }]))));
control.get('/truth', (c) => {
  const fromMs = Number(c.req.query('fromMs'));
  const site = big.sim.site;
  const app = site.findApp(APP_KEY);
  const appUser = app && site.users.get(app.appUserAccountId);
  if (!appUser) throw new Error('the app user is missing on the big site');
  let visible = 0;
  let inWindow = 0;
  for (const worklog of site.worklogs.values()) {
    if (!site.canSeeWorklog(worklog, appUser)) continue;
    visible++;
    if (worklog.startedMs >= fromMs) inWindow++;
  }
  return c.json({ visible, inWindow });
});
const controlUrl = await listen(control.fetch);
const describe = ({ url, clientKey, sharedSecret, worklogs }: ServedSite) => ({ url, clientKey, sharedSecret, worklogs });
process.stdout.write(`${JSON.stringify({ control: controlUrl, big: describe(big), small: small.map(describe) })}\n`);
process.on('SIGTERM', () => process.exit(0));
