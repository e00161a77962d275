import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresAvailable } from '../support/postgres.js';
import { TEST_POSTGRES_ADMIN_URL } from '../support/postgres-url.js';

const run = promisify(execFile);

type Failure = { code: number; stdout: string; stderr: string };

async function databasesNamed(names: readonly string[]): Promise<string[]> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_ADMIN_URL, application_name: 'tally-test-inspect' });
  await client.connect();
  try {
    return (await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname = ANY($1)', [names])).rows.map((row) => row.datname);
  } finally {
    await client.end();
  }
}

describe('npm run demo -- --store postgres --instances N', () => {
  it.skipIf(!postgresAvailable())('runs three instances on PostgreSQL, shows which instance synced which site, serves the page, and drops every database it made', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'demo/demo.ts', '--store', 'postgres', '--instances', '3', '--sites', '3', '--worklogs', '600', '--seed', '5', '--once'], {
      timeout: 120_000,
      env: { ...process.env, NO_COLOR: '1', DATABASE_URL: TEST_POSTGRES_ADMIN_URL },
    });
    const database = /a fresh database (tally_demo_[0-9a-f]{16})/.exec(stdout)?.[1];
    expect(database).toBeDefined();
    expect(stdout).toContain('3 Tally instances in this process');
    expect(stdout).toMatch(/tally-1: http:\/\/127\.0\.0\.1:\d+\n {2}tally-2: http:\/\/127\.0\.0\.1:\d+\n {2}tally-3: http:\/\/127\.0\.0\.1:\d+/);
    expect(stdout).toMatch(/All 3 sites fully synchronised in [\d.]+ s/);
    // One line per site: its tenant, its own database, and the instance(s) whose Jira calls synced it.
    const sites = [...stdout.matchAll(/ {2}http:\/\/127\.0\.0\.1:\d+ \(tenant t_[0-9a-f]{24}, database (tally_t_[0-9a-f]{24})\): (tally-\d) \((\d+) Jira calls\)/g)];
    expect(sites).toHaveLength(3);
    for (const site of sites) expect(Number(site[3])).toBeGreaterThan(0);
    expect(stdout).toContain('Report page answered 200 (with a session token).');
    expect(stdout).toContain(`Dropped ${database} and the sites' databases.`);
    expect(await databasesNamed([database!, ...sites.map((site) => site[1]!)])).toEqual([]);
  });

  it('says clearly when PostgreSQL is not reachable', async () => {
    const failure = await run(process.execPath, ['--import', 'tsx', 'demo/demo.ts', '--store', 'postgres', '--instances', '2', '--once'], {
      timeout: 60_000,
      env: { ...process.env, NO_COLOR: '1', DATABASE_URL: 'postgres://postgres@127.0.0.1:1/postgres' },
    }).catch((error: Failure) => error);
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as Failure).stderr).toContain('demo: PostgreSQL is not reachable at 127.0.0.1:1');
  });

  it('explains flags that need PostgreSQL or name an unknown store', async () => {
    for (const [args, message] of [
      [['--instances', '3'], '--instances and --sites need --store postgres'],
      [['--store', 'mysql'], '--store must be sqlite or postgres, got "mysql"'],
    ] as const) {
      const failure = await run(process.execPath, ['--import', 'tsx', 'demo/demo.ts', ...args], { timeout: 30_000 }).catch((error: Failure) => error);
      expect(failure).toMatchObject({ code: 2 });
      expect((failure as Failure).stderr).toContain(message);
    }
  });
});
