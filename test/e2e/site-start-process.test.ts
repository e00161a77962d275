import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSelfHostedTestbed, type SelfHostedTestbed } from '../../simulator/testing/self-hosted-testbed.js';

/**
 * `npm start` for your own site, as a process: `src/main.ts serve` (what `npm start` and
 * `npx tally serve` run) with only the TALLY_JIRA_* variables and a data directory — no secret
 * key, no public URL. A good token serves and names the edge that is on; a token lacking a scope
 * stops start-up with exit 2 and a message naming the scope, and never prints the token.
 */

let bed: SelfHostedTestbed;
let simUrl: string;
let closeSim: () => Promise<void>;
const dirs: string[] = [];

beforeAll(async () => {
  bed = createSelfHostedTestbed({ clock: 'real', startMs: Date.now() });
  bed.logWork(bed.alice);
  const server = await bed.sim.listen();
  simUrl = server.url;
  closeSim = server.close;
});

afterAll(async () => {
  await closeSim?.();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Runs `src/main.ts serve` until `until` matches its output or it exits; then stops it. */
function serve(token: string, until: RegExp): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-site-process-'));
  dirs.push(dataDir);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    PORT: '0',
    TALLY_DATA_DIR: dataDir,
    TALLY_JIRA_SITE: simUrl,
    TALLY_JIRA_API_GATEWAY_URL: simUrl,
    TALLY_JIRA_EMAIL: bed.alice.emailAddress ?? '',
    TALLY_JIRA_API_TOKEN: token,
    TALLY_LOG_LEVEL: 'warn',
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const check = () => {
      if (until.test(stdout + stderr)) child.kill('SIGTERM');
    };
    child.stdout.on('data', (chunk) => ((stdout += String(chunk)), check()));
    child.stderr.on('data', (chunk) => ((stderr += String(chunk)), check()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('npm start for your own Jira site', () => {
  it('serves with the site edge on, with neither TALLY_SECRET_KEY nor TALLY_BASE_URL', { timeout: 60_000 }, async () => {
    const token = bed.sim.site.createApiToken({ accountId: bed.alice.accountId, kind: 'classic' });
    const { stdout, stderr } = await serve(token, /jira-site: /);
    expect(stdout).toMatch(/Tally serving at http:\/\/127\.0\.0\.1:\d+ with the edge jira-site/);
    expect(stdout + stderr).not.toContain(token);
  });

  it('stops with exit 2 and names the scope a scoped token lacks', { timeout: 60_000 }, async () => {
    const token = bed.sim.site.createApiToken({ accountId: bed.alice.accountId, kind: 'scoped', scopes: ['read:jira-work'] });
    const { code, stdout, stderr } = await serve(token, /a^/);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^tally: .*read:jira-user/m);
    expect(stdout).not.toContain('Tally serving');
    expect(stdout + stderr).not.toContain(token);
  });
});
