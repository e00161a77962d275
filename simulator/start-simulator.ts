import { createSimulator, type Simulator, type SimulatorOptions } from './create-simulator.js';
import type { SimulatorCliOptions } from './cli-options.js';

/** A simulator serving over HTTP, with what a person needs to call it. */
export interface RunningSimulator {
  sim: Simulator;
  url: string;
  /** `Authorization` header value of the generated site admin. */
  adminAuthorization: string;
  generationMs: number;
  close(): Promise<void>;
}

/** Generates the site and serves it on loopback with the real clock. */
export async function startSimulator(options: SimulatorCliOptions, extra: Partial<Pick<SimulatorOptions, 'rateLimits'>> = {}): Promise<RunningSimulator> {
  const started = performance.now();
  const sim = createSimulator({
    ...extra,
    clock: 'real',
    timeZone: options.timeZone,
    generate: {
      worklogs: options.worklogs,
      users: options.users,
      issues: options.issues,
      projects: options.projects,
      years: options.years,
      seed: options.seed,
    },
  });
  const generationMs = performance.now() - started;
  const server = await sim.listen(options.port);
  const credentials = sim.generated?.adminCredentials;
  if (!credentials) throw new Error('the simulator generated no admin');
  return {
    sim,
    url: server.url,
    adminAuthorization: `Basic ${Buffer.from(`${credentials.email}:${credentials.apiToken}`).toString('base64')}`,
    generationMs,
    close: server.close,
  };
}

/** The text printed on start: what is served and how to call it. */
export function describeSimulator(running: RunningSimulator): string {
  const { sim, url } = running;
  const credentials = sim.generated?.adminCredentials;
  const deleted = sim.site.deletedAt.size;
  return [
    `Simulated Jira Cloud site at ${url}`,
    `  ${sim.site.worklogs.size} worklogs (+${deleted} deleted), ${sim.site.issues.size} issues, ` +
      `${sim.site.projects.size} projects, ${sim.site.users.size} users; generated in ${Math.round(running.generationMs)} ms`,
    `  dates rendered in ${sim.site.timeZone}; changes of the last 60 s are hidden from the feeds, as in Jira`,
    '',
    `Site admin (HTTP Basic): ${credentials?.email} / ${credentials?.apiToken}`,
    '',
    'Try:',
    `  curl -s -u '${credentials?.email}:${credentials?.apiToken}' '${url}/rest/api/3/worklog/updated?since=0' | head -c 400`,
    `  curl -s -u '${credentials?.email}:${credentials?.apiToken}' -H 'content-type: application/json' \\`,
    `       -d '{"ids":[10000,10001]}' '${url}/rest/api/3/worklog/list'`,
    `  curl -s -u '${credentials?.email}:${credentials?.apiToken}' '${url}/rest/api/3/serverInfo'`,
    `Install keys for signed Connect installs: ${url}/connect-install-keys/<kid>`,
    `Connect user impersonation (ACT_AS_USER, TALLY_ATLASSIAN_OAUTH_URL): POST ${url}/oauth2/token`,
  ].join('\n');
}
