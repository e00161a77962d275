/**
 * The demo's Bitbucket part: a simulated Bitbucket Cloud workspace whose pull requests mention the
 * demo site's issues, Tally's Bitbucket Connect app installed into it, and the workspace paired
 * with the Jira site — every step through the same HTTP a person's browser would use: the Jira
 * admin page's session token creates the pairing code, the workspace's configure page form
 * redeems it. Only the content of the workspace is made directly in the simulator.
 */
import { createBitbucketSimulator, type BitbucketSimulator } from '../simulator/bitbucket/create-bitbucket-simulator.js';
import { createPullRequestMentioning } from '../simulator/bitbucket/testing/pull-request-mentioning.js';
import type { RunningSimulator } from '../simulator/start-simulator.js';
import type { SimUser } from '../simulator/jira/jira-site.js';
import { findFreePort } from '../src/platform/free-port.js';

const WORKSPACE = 'tally-demo';
const REPOSITORY = 'tally-service';
/** The Bitbucket Connect descriptor's pull-request panel and configure page (src/edges/bitbucket-connect/descriptor.ts). */
const PANEL_MODULE = 'tally-pull-request-time';
const CONFIGURE_MODULE = 'tally-configure';
const DAY_MS = 86_400_000;

/** The simulated Bitbucket Cloud, listening on loopback: its URL is both Bitbucket's web and API base. */
export interface DemoBitbucket {
  bb: BitbucketSimulator;
  url: string;
  close(): Promise<void>;
}

/** Starts an empty simulated Bitbucket; Tally must know its URL (TALLY_BITBUCKET_BASE_URLS) before it starts. */
export async function startDemoBitbucket(): Promise<DemoBitbucket> {
  const port = await findFreePort();
  const url = `http://127.0.0.1:${port}`;
  const bb = createBitbucketSimulator({ clock: 'real', generate: false, baseUrl: url, htmlBaseUrl: url });
  const server = await bb.listen(port);
  return { bb, url, close: () => server.close() };
}

/** What the demo prints: where to open the panel and the repository page, and what the panel shows. */
export interface DemoBitbucketInstall {
  panelUrl: string;
  repositoryUrl: string;
  configureUrl: string;
  pullRequestId: number;
  keys: string[];
  /** The panel's own answer on first load (status, and the total it shows). */
  check: string;
}

/** The issues the demo's pull requests mention: the three with the most logged time, by different people. */
function busiestIssues(running: RunningSimulator): { keys: string[]; author: SimUser } {
  const { site } = running.sim;
  const seconds = new Map<number, number>();
  const byAuthor = new Map<string, number>();
  for (const worklog of site.worklogs.values()) {
    seconds.set(worklog.issueId, (seconds.get(worklog.issueId) ?? 0) + worklog.timeSpentSeconds);
    byAuthor.set(worklog.authorId, (byAuthor.get(worklog.authorId) ?? 0) + 1);
  }
  const top = [...seconds.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3);
  const keys = top.map(([issueId]) => site.issues.get(issueId)!.key);
  const authorId = [...byAuthor.entries()].sort((a, b) => b[1] - a[1])[0]![0];
  return { keys, author: site.users.get(authorId)! };
}

function siteAdmin(running: RunningSimulator): SimUser {
  const admin = [...running.sim.site.users.values()].find((user) => user.siteAdmin && user.accountType === 'atlassian' && user.active);
  if (!admin) throw new Error('the simulated site has no admin');
  return admin;
}

