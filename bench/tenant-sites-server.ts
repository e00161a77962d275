/**
 * Benchmark helper (child process) for `bench:tenants`: N generated simulated sites, each served
 * on its own loopback port (a separate origin, as separate Atlassian sites are), rate limits off,
 * Tally's app registered on each. Running them here keeps their memory and descriptors out of the
 * Tally process the benchmark measures. Prints one JSON line when ready:
 * `{ sites: [{ url, clientKey, sharedSecret, worklogs }] }`. SIGTERM closes every server.
 */
import { parseArgs } from 'node:util';
import { createSimulator } from '../simulator/create-simulator.js';

const { values } = parseArgs({
  options: { sites: { type: 'string' }, worklogs: { type: 'string' }, 'app-key': { type: 'string' }, 'app-base-url': { type: 'string' } },
  strict: true,
});
const SITES = Number(values.sites ?? 10);
const WORKLOGS = Number(values.worklogs ?? 2000);

const servers: { close(): Promise<void> }[] = [];
const sites: { url: string; clientKey: string; sharedSecret: string; worklogs: number }[] = [];
for (let i = 0; i < SITES; i++) {
  const sim = createSimulator({
    clock: 'real',
    generate: { worklogs: WORKLOGS, seed: `tenants-${i}`, issues: Math.max(50, Math.round(WORKLOGS / 20)) },
    rateLimits: { enabled: false },
  });
  const server = await sim.listen();
  servers.push(server);
  const clientKey = `bench-tenants-${i}`;
  const sharedSecret = `bench-tenants-secret-${i}-0123456789abcdef0123456789`;
  sim.site.registerApp({ key: values['app-key'] ?? 'io.tally.time-reports', clientKey, sharedSecret, baseUrl: values['app-base-url'] ?? 'https://tally.bench', descriptor: { name: 'Tally (bench)' } });
  sites.push({ url: server.url, clientKey, sharedSecret, worklogs: sim.site.worklogs.size });
}
process.stdout.write(`${JSON.stringify({ sites })}\n`);
process.on('SIGTERM', () => void Promise.all(servers.map((server) => server.close())).then(() => process.exit(0)));
