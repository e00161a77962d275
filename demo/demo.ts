/**
 * `npm run demo`: the main job, offline, on the embedded default. Starts a simulated Jira Cloud
 * site (about 200,000 worklogs, 150 users, 5,000 issues unless flags say otherwise), builds the
 * report page when needed, starts Tally in demo mode, lets the site install it through the signed
 * Connect lifecycle, shows the full synchronisation with a progress bar, shows a webhook reaching
 * Tally, and prints the URL of the report page. Serves until Ctrl-C; `--once` exits after
 * checking that the page answers (for scripts and tests). `--store postgres --instances N`: several
 * instances on PostgreSQL and several sites instead (demo/multi-instance.ts). Other flags are the
 * simulator's.
 */
import { parseSimulatorArgs, SIMULATOR_USAGE, type SimulatorCliOptions } from '../simulator/cli-options.js';
import { describeSimulator, startSimulator, type RunningSimulator } from '../simulator/start-simulator.js';
import { ensureWebBuilt } from '../scripts/build-web.js';
import { describeSyncStatus } from '../src/sync/sync-status.js';
import { startDemoTally, type DemoTally } from './demo-install.js';
import { startSiteDemoTally } from './site-demo-install.js';
import { renderProgress } from '../src/cli/sync-progress.js';
import { installBitbucketDemo, startDemoBitbucket, type DemoBitbucket } from './bitbucket-demo-install.js';
import { runMultiInstanceDemo } from './multi-instance.js';
import { MULTI_INSTANCE_DEFAULTS, parseScaleArgs } from './scale-args.js';
import { DemoDatabaseError, LOCAL_POSTGRES_URL } from './demo-database.js';

/** The demo site's size when no flag says otherwise (the issue's "about 200,000 worklogs"). */
const DEMO_DEFAULTS = { worklogs: 200_000, users: 150, issues: 5_000 };
/**
 * The demo site grants a Tier-2-like quota so its full sync takes seconds. Under the 2026 Tier 1
 * quota (65,000 points an hour for the whole app) the same sync would take about 6 hours, which
 * Tally's ETA would say.
 */
const DEMO_POINTS_PER_HOUR = 5_000_000;

function withDemoDefaults(argv: string[], options: SimulatorCliOptions): SimulatorCliOptions {
  const given = (flag: string) => argv.some((arg) => arg === `--${flag}` || arg.startsWith(`--${flag}=`));
  return {
    ...options,
    worklogs: given('worklogs') ? options.worklogs : DEMO_DEFAULTS.worklogs,
    users: given('users') ? options.users : DEMO_DEFAULTS.users,
    issues: given('issues') ? options.issues : DEMO_DEFAULTS.issues,
  };
}

