/**
 * `npm run bench:simulator [-- --worklogs 100000] [-- --json]`: how fast the simulator
 * generates a site and serves a full read of it (`/worklog/updated` + `/worklog/list`), in-process
 * and over loopback HTTP. The simulator is the instrument every sync benchmark runs against, so
 * its own ceiling must sit well above what Tally is asked to reach. Calls are signed as a Connect
 * app, so the points Jira would charge for a full read are counted too.
 */
import { parseArgs } from 'node:util';
import { createSimulator, type Simulator } from '../simulator/create-simulator.js';
import { printBench, type BenchRow } from './bench-output.js';
import { appFetch, registerTestApp } from '../test/support/sim-callers.js';

type Call = (url: string, init?: RequestInit) => Promise<Response>;

/**
 * Reads the whole site. With `parseBodies` false the `/worklog/list` bodies are taken as bytes
 * and not parsed, which isolates the simulator's own serving cost from the client's JSON.parse.
 */
async function readAll(call: Call, base: string, parseBodies: boolean): Promise<{ worklogs: number; requests: number; bytes: number }> {
  let url = `${base}/rest/api/3/worklog/updated?since=0`;
  const ids: number[] = [];
  let requests = 0;
  let bytes = 0;
  for (;;) {
    const text = await (await call(url)).text();
    requests++;
    bytes += text.length;
    const page = JSON.parse(text) as { values: { worklogId: number }[]; lastPage: boolean; nextPage?: string };
    for (const value of page.values) ids.push(value.worklogId);
    if (page.lastPage || !page.nextPage) break;
    url = page.nextPage;
  }
  let worklogs = 0;
  for (let i = 0; i < ids.length; i += 1000) {
    const batch = ids.slice(i, i + 1000);
    const response = await call(`${base}/rest/api/3/worklog/list`, { method: 'POST', body: JSON.stringify({ ids: batch }) });
    requests++;
    if (parseBodies) {
      const text = await response.text();
      bytes += text.length;
      worklogs += (JSON.parse(text) as unknown[]).length;
    } else {
      bytes += (await response.arrayBuffer()).byteLength;
      worklogs += batch.length;
    }
  }
  return { worklogs, requests, bytes };
}

function pointsCharged(sim: Simulator): number {
  return Object.values(sim.limits.counters()).reduce((sum, counter) => sum + counter.points, 0);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { worklogs: { type: 'string' }, json: { type: 'boolean' } }, strict: true });
  const count = Number(values.worklogs ?? 100_000);
  const rows: BenchRow[] = [];

  const genStart = performance.now();
  // Limits off so the bench measures serving, not waiting; counters still count calls and points.
  const sim = createSimulator({ clock: 'real', generate: { worklogs: count, seed: 1 }, rateLimits: { enabled: false } });
  const app = registerTestApp(sim);
  const genMs = performance.now() - genStart;
  rows.push({
    scenario: 'generate site',
    worklogs: count,
    'wall ms': Math.round(genMs),
    'worklogs/s': Math.round(count / (genMs / 1000)),
    'rss MB': Math.round(process.memoryUsage().rss / 2 ** 20),
  });

  const scenarios = [
    ['in-process', true],
    ['loopback HTTP', true],
    ['in-process, bodies unparsed', false],
  ] as const;
  for (const [transport, parseBodies] of scenarios) {
    const server = transport === 'loopback HTTP' ? await sim.listen() : undefined;
    const base = server?.url ?? sim.site.baseUrl;
    const call: Call = appFetch(sim, app, server ? fetch : sim.fetch);
    sim.limits.resetCounters();
    const started = performance.now();
    const result = await readAll(call, base, parseBodies);
    const ms = performance.now() - started;
    rows.push({
      scenario: `full read, ${transport}`,
      worklogs: result.worklogs,
      requests: result.requests,
      'MB served': Math.round(result.bytes / 2 ** 20),
      'points / 1000 worklogs': Math.round((pointsCharged(sim) / result.worklogs) * 1000),
      'wall ms': Math.round(ms),
      'worklogs/s': Math.round(result.worklogs / (ms / 1000)),
      'rss MB': Math.round(process.memoryUsage().rss / 2 ** 20),
    });
    await server?.close();
  }
  printBench('bench:simulator', rows, process.argv.slice(2));
}

await main();
