import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../config/load-config.js';
import { createManualClock } from '../../platform/clock.js';
import { listCatalogueDrift } from '../../privacy/data-statement/data-statement.js';
import { introspectControlSchema } from '../../privacy/data-statement/introspect-schema.js';
import { createControlDbTarget, controlDialects } from '../../tenants/control-db-test-kit.js';
import { accessLinkCommand, SITE_ACCESS_CATALOGUE, SITE_ACCESS_MIGRATIONS } from './site-access.js';
import { createSiteAccessStore } from './site-access-store.js';
import { bufferedIo, useSiteAccessDb } from './site-access-test-kit.js';

const START_MS = Date.UTC(2026, 2, 2, 9, 0, 0);

function siteConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    TALLY_BASE_URL: 'http://127.0.0.1:4100',
    TALLY_JIRA_SITE: 'https://acme.atlassian.net',
    TALLY_JIRA_EMAIL: 'ops@acme.test',
    TALLY_JIRA_API_TOKEN: 'api-token-for-tests',
    TALLY_LOG_LEVEL: 'silent',
    ...overrides,
  });
}

const LINK = /^http:\/\/127\.0\.0\.1:4100\/site\/access\?key=([A-Za-z0-9_-]{43})$/;

describe.each(controlDialects)('tally access-link (%s)', (dialect) => {
  const db = useSiteAccessDb(dialect);
  const clock = createManualClock(START_MS);

  async function run(args: string[], config: Config = siteConfig()) {
    const io = bufferedIo();
    const code = await accessLinkCommand.run(args, { config, clock, io, openControl: db.reopen });
    const link = io.out().split('\n')[0] ?? '';
    return { code, out: io.out(), err: io.err(), link, key: LINK.exec(link)?.[1] };
  }

  const keyRows = () => db.control().db.selectFrom('site_access_keys' as never).selectAll().execute() as Promise<{ key_hash: string; created_at_ms: number }[]>;

  it('prints a sign-in link under the base URL and says it grants the page to whoever holds it', async () => {
    const result = await run([]);
    expect(result.code).toBe(0);
    expect(result.key).toBeDefined();
    expect(result.out).toMatch(/opens Tally's time reports for whoever holds it, showing what the API token's account sees/);
    expect(result.out).toContain('per-viewer Jira permissions need the Forge app');
    expect(result.err).toBe('');
  });

  it('keeps only a SHA-256 of the key: no row holds the key itself', async () => {
    const { key } = await run([]);
    const rows = await keyRows();
    expect(rows).toEqual([{ key_hash: createHash('sha256').update(key ?? '').digest('base64url'), created_at_ms: START_MS }]);
    expect(JSON.stringify(rows)).not.toContain(key);
  });

  it('leaves earlier links working when it mints a new one', async () => {
    const first = await run([]);
    const second = await run([]);
    expect(second.key).not.toBe(first.key);
    const store = createSiteAccessStore({ db: db.control().db, clock });
    expect(await store.isAccessKey(first.key)).toBe(true);
    expect(await store.isAccessKey(second.key)).toBe(true);
  });

  it('with --rotate ends every earlier link and signed-in browser, then prints a new link', async () => {
    const store = createSiteAccessStore({ db: db.control().db, clock });
    const first = await run([]);
    const second = await run([]);
    const session = await store.startSession();
    const rotated = await run(['--rotate']);
    expect(rotated.code).toBe(0);
    expect(rotated.out).toContain('Rotated: 2 earlier link(s) and 1 signed-in browser(s) no longer work.');
    expect(await store.isAccessKey(first.key)).toBe(false);
    expect(await store.isAccessKey(second.key)).toBe(false);
    expect(await store.findSession(session.sessionId)).toBeUndefined();
    expect(await store.isAccessKey(rotated.key)).toBe(true);
    expect(await keyRows()).toHaveLength(1);
  });

  it('refuses other arguments with exit 2 and mints nothing', async () => {
    for (const args of [['--rotat'], ['--rotate', '--rotate'], ['now']]) {
      const result = await run(args);
      expect(result.code).toBe(2);
      expect(result.out).toBe('');
      expect(result.err).toMatch(/Usage:\n {2}access-link \[--rotate\]/);
    }
    expect(await keyRows()).toEqual([]);
  });

  it('says the link works only once the site edge is on when TALLY_JIRA_SITE is unset', async () => {
    const result = await run([], loadConfig({ TALLY_MODE: 'demo', TALLY_BASE_URL: 'http://127.0.0.1:4100', TALLY_LOG_LEVEL: 'silent' }));
    expect(result.code).toBe(0);
    expect(result.key).toBeDefined();
    expect(result.err).toMatch(/TALLY_JIRA_SITE is not set/);
  });
});

describe('site access tables in the data statement', () => {
  it.each(controlDialects)('describes every table, column and index the migration creates (%s)', async (dialect) => {
    const target = await createControlDbTarget(dialect);
    try {
      const schema = await introspectControlSchema({ ownedMigrations: SITE_ACCESS_MIGRATIONS, ...(dialect === 'postgres' && 'databaseUrl' in target.options ? { databaseUrl: target.options.databaseUrl } : {}) });
      const ours = { ...schema, tables: schema.tables.filter((table) => table.name in SITE_ACCESS_CATALOGUE) };
      expect(ours.tables.map((table) => table.name).sort()).toEqual(Object.keys(SITE_ACCESS_CATALOGUE).sort());
      expect(listCatalogueDrift('control database', SITE_ACCESS_CATALOGUE, ours)).toEqual([]);
    } finally {
      await target.remove();
    }
  });
});
