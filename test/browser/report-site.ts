/**
 * A simulated Jira site and Tally, both on real loopback HTTP, with Tally installed through the
 * signed Connect lifecycle and its full sync finished — what the report page needs to be opened
 * the way Jira opens it. Expectations are computed from the simulator's own records, never from
 * Tally's answers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createSimulator, type Simulator } from '../../simulator/create-simulator.js';
import { textToAdf } from '../../simulator/jira/adf.js';
import { loadConfig } from '../../src/config/load-config.js';
import { startServer, type RunningServer } from '../../src/main.js';
import { findFreePort } from '../../src/platform/free-port.js';
import { visibleSetOf } from '../support/site-expectations.js';
import { contextToken } from '../support/tally-tokens.js';

/** A worklog a browser test looks at, reduced to what reports group by. */
export interface ExpectedWorklog {
  id: number;
  seconds: number;
  workDate: string;
  projectId: string;
  accountId: string;
}

export interface ReportSite {
  sim: Simulator;
  simUrl: string;
  tally: RunningServer;
  appKey: string;
  clientKey: string;
  sharedSecret: string;
  /** The account the simulated Jira opens pages as (its first site admin). */
  viewerAccountId: string;
  /** A context token as `AP.context.getToken()` would give the page. */
  contextToken(): string;
  /** Every worklog Tally should hold whose work date in `timeZone` is within the range. */
  expectedWorklogs(range: { from: string; to: string }, timeZone: string): ExpectedWorklog[];
  close(): Promise<void>;
}

/** `YYYY-MM-DD` of an instant in a zone, by the platform's own time-zone data. */
export function calendarDateIn(instantMs: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(instantMs));
}

/** Polls `check` until it answers true; on timeout the error says what the last answer was. */
async function waitFor(what: string, check: (note: (text: string) => void) => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  const note = (text: string) => {
    last = text;
  };
  while (!(await check(note))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last answer: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Starts the pair, installs Tally and waits until its full sync has finished. `worklogs` sets
 * the generated history (two years, ending two hours ago).
 */
export async function startReportSite(options: { worklogs: number; seed: number }): Promise<ReportSite> {
  const sim = createSimulator({ clock: 'real', generate: { worklogs: options.worklogs, seed: options.seed } });
  const simServer = await sim.listen();
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-browser-'));
  const port = await findFreePort();
  const config = loadConfig({
    TALLY_BASE_URL: `http://127.0.0.1:${port}`,
    PORT: String(port),
    TALLY_SECRET_KEY: randomBytes(32).toString('base64'),
    TALLY_DATA_DIR: dataDir,
    TALLY_INSTALL_KEYS_URL: sim.connect.installKeysUrl,
    // Connect user impersonation (log work as the viewer) exchanges its tokens with the simulator, never Atlassian.
    TALLY_ATLASSIAN_OAUTH_URL: simServer.url,
    TALLY_ALLOWED_HOSTS: '127.0.0.1',
    TALLY_LOG_LEVEL: 'silent',
  });
  const tally = await startServer(config, { hostname: '127.0.0.1' });
  const close = async () => {
    await tally.close();
    await simServer.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const installed = await sim.connect.install(`${tally.url}/atlassian-connect.json`);
    if (!installed.ok) throw new Error(`the simulated site could not install Tally: ${installed.status} ${installed.reason}`);
    const viewer = sim.generated?.admin;
    if (!viewer) throw new Error('the simulator generated no admin');
    const token = () => contextToken({ clientKey: installed.clientKey, sharedSecret: installed.sharedSecret, nowMs: Date.now(), accountId: viewer.accountId });
    await waitFor(
      "Tally's full sync",
      async (note) => {
        const response = await fetch(`${tally.url}/api/sync/status`, { headers: { authorization: `JWT ${token()}` } });
        const body = await response.text();
        note(`${response.status} ${body.slice(0, 300)}`);
        return response.ok && (JSON.parse(body) as { phase: string }).phase === 'incremental';
      },
      90_000,
    );
    return {
      sim,
      simUrl: simServer.url,
      tally,
      appKey: config.appKey,
      clientKey: installed.clientKey,
      sharedSecret: installed.sharedSecret,
      viewerAccountId: viewer.accountId,
      contextToken: token,
      expectedWorklogs(range, timeZone) {
        return visibleSetOf(sim, config.appKey).flatMap((visible) => {
          const worklog = sim.site.worklogs.get(visible.clientWorklogId);
          const issue = worklog && sim.site.issues.get(worklog.issueId);
          if (!worklog || !issue) return [];
          const workDate = calendarDateIn(worklog.startedMs, timeZone);
          if (workDate < range.from || workDate > range.to) return [];
          return [{ id: worklog.id, seconds: worklog.timeSpentSeconds, workDate, projectId: issue.projectId, accountId: worklog.authorId }];
        });
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Logs a worklog with `comment` on an issue every user may browse, as someone on the site, and
 * waits until Tally holds it (the worklog webhook makes it re-read the worklog at once).
 */
export async function logWorklogWithComment(site: ReportSite, comment: string, timeSpentSeconds: number): Promise<number> {
  const { site: jira } = site.sim;
  const openProjects = new Set([...jira.projects.values()].filter((project) => project.browsers === undefined).map((project) => project.id));
  const issue = [...jira.issues.values()].find((candidate) => candidate.timeTrackingEnabled && openProjects.has(candidate.projectId));
  const author = [...jira.users.values()].find((user) => user.active && user.accountType === 'atlassian' && !user.siteAdmin);
  if (!issue || !author) throw new Error('the generated site has no open issue or no active user');
  const worklog = jira.createWorklog({ issueId: issue.id, authorId: author.accountId, comment: textToAdf(comment), startedMs: jira.clock.now() - 60_000, timeSpentSeconds });
  const day = calendarDateIn(worklog.startedMs, 'UTC');
  const question = { from: day, to: day, timeZone: 'UTC', groupBy: [], issues: [String(issue.id)] };
  await waitFor(
    `worklog ${worklog.id} in Tally`,
    async (note) => {
      const response = await fetch(`${site.tally.url}/api/reports/details`, {
        method: 'POST',
        headers: { authorization: `JWT ${site.contextToken()}`, 'content-type': 'application/json' },
        body: JSON.stringify(question),
      });
      const body = await response.text();
      note(`${response.status} ${body.slice(0, 300)}`);
      if (!response.ok) return false;
      const page = JSON.parse(body) as { rows: { worklogId: number }[] };
      return page.rows.some((row) => row.worklogId === worklog.id);
    },
    30_000,
  );
  return worklog.id;
}
