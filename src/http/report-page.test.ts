import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createErrorHandler, errorResponse } from './error-handler.js';
import { renderReportPage, reportAssetRoutes, WEB_DIST_DIR } from './report-page.js';
import { securityHeaders } from './security-headers.js';
import { AppError } from '../platform/app-error.js';
import { createLogger } from '../platform/logger.js';
import type { TallyEnv } from './tally-env.js';

const TEMPLATE = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Time reports</title>' +
  '<script type="module" src="/assets/index-abc.js"></script></head><body><div id="root"></div></body></html>';

/** The asset routes behind the same edge as in createApp: security headers and the error mapping. */
function appServing(distDir: string): Hono<TallyEnv> {
  const app = new Hono<TallyEnv>();
  app.use('*', securityHeaders({ baseUrl: 'https://tally.test' }));
  app.route('/', reportAssetRoutes({ distDir }));
  app.notFound((c) => errorResponse(c, new AppError('NOT_FOUND', 'No such route')));
  app.onError(createErrorHandler(createLogger({ level: 'silent' })));
  return app;
}

describe('report page', () => {
  let distDir: string;

  beforeEach(() => {
    distDir = mkdtempSync(join(tmpdir(), 'tally-page-'));
    mkdirSync(join(distDir, 'assets'));
    writeFileSync(join(distDir, 'index.html'), TEMPLATE);
    writeFileSync(join(distDir, 'assets', 'index-abc.js'), 'console.log("page")');
    writeFileSync(join(distDir, 'assets', 'index-abc.css'), 'body{}');
    writeFileSync(join(distDir, 'assets', 'notes.txt'), 'not an asset type');
    writeFileSync(join(distDir, 'secret.js'), 'outside assets');
  });

  afterEach(() => rmSync(distDir, { recursive: true, force: true }));

  it('puts the session token into the head, attribute-escaped', () => {
    const html = renderReportPage({ token: 'a.b"><script>alert(1)</script>', distDir });
    expect(html).toContain('<meta name="tally-token" content="a.b&#34;&#62;&#60;script&#62;alert(1)&#60;/script&#62;">');
    expect(html).not.toContain('<script>alert');
    expect(html.indexOf('tally-token')).toBeLessThan(html.indexOf('</head>'));
    const content = /name="tally-token" content="([^"]*)"/.exec(html)?.[1];
    const decoded = content?.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
    expect(decoded).toBe('a.b"><script>alert(1)</script>');
  });

  it('sets an escaped title', () => {
    expect(renderReportPage({ token: 't', title: 'Ben & Jerry <reports>', distDir })).toContain('<title>Ben &#38; Jerry &#60;reports&#62;</title>');
  });

  it('names the admin view in the head only when asked to', () => {
    const admin = renderReportPage({ token: 't', view: 'admin', distDir });
    expect(admin).toContain('<meta name="tally-view" content="admin">');
    expect(admin.indexOf('tally-view')).toBeLessThan(admin.indexOf('</head>'));
    expect(renderReportPage({ token: 't', distDir })).not.toContain('tally-view');
  });

  it('serves a rebuilt page without a restart', () => {
    expect(renderReportPage({ token: 't', distDir })).toContain('index-abc.js');
    writeFileSync(join(distDir, 'index.html'), TEMPLATE.replace('index-abc.js', 'index-def.js'));
    const later = new Date(Date.now() + 5000);
    utimesSync(join(distDir, 'index.html'), later, later);
    expect(renderReportPage({ token: 't', distDir })).toContain('index-def.js');
  });

  it('says how to build the page when it was not built', () => {
    rmSync(join(distDir, 'index.html'));
    expect(() => renderReportPage({ token: 't', distDir })).toThrow(/report page is not built: .*index\.html is missing\. Run `npm run build:web`/);
  });

  it('serves assets publicly with their type and a year-long immutable cache', async () => {
    const app = appServing(distDir);
    const js = await app.request('/assets/index-abc.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(js.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await js.text()).toBe('console.log("page")');
    const css = await app.request('/assets/index-abc.css');
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it.each([
    '/assets/..%2fsecret.js',
    '/assets/..%2f..%2fpackage.json',
    '/assets/%2e%2e%2fsecret.js',
    '/assets/../secret.js',
    '/assets/notes.txt',
    '/assets/.hidden.js',
    '/assets/missing.js',
    '/assets/',
  ])('answers 404 for %s', async (path) => {
    const response = await appServing(distDir).request(path);
    expect(response.status).toBe(404);
    expect(response.headers.get('cache-control')).toBe('no-cache, no-store');
    expect(await response.text()).not.toContain('outside assets');
  });

  it('builds a page with no inline script, whose files the asset routes serve', async () => {
    // The vitest global setup built web/dist (test/support/build-web.global-setup.ts).
    const html = readFileSync(join(WEB_DIST_DIR, 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(body?.trim()).toBe('');
      expect(attributes).toMatch(/src="\/assets\/[^"]+\.js"/);
    }
    const files = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1] as string);
    const app = appServing(WEB_DIST_DIR);
    for (const file of files) expect((await app.request(file)).status, file).toBe(200);
    expect(renderReportPage({ token: 'tok' })).toContain('<meta name="tally-token" content="tok">');
  });
});
