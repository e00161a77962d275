import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './load-config.js';
import { configKeys } from './config-schema.js';
import { isAppError } from '../platform/app-error.js';

const GOOD_KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 37 + 11) % 256)).toString('base64');

function configError(env: Record<string, string>) {
  try {
    loadConfig(env);
  } catch (error) {
    if (isAppError(error, 'CONFIG_INVALID')) return error;
    throw error;
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('loadConfig', () => {
  it('gives a demo configuration with defaults and no secrets', () => {
    const config = loadConfig({ TALLY_MODE: 'demo' });
    expect(config.mode).toBe('demo');
    expect(config.port).toBe(3000);
    expect(config.baseUrl).toBe('http://localhost:3000');
    expect(config.allowedHostSuffixes).toEqual(['.atlassian.net']);
    expect(config.backupDir).toBe('./data/backups');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('accepts a complete production configuration', () => {
    const config = loadConfig({
      TALLY_BASE_URL: 'https://tally.example.com/',
      TALLY_SECRET_KEY: GOOD_KEY,
      TALLY_ALLOWED_HOSTS: '.atlassian.net, .jira.com',
      PORT: '8080',
      TALLY_SYNC_INTERVAL_SECONDS: '120',
    });
    expect(config.baseUrl).toBe('https://tally.example.com');
    expect(config.secretKey?.length).toBe(32);
    expect(config.allowedHostSuffixes).toEqual(['.atlassian.net', '.jira.com']);
    expect(config.port).toBe(8080);
    expect(config.syncIntervalSeconds).toBe(120);
  });

  it('reports every problem at once', () => {
    const error = configError({ PORT: 'eighty', TALLY_SYNC_INTERVAL_SECONDS: '-5', TALLY_MODE: 'staging', DATABASE_URL: 'mysql://x' });
    const keys = error.details.map((line) => line.split(':')[0]);
    expect(keys).toEqual(expect.arrayContaining(['PORT', 'TALLY_SYNC_INTERVAL_SECONDS', 'TALLY_MODE', 'DATABASE_URL']));
    expect(error.details.length).toBeGreaterThanOrEqual(4);
  });

  it('refuses production without a secret key or base URL', () => {
    const error = configError({});
    expect(error.details.join('\n')).toMatch(/TALLY_SECRET_KEY: required/);
    expect(error.details.join('\n')).toMatch(/TALLY_BASE_URL: required/);
  });

  it('refuses a base URL with a path, or plain http to a public host in production', () => {
    const withPath = configError({ TALLY_BASE_URL: 'https://t.example.com/tally', TALLY_SECRET_KEY: GOOD_KEY });
    expect(withPath.details.join('\n')).toMatch(/TALLY_BASE_URL: must be an origin/);
    const plain = configError({ TALLY_BASE_URL: 'http://t.example.com', TALLY_SECRET_KEY: GOOD_KEY });
    expect(plain.details.join('\n')).toMatch(/TALLY_BASE_URL: must use https/);
    expect(loadConfig({ TALLY_BASE_URL: 'http://127.0.0.1:8080', TALLY_SECRET_KEY: GOOD_KEY }).baseUrl).toBe('http://127.0.0.1:8080');
  });

  it('refuses weak or malformed secret keys without echoing them', () => {
    for (const weak of ['0'.repeat(64), 'short', Buffer.alloc(32, 7).toString('base64')]) {
      const error = configError({ TALLY_BASE_URL: 'https://t.example.com', TALLY_SECRET_KEY: weak });
      expect(error.details.join('\n')).toMatch(/TALLY_SECRET_KEY: must be 32 random bytes/);
      expect(error.message).not.toContain(weak);
    }
  });

  it('accepts a random key as 64 hex characters or canonical base64', () => {
    const key = Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 53 + 5) % 256));
    for (const text of [key.toString('hex'), key.toString('hex').toUpperCase(), key.toString('base64'), `${key.toString('base64')}\n`]) {
      const config = loadConfig({ TALLY_BASE_URL: 'https://t.example.com', TALLY_SECRET_KEY: text });
      expect(config.secretKey?.equals(key), JSON.stringify(text)).toBe(true);
    }
  });

  it('refuses text that only decodes to 32 bytes because the decoder skips junk', () => {
    const key = Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 53 + 5) % 256));
    const base64 = key.toString('base64');
    const refused = [
      // 44 characters that Node's lenient base64 decoder turns into 32 bytes.
      'our-tally-production-key-for-acme-corp-2025!',
      // The same key with a stray character, without its padding, with padding doubled, split by a space.
      `${base64.slice(0, 20)}.${base64.slice(20)}`,
      base64.slice(0, -1),
      `${base64}=`,
      `${base64.slice(0, 22)} ${base64.slice(22)}`,
      // A non-canonical last character (its unused low bits set), and base64url.
      `${base64.slice(0, 42)}${base64[42] === 'A' ? 'B' : String.fromCharCode(base64.charCodeAt(42) | 1)}=`,
      key.toString('base64url'),
      // 64 hex characters with one that is not hex, and 66 hex characters.
      `${key.toString('hex').slice(0, 63)}g`,
      `${key.toString('hex')}00`,
    ];
    for (const text of refused) {
      expect(Buffer.from(text, 'base64').length >= 31 || text.length >= 64, JSON.stringify(text)).toBe(true);
      const error = configError({ TALLY_BASE_URL: 'https://t.example.com', TALLY_SECRET_KEY: text });
      expect(error.details.join('\n'), JSON.stringify(text)).toMatch(/TALLY_SECRET_KEY: must be 32 random bytes, written as exactly 64 hex characters, or standard base64/);
      expect(error.message).not.toContain(text.trim());
    }
  });

  it('runs 2 jobs at once unless TALLY_JOB_CONCURRENCY says, 1 to 64', () => {
    expect(loadConfig({ TALLY_MODE: 'demo' }).jobConcurrency).toBe(2);
    expect(loadConfig({ TALLY_MODE: 'demo', DATABASE_URL: 'postgres://tally@db.example.com/tally' }).jobConcurrency).toBe(2);
    expect(loadConfig({ TALLY_MODE: 'demo', DATABASE_URL: 'postgres://tally@db.example.com/tally', TALLY_TENANT_STORE: 'sqlite' }).jobConcurrency).toBe(2);
    expect(loadConfig({ TALLY_MODE: 'demo', TALLY_JOB_CONCURRENCY: '12' }).jobConcurrency).toBe(12);
    // On PostgreSQL stores a job may hold two site connections: never more jobs than half the cap.
    const postgres = { TALLY_MODE: 'demo', DATABASE_URL: 'postgres://tally@db.example.com/tally', TALLY_PG_MAX_CONNECTIONS: '6' };
    expect(loadConfig({ ...postgres, TALLY_JOB_CONCURRENCY: '3' }).jobConcurrency).toBe(3);
    expect(loadConfig({ ...postgres, TALLY_PG_MAX_CONNECTIONS: '2' }).jobConcurrency).toBe(1);
    expect(configError({ ...postgres, TALLY_JOB_CONCURRENCY: '4' }).details).toEqual([
      "TALLY_JOB_CONCURRENCY: at most 3 with TALLY_PG_MAX_CONNECTIONS=6 (each running job may hold two of its site's connections)",
    ]);
    const refused: Record<string, string> = {
      '0': 'TALLY_JOB_CONCURRENCY: must be at least 1',
      '65': 'TALLY_JOB_CONCURRENCY: must be at most 64',
      '2.5': 'TALLY_JOB_CONCURRENCY: must be a whole number',
      'many': 'TALLY_JOB_CONCURRENCY: must be a number of jobs',
    };
    for (const [value, detail] of Object.entries(refused)) {
      const error = configError({ TALLY_BASE_URL: 'https://t.example.com', TALLY_SECRET_KEY: GOOD_KEY, TALLY_JOB_CONCURRENCY: value });
      expect(error.details, value).toEqual([detail]);
    }
  });

  it('takes the job heartbeat in whole seconds from 10 to 600, 30 by default', () => {
    expect(loadConfig({ TALLY_MODE: 'demo' }).jobHeartbeatSeconds).toBe(30);
    expect(loadConfig({ TALLY_MODE: 'demo', TALLY_JOB_HEARTBEAT_SECONDS: '10' }).jobHeartbeatSeconds).toBe(10);
    expect(loadConfig({ TALLY_MODE: 'demo', TALLY_JOB_HEARTBEAT_SECONDS: '600' }).jobHeartbeatSeconds).toBe(600);
    const refused: Record<string, string> = {
      '9': "TALLY_JOB_HEARTBEAT_SECONDS: must be at least 10 (pg-boss's shortest heartbeat)",
      '0': "TALLY_JOB_HEARTBEAT_SECONDS: must be at least 10 (pg-boss's shortest heartbeat)",
      '601': 'TALLY_JOB_HEARTBEAT_SECONDS: must be at most 600 (a killed instance would hold its jobs for over 10 minutes)',
      '12.5': 'TALLY_JOB_HEARTBEAT_SECONDS: must be whole seconds',
      'thirty': 'TALLY_JOB_HEARTBEAT_SECONDS: must be a number of seconds',
    };
    for (const [value, detail] of Object.entries(refused)) {
      const error = configError({ TALLY_BASE_URL: 'https://t.example.com', TALLY_SECRET_KEY: GOOD_KEY, TALLY_JOB_HEARTBEAT_SECONDS: value });
      expect(error.details, value).toEqual([detail]);
      expect(error.message).toContain(detail);
    }
  });

  it('documents every key in docs/configuration.md', () => {
    const docs = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    for (const key of configKeys) expect(docs, key).toContain(`| \`${key}\` |`);
  });
});
