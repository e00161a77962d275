import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import { buildDataStatement } from '../privacy/data-statement/data-statement.js';
import { createLogger } from '../platform/logger.js';
import { AppError } from '../platform/app-error.js';
import { createErrorHandler } from './error-handler.js';
import { securityHeaders } from './security-headers.js';
import { dataStatementRoutes, type DataStatementRouteOptions } from './data-statement-route.js';

const config = loadConfig({ TALLY_MODE: 'demo', TALLY_DATA_DIR: '/srv/tally-private', TALLY_ACCOUNT_RETENTION_DAYS: '30' });

/** The route mounted the way create-app.ts mounts routes: global security headers and the one error handler. */
function appWith(options: DataStatementRouteOptions = {}) {
  const app = new Hono();
  app.use('*', securityHeaders({ baseUrl: 'https://tally.test' }));
  app.route('/', dataStatementRoutes(config, options));
  app.onError(createErrorHandler(createLogger({ level: 'silent' })));
  return app;
}

describe('GET /data-statement', () => {
  it('answers Markdown without any token, with the security headers', async () => {
    const response = await appWith().request('/data-statement');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('cache-control')).toBe('no-cache, no-store');
    const text = await response.text();
    expect(text).toMatch(/^# Tally data statement\n/);
    expect(text).toContain('| `time_spent_seconds` |');
    expect(text).toContain('**30 days after uninstall');
  });

  it('answers JSON for Accept: application/json and for ?format=json', async () => {
    const app = appWith();
    for (const response of [await app.request('/data-statement', { headers: { accept: 'application/json' } }), await app.request('/data-statement?format=json')]) {
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await response.json()) as { databases: { name: string; tables: { name: string }[] }[] };
      expect(body.databases.map((database) => database.name)).toEqual(['tenant', 'control']);
      expect(body.databases[0]?.tables.map((table) => table.name)).toContain('worklogs');
    }
  });

  it('never shows the server\'s configured paths', async () => {
    const both = `${await (await appWith().request('/data-statement')).text()}${await (await appWith().request('/data-statement?format=json')).text()}`;
    expect(both).not.toContain('/srv/tally-private');
    expect(both).toContain('$TALLY_DATA_DIR/tenants/<tenant id>.sqlite');
  });

  it('refuses an unknown format with REQUEST_INVALID', async () => {
    const response = await appWith().request('/data-statement?format=xml');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code: 'REQUEST_INVALID', message: 'format must be json or markdown' } });
  });

  it('builds the statement once, and builds again after a failed build', async () => {
    let builds = 0;
    let failNext = true;
    const app = appWith({
      buildStatement: async (...args) => {
        builds += 1;
        if (failNext) {
          failNext = false;
          throw new AppError('INTERNAL', 'schema drift');
        }
        return buildDataStatement(...args);
      },
    });
    expect((await app.request('/data-statement')).status).toBe(500);
    expect((await app.request('/data-statement')).status).toBe(200);
    expect((await app.request('/data-statement?format=json')).status).toBe(200);
    expect(builds).toBe(2);
  });
});
