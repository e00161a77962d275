/**
 * `npm run demo`. Until the sync and reports land (issues 4–5), the demo starts the simulated
 * Jira Cloud site Tally is developed against, with generated worklogs; starts Tally in demo mode
 * and lets the site install it through the signed Connect lifecycle; shows a worklog webhook
 * reaching Tally; reads every visible worklog back through Jira's own endpoints; and keeps
 * serving until Ctrl-C. `--once` exits at the end (for scripts); other flags are the simulator's.
 */
import { parseSimulatorArgs, SIMULATOR_USAGE } from '../../simulator/cli-options.js';
import { describeSimulator, startSimulator, type RunningSimulator } from '../../simulator/start-simulator.js';
import { startDemoTally, type DemoTally } from './demo-install.js';

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

/** What Tally holds after the install, and a webhook's round trip from the site to Tally. */
async function describeTally(tally: DemoTally, running: RunningSimulator): Promise<string> {
  const webhook = new Promise<string>((resolve) => {
    const off = tally.server.events.on('worklogWebhook', (hint) => {
      off();
      resolve(`${hint.event} for worklog ${hint.worklogId}`);
    });
    setTimeout(() => resolve('no webhook within 5 s'), 5000).unref();
  });
  const { site } = running.sim;
  const issue = [...site.issues.values()][0];
  const author = running.sim.generated?.users[0];
  if (issue && author) {
    site.createWorklog({ issueId: issue.id, authorId: author.accountId, comment: undefined, startedMs: site.clock.now(), timeSpentSeconds: 1800 });
  }
  const started = performance.now();
  const received = await webhook;
  // The install started a full sync in the background; the webhook was applied on top of it.
  await tally.server.tally.queue.idle();
  const seconds = (performance.now() - started) / 1000;
  const store = await tally.server.tally.stores.open(tally.tenantId);
  const state = await store.getSyncState();
  return [
    `Tally at ${tally.server.url} (demo mode; descriptor at ${tally.server.url}/atlassian-connect.json)`,
    `  installed by the simulated site: tenant ${tally.tenantId}; its shared secret is stored encrypted (AES-256-GCM)`,
    `  webhook received: ${received}`,
    `  full synchronisation: ${await store.countWorklogs()} worklogs in the tenant's own database in ${seconds.toFixed(1)} s (phase: ${state.phase})`,
    `  while the demo runs: TALLY_MODE=demo TALLY_DATA_DIR=${tally.dataDir} npx tally worklogs export --tenant ${tally.tenantId} | head -3`,
  ].join('\n');
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
  process.stdout.write('Tally demo — a simulated Jira Cloud site installs Tally through the signed Connect lifecycle.\n');
  process.stdout.write('(The sync and the report page join the demo with the next issues.)\n\n');
  const running = await startSimulator(options);
  process.stdout.write(`${describeSimulator(running)}\n\n`);
  const tally = await startDemoTally(running);
  process.stdout.write(`${await describeTally(tally, running)}\n\n`);
  const result = await readBack(running);
  const hours = (result.seconds / 3600).toFixed(1);
  process.stdout.write(
    `Read back ${result.worklogs} worklogs (${hours} hours logged) in ${result.requests} requests, ` +
      `${Math.round(result.ms)} ms, through /worklog/updated + /worklog/list as the site admin (who also sees the restricted worklogs the app user may not).\n`,
  );
  if (once) {
    await tally.close();
    await running.close();
    return;
  }
  process.stdout.write('\nServing until Ctrl-C.\n');
  const stop = () => {
    void tally.close().then(() => running.close()).then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

await main();
