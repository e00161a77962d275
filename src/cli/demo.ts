/**
 * `npm run demo`. Until Tally's server and sync land (issues 3–5), the demo starts the simulated
 * Jira Cloud site Tally is developed against, with generated worklogs, reads every visible
 * worklog back through Jira's own endpoints to show the data is there, and keeps serving until
 * Ctrl-C. `--once` exits after the read-back (for scripts); other flags are the simulator's.
 */
import { parseSimulatorArgs, SIMULATOR_USAGE } from '../../simulator/cli-options.js';
import { describeSimulator, startSimulator, type RunningSimulator } from '../../simulator/start-simulator.js';

interface FeedPage {
  values: { worklogId: number }[];
  lastPage: boolean;
  nextPage?: string;
}

/** Reads every worklog id from `/worklog/updated`, then their bodies from `/worklog/list`. */
async function readBack(running: RunningSimulator): Promise<{ worklogs: number; seconds: number; requests: number; ms: number }> {
  const started = performance.now();
  const headers = { authorization: running.adminAuthorization, 'content-type': 'application/json' };
  const ids = new Set<number>();
  let url = `${running.url}/rest/api/3/worklog/updated?since=0`;
  let requests = 0;
  for (;;) {
    const page = (await (await fetch(url, { headers })).json()) as FeedPage;
    requests++;
    for (const value of page.values) ids.add(value.worklogId);
    if (page.lastPage || !page.nextPage) break;
    url = page.nextPage;
  }
  const all = [...ids];
  let worklogs = 0;
  let seconds = 0;
  for (let i = 0; i < all.length; i += 1000) {
    const response = await fetch(`${running.url}/rest/api/3/worklog/list`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ ids: all.slice(i, i + 1000) }),
    });
    requests++;
    const batch = (await response.json()) as { timeSpentSeconds: number }[];
    worklogs += batch.length;
    for (const worklog of batch) seconds += worklog.timeSpentSeconds;
  }
  return { worklogs, seconds, requests, ms: performance.now() - started };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const once = argv.includes('--once');
  let options;
  try {
    options = parseSimulatorArgs(argv.filter((arg) => arg !== '--once'));
  } catch (error) {
    process.stderr.write(`demo: ${(error as Error).message}\n\n${SIMULATOR_USAGE.replace('npm run simulator', 'npm run demo')}`);
    process.exitCode = 2;
    return;
  }
  if (options.help) {
    process.stdout.write(`${SIMULATOR_USAGE.replace('npm run simulator', 'npm run demo')}  --once           exit after the read-back\n`);
    return;
  }
  process.stdout.write('Tally demo — Tally’s report server arrives with the next issues; today the demo shows the\n');
  process.stdout.write('simulated Jira Cloud site that every Tally test and benchmark runs against.\n\n');
  const running = await startSimulator(options);
  process.stdout.write(`${describeSimulator(running)}\n\n`);
  const result = await readBack(running);
  const hours = (result.seconds / 3600).toFixed(1);
  process.stdout.write(
    `Read back ${result.worklogs} worklogs (${hours} hours logged) in ${result.requests} requests, ` +
      `${Math.round(result.ms)} ms, through /worklog/updated + /worklog/list as the site admin.\n`,
  );
  if (once) {
    await running.close();
    return;
  }
  process.stdout.write('\nServing until Ctrl-C.\n');
  const stop = () => {
    void running.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

await main();
