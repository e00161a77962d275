import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('npm run demo', () => {
  it('installs Tally on the simulated site, syncs it fully, delivers a webhook and serves the report page', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'demo/demo.ts', '--once', '--worklogs', '800', '--seed', '3'], {
      timeout: 60_000,
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(stdout).toMatch(/Simulated Jira Cloud site at http:\/\/127\.0\.0\.1:\d+/);
    expect(stdout).toMatch(/installed by the simulated site: tenant t_[0-9a-f]{24}/);
    expect(stdout).toMatch(/webhook received: worklog_created for worklog \d+/);
    const synced = /full synchronisation: (\d+) worklogs in [\d.]+ s \(phase: incremental\)/.exec(stdout);
    expect(Number(synced?.[1])).toBeGreaterThan(700);
    expect(stdout).toMatch(/http:\/\/127\.0\.0\.1:\d+\/plugins\/servlet\/ac\/io\.tally\.time-reports\/tally-reports/);
    expect(stdout).toContain('Report page answered 200 (with a session token)');
    // The Bitbucket app: installed into a simulated workspace, paired through both pages, its panel showing time.
    expect(stdout).toMatch(/pull request #\d+ mentions [A-Z][A-Z0-9]+-\d+, [A-Z][A-Z0-9]+-\d+, [A-Z][A-Z0-9]+-\d+ in its branch, title and commits: panel answered 200, \d+\.\d h logged/);
    expect(stdout).toMatch(/http:\/\/127\.0\.0\.1:\d+\/tally-demo\/tally-service\/pull-requests\/\d+\?module=tally-pull-request-time&as=/);
    expect(stdout).toContain('pull-request panel answered 200 (with time per issue)');
  });

  it('runs Tally for "your own site" with an API token, and the printed access link opens the page (--site)', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'demo/demo.ts', '--site', '--once', '--worklogs', '800', '--seed', '3'], {
      timeout: 60_000,
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(stdout).toContain('edges on: jira-site;');
    const synced = /full synchronisation: (\d+) worklogs in [\d.]+ s \(phase: incremental\)/.exec(stdout);
    expect(Number(synced?.[1])).toBeGreaterThan(700);
    expect(stdout).toMatch(/signed admin webhook received: worklog_created for worklog \d+/);
    expect(stdout).toMatch(/http:\/\/127\.0\.0\.1:\d+\/site\/access\?key=[A-Za-z0-9_-]{20,}/);
    expect(stdout).toContain("Report page answered 200 with the access link's session (page with its token), 401 without it.");
    // The token is shown masked, never whole.
    expect(stdout).toMatch(/TALLY_JIRA_API_TOKEN=.{4}…/);
  });

  it('explains a bad flag instead of crashing', async () => {
    const failure = await run(process.execPath, ['--import', 'tsx', 'demo/demo.ts', '--worklogs', 'many'], { timeout: 30_000 }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toContain('--worklogs must be a whole number');
  });
});
