/**
 * Benchmark helper (child process): serves a generated simulated site on loopback with rate
 * limits off (counters still count calls and points) and a pre-registered app, so the sync
 * benchmark measures Tally, not the install; every worklog body is rendered before it is ready. Prints one JSON line `{ url, worklogs }` when ready.
 * Control routes: GET /__bench/counters, POST /__bench/reset.
 */
import { parseArgs } from 'node:util';
import { createSimulator } from '../simulator/create-simulator.js';
import { worklogBodiesOf } from '../simulator/jira/render-json.js';

const { values } = parseArgs({
  options: {
    worklogs: { type: 'string' },
    seed: { type: 'string' },
    'app-key': { type: 'string' },
    'client-key': { type: 'string' },
    secret: { type: 'string' },
  },
  strict: true,
});

const sim = createSimulator({
  clock: 'real',
  generate: { worklogs: Number(values.worklogs ?? 100_000), seed: values.seed ?? 'bench', issues: Math.max(500, Math.round(Number(values.worklogs ?? 100_000) / 20)) },
  rateLimits: { enabled: false },
});
sim.app.get('/__bench/counters', (c) => c.json(sim.limits.counters()));
sim.app.post('/__bench/reset', (c) => {
  sim.limits.resetCounters();
  return c.body(null, 204);
});
const server = await sim.listen();
// Atlassian's servers do not share this machine's two cores with Tally; rendering every body once
// before the measurement keeps the simulator's share of the CPU small (docs/benchmarks.md).
const bodies = worklogBodiesOf(sim.site);
for (const worklog of sim.site.worklogs.values()) bodies.bodyBytes(worklog, '3');
sim.site.registerApp({
  key: values['app-key'] ?? 'io.tally.time-reports',
  clientKey: values['client-key'] ?? 'bench-client',
  sharedSecret: values.secret ?? 'bench-secret-0123456789abcdef0123456789',
  baseUrl: 'https://tally.bench',
  descriptor: { name: 'Tally (bench)' },
});
process.stdout.write(`${JSON.stringify({ url: server.url, worklogs: sim.site.worklogs.size, issues: sim.site.issues.size })}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