/** Follows a page host's redirect and returns the page's HTML (throws on anything but 200). */
async function openPage(url: string): Promise<string> {
  const response = await fetch(url);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${text.slice(0, 200)}`);
  return text;
}

/** A Jira admin creates a pairing code on Tally's Jira admin page (its session token, the page's own API call). */
async function createPairingCode(running: RunningSimulator, tallyUrl: string, appKey: string): Promise<string> {
  const adminPage = await openPage(`${running.url}/plugins/servlet/ac/${appKey}/tally-admin`);
  const token = /<meta name="tally-token" content="([^"]+)"/.exec(adminPage)?.[1];
  if (!token) throw new Error('the Jira admin page carried no session token');
  const response = await fetch(`${tallyUrl}/api/bitbucket/pairing-codes`, { method: 'POST', headers: { authorization: `JWT ${token}` } });
  const body = (await response.json()) as { code?: string };
  if (response.status !== 201 || !body.code) throw new Error(`creating a pairing code answered ${response.status}`);
  return body.code;
}

/** The workspace admin enters the code on the app's configure page (waits while the install is being confirmed). */
async function enterPairingCode(configureUrl: string, tallyUrl: string, code: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const response = await fetch(configureUrl);
    const page = await response.text();
    if (response.status === 409) {
      // Pending: Tally has not yet made its confirming call to Bitbucket with the new secret.
      await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    }
    const form = /<form method="post" action="([^"]*\/pair)">\s*<input type="hidden" name="token" value="([^"]+)">/.exec(page);
    if (!form) throw new Error(`the configure page has no pairing form (${response.status})`);
    const action = new URL(form[1]!.replace(/&amp;/g, '&'), tallyUrl);
    const sent = await fetch(action, { method: 'POST', body: new URLSearchParams({ token: form[2]!, code }) });
    if (sent.status !== 200) throw new Error(`entering the pairing code answered ${sent.status}`);
    return;
  }
  throw new Error('the Bitbucket installation stayed pending');
}

/**
 * Fills the workspace (three pull requests naming the demo site's busiest issues, one still open),
 * installs Tally's Bitbucket Connect app and pairs the workspace with the Jira tenant.
 */
export async function installBitbucketDemo(demo: DemoBitbucket, running: RunningSimulator, tally: { url: string; appKey: string }): Promise<DemoBitbucketInstall> {
  const { bb } = demo;
  const { keys, author } = busiestIssues(running);
  const admin = siteAdmin(running);
  const now = Date.now();
  // The same Atlassian account on both products: Tally matches the viewer to Jira by account id.
  const viewer = { accountId: admin.accountId, displayName: admin.displayName };
  const bbAuthor = { accountId: author.accountId, displayName: author.displayName };
  const merged = createPullRequestMentioning(bb, {
    workspace: WORKSPACE,
    repository: REPOSITORY,
    branchKeys: [keys[0]!],
    titleKeys: [keys[1]!],
    commitKeys: [[keys[0]!], [keys[2]!]],
    author: bbAuthor,
    openedAtMs: now - 30 * DAY_MS,
    closedAtMs: now - 2 * DAY_MS,
  });
  createPullRequestMentioning(bb, { workspace: WORKSPACE, repository: REPOSITORY, branchKeys: [keys[1]!], author: bbAuthor, openedAtMs: now - 3 * DAY_MS });
  createPullRequestMentioning(bb, { workspace: WORKSPACE, repository: REPOSITORY, titleKeys: [keys[2]!], author: viewer, openedAtMs: now - 10 * DAY_MS, closedAtMs: now - 9 * DAY_MS, state: 'DECLINED' });
  const viewerUuid = bb.model.findUserByRef(admin.accountId)!.uuid;

  const installed = await bb.connect.install(`${tally.url}/bitbucket/atlassian-connect.json`, { workspace: WORKSPACE, installer: viewerUuid });
  if (!installed.ok) throw new Error(`the simulated Bitbucket could not install Tally: ${installed.status} ${installed.reason ?? ''}`);

  const as = `as=${encodeURIComponent(admin.accountId)}`;
  const configureUrl = `${demo.url}/${WORKSPACE}/workspace/settings/addon/${CONFIGURE_MODULE}?${as}`;
  await enterPairingCode(configureUrl, tally.url, await createPairingCode(running, tally.url, tally.appKey));

  const panelUrl = `${demo.url}/${WORKSPACE}/${REPOSITORY}/pull-requests/${merged.pullRequest.id}?module=${PANEL_MODULE}&${as}`;
  const panel = await fetch(panelUrl);
  const html = await panel.text();
  // The panel's footer row: `<th scope="row">Total</th><td … data-seconds="…">`.
  const total = /<th scope="row">Total<\/th><td[^>]*data-seconds="(\d+)"/.exec(html);
  const seconds = total ? Number(total[1]) : undefined;
  return {
    panelUrl,
    repositoryUrl: `${demo.url}/${WORKSPACE}/${REPOSITORY}/addon/tally-repository-time?${as}`,
    configureUrl,
    pullRequestId: merged.pullRequest.id,
    keys,
    check: `panel answered ${panel.status}${seconds === undefined ? '' : `, ${(seconds / 3600).toFixed(1)} h logged on ${keys.join(', ')}`}`,
  };
}