/** Follows the full sync the install started, drawing the progress bar until it is done. */
async function followFullSync(tally: DemoTally): Promise<number> {
  const started = performance.now();
  const { tally: composed } = tally.server;
  const store = await composed.stores.open(tally.tenantId);
  const interactive = process.stdout.isTTY === true;
  let last = '';
  for (;;) {
    const state = await store.getSyncState();
    const line = renderProgress(describeSyncStatus(state, Date.now(), DEMO_POINTS_PER_HOUR));
    if (interactive) process.stdout.write(`\r  ${line}`);
    else if (line !== last && state.phase === 'incremental') process.stdout.write(`  ${line}\n`);
    last = line;
    if (state.phase === 'incremental') break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (interactive) process.stdout.write('\n');
  await composed.queue.idle();
  return (performance.now() - started) / 1000;
}

/** A worklog created on the site reaches Tally as a webhook. */
async function showWebhook(tally: DemoTally, running: RunningSimulator): Promise<string> {
  const received = new Promise<string>((resolve) => {
    const off = tally.server.events.on('worklogWebhook', (hint) => {
      off();
      resolve(`${hint.event} for worklog ${hint.worklogId}`);
    });
    setTimeout(() => resolve('no webhook within 5 s'), 5000).unref();
  });
  const { site } = running.sim;
  const issue = [...site.issues.values()][0];
  const author = running.sim.generated?.users[0];
  if (issue && author) site.createWorklog({ issueId: issue.id, authorId: author.accountId, comment: undefined, startedMs: site.clock.now(), timeSpentSeconds: 1800 });
  return received;
}

/** The Bitbucket Cloud app: a workspace whose pull requests name the site's issues, installed and paired. */
async function showBitbucket(bitbucket: DemoBitbucket, running: RunningSimulator, tally: DemoTally) {
  process.stdout.write(`\nTally for Bitbucket Cloud — a simulated workspace at ${bitbucket.url}:\n`);
  const installed = await installBitbucketDemo(bitbucket, running, { url: tally.server.url, appKey: tally.server.tally.config.appKey });
  process.stdout.write(`  installed the Bitbucket Connect app (descriptor ${tally.server.url}/bitbucket/atlassian-connect.json), confirmed with one signed call to Bitbucket\n`);
  process.stdout.write(`  paired with the Jira site: a pairing code from Tally's Jira admin page, entered on the workspace's configure page\n`);
  process.stdout.write(`  pull request #${installed.pullRequestId} mentions ${installed.keys.join(', ')} in its branch, title and commits: ${installed.check}\n`);
  process.stdout.write(`Pull-request panel (opens as the site admin, the way Bitbucket's iframe would load it):\n  ${installed.panelUrl}\n`);
  process.stdout.write(`  repository page: ${installed.repositoryUrl}\n  configure page (link, unlink): ${installed.configureUrl}\n`);
  return installed;
}

/** `--once`: prints what `checkPage` found and stops both; otherwise serves until Ctrl-C. */
async function finish(once: boolean, tally: DemoTally, running: RunningSimulator, checkPage: () => Promise<string>): Promise<void> {
  if (once) {
    process.stdout.write(`${await checkPage()}\n`);
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

/** Checks that the page answers through the access link: the cookie it sets opens `/`. */
async function openWithAccessLink(accessLink: string, tallyUrl: string): Promise<string> {
  const signIn = await fetch(accessLink, { redirect: 'manual' });
  const cookie = signIn.headers.get('set-cookie')?.split(';')[0];
  if (!cookie) return `the access link answered ${signIn.status} without a session`;
  const page = await fetch(`${tallyUrl}/`, { headers: { cookie } });
  const body = await page.text();
  const without = await fetch(`${tallyUrl}/`);
  return `Report page answered ${page.status} with the access link's session (${body.includes('tally-token') ? 'page with its token' : 'no token'}), ${without.status} without it.`;
}

/** `npm run demo -- --site`: the simulator as a team's own site, Tally on it with an API token. */
async function runSiteDemo(running: RunningSimulator, once: boolean): Promise<void> {
  const tally = await startSiteDemoTally(running, { pointsPerHour: DEMO_POINTS_PER_HOUR });
  process.stdout.write(`Tally for your own site at ${tally.server.url}, started as a team would:\n`);
  for (const [key, value] of Object.entries(tally.env).filter(([key]) => key.startsWith('TALLY_JIRA_'))) process.stdout.write(`  ${key}=${value}\n`);
  process.stdout.write(`  edges on: ${tally.server.tally.edges.map((edge) => edge.id).join(', ')}; the API token is read from the environment, never stored\n`);
  process.stdout.write('  full synchronisation into the site\'s own SQLite database:\n');
  const seconds = await followFullSync(tally);
  const count = await (await tally.server.tally.stores.open(tally.tenantId)).countWorklogs();
  process.stdout.write(`  full synchronisation: ${count} worklogs in ${seconds.toFixed(1)} s (phase: incremental)\n`);
  process.stdout.write(`  signed admin webhook received: ${await showWebhook(tally, running)}\n\n`);
  process.stdout.write(`Sign in to the report page with the link \`npx tally access-link\` printed:\n  ${tally.accessLink}\n`);
  process.stdout.write(`What Tally stores, and how it deletes it: ${tally.server.url}/data-statement\n`);
  await finish(once, tally, running, () => openWithAccessLink(tally.accessLink, tally.server.url));
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const once = argv.includes('--once');
  const site = argv.includes('--site');
  const usage = `${SIMULATOR_USAGE.replace('npm run simulator', 'npm run demo')}  --once           exit once the report page answers\n` +
    '  --site           run Tally for "your own site" with an API token (the site edge) instead of as a Connect app\n' +
    '  --store S        sqlite (default: the embedded default) or postgres: several sites and instances on the local\n' +
    '                   PostgreSQL (or DATABASE_URL\'s server), in a fresh database dropped on exit\n' +
    `  --instances N    Tally instances with --store postgres (default ${MULTI_INSTANCE_DEFAULTS.instances}), behind one load balancer\n` +
    `  --sites N        simulated sites with --store postgres (default ${MULTI_INSTANCE_DEFAULTS.sites}); --worklogs is then per site (default ${MULTI_INSTANCE_DEFAULTS.worklogs})\n` +
    `(demo defaults: --worklogs ${DEMO_DEFAULTS.worklogs} --users ${DEMO_DEFAULTS.users} --issues ${DEMO_DEFAULTS.issues})\n`;
  let options;
  let scale;
  try {
    scale = parseScaleArgs(argv.filter((arg) => arg !== '--once' && arg !== '--site'));
    options = parseSimulatorArgs(scale.rest);
    if (scale.store === 'postgres' && site) throw new Error('--site runs the embedded default; leave out --store postgres');
  } catch (error) {
    process.stderr.write(`demo: ${(error as Error).message}\n\n${usage}`);
    process.exitCode = 2;
    return;
  }
  if (options.help) {
    process.stdout.write(usage);
    return;
  }
  if (scale.store === 'postgres') {
    const given = (flag: string) => argv.some((arg) => arg === `--${flag}` || arg.startsWith(`--${flag}=`));
    process.stdout.write('Tally demo — several Tally instances on PostgreSQL share the syncs of several simulated Jira Cloud sites.\n\n');
    const build = await ensureWebBuilt();
    if (build.status === 'built') process.stdout.write(`Built the report page (web/dist: ${build.reason}).\n\n`);
    try {
      process.exitCode = await runMultiInstanceDemo({
        instances: scale.instances,
        sites: scale.sites,
        worklogsPerSite: given('worklogs') ? options.worklogs : MULTI_INSTANCE_DEFAULTS.worklogs,
        seed: options.seed,
        once,
        serverUrl: process.env.DATABASE_URL ?? LOCAL_POSTGRES_URL,
        pointsPerHour: DEMO_POINTS_PER_HOUR,
      });
    } catch (error) {
      if (!(error instanceof DemoDatabaseError)) throw error;
      process.stderr.write(`demo: ${error.message}\n`);
      process.exitCode = 2;
    }
    return;
  }
  options = withDemoDefaults(argv, options);
  process.stdout.write('Tally demo — a simulated Jira Cloud site installs Tally, Tally synchronises it, and the report page opens.\n\n');
  const build = await ensureWebBuilt();
  if (build.status === 'built') process.stdout.write(`Built the report page (web/dist: ${build.reason}).\n\n`);
  const running = await startSimulator(options, { rateLimits: { quota: { pointsPerHour: DEMO_POINTS_PER_HOUR } } });
  process.stdout.write(`${describeSimulator(running)}\n\n`);
  if (site) {
    await runSiteDemo(running, once);
    return;
  }
  // Tally accepts an unsigned first Bitbucket install only from Bitbucket's own URL: here the simulator's.
  const bitbucket = await startDemoBitbucket();
  const tally = await startDemoTally(running, { pointsPerHour: DEMO_POINTS_PER_HOUR, env: { TALLY_BITBUCKET_BASE_URLS: bitbucket.url } });
  process.stdout.write(`Tally at ${tally.server.url} (demo mode; descriptor at ${tally.server.url}/atlassian-connect.json)\n`);
  process.stdout.write(`  installed by the simulated site: tenant ${tally.tenantId}; its shared secret is stored encrypted (AES-256-GCM)\n`);
  process.stdout.write('  full synchronisation into the tenant\'s own SQLite database:\n');
  const seconds = await followFullSync(tally);
  const store = await tally.server.tally.stores.open(tally.tenantId);
  const count = await store.countWorklogs();
  process.stdout.write(`  full synchronisation: ${count} worklogs in ${seconds.toFixed(1)} s (phase: incremental)\n`);
  process.stdout.write(`  webhook received: ${await showWebhook(tally, running)}\n`);
  process.stdout.write(`  while the demo runs: TALLY_MODE=demo TALLY_DATA_DIR=${tally.dataDir} npx tally worklogs export --tenant ${tally.tenantId} | head -3\n\n`);

  const pageUrl = `${running.url}/plugins/servlet/ac/${tally.server.tally.config.appKey}/tally-reports`;
  process.stdout.write(`Report page (opens as the site admin, the way Jira's iframe would load it):\n  ${pageUrl}\n`);
  process.stdout.write(`  as another user: ${pageUrl}?as=<accountId>\n`);
  process.stdout.write(`  Log work and the timer write to Jira as the viewer (Connect's user impersonation); Jira's issue view has them as a panel:\n`);
  const panelIssue = [...running.sim.site.issues.values()][0];
  if (panelIssue) process.stdout.write(`  ${running.url}/plugins/servlet/ac/${tally.server.tally.config.appKey}/tally-issue-panel?issue=${panelIssue.key}\n`);
  process.stdout.write(`Admin page (sync progress, webhook lag, reconciliation, backups; site admins only):\n  ${running.url}/plugins/servlet/ac/${tally.server.tally.config.appKey}/tally-admin\n`);
  const bb = await showBitbucket(bitbucket, running, tally);
  process.stdout.write(`What Tally stores, and how it deletes it: ${tally.server.url}/data-statement\n`);
  const closeAll = { ...tally, close: async () => (await tally.close(), await bitbucket.close()) };
  await finish(once, closeAll, running, async () => {
    const page = await fetch(pageUrl);
    const panel = await fetch(bb.panelUrl);
    return `Report page answered ${page.status} (${(await page.text()).includes('tally-token') ? 'with a session token' : 'without a session token'}); ` +
      `pull-request panel answered ${panel.status} (${(await panel.text()).includes('Time per issue') ? 'with time per issue' : 'without time'}).`;
  });
}

await main();
