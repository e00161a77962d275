import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import { securityHeaders } from './security-headers.js';

const CSP =
  "default-src 'self'; script-src 'self' https://connect-cdn.atl-paas.net; style-src 'self' 'unsafe-inline'; " +
  "img-src 'self' data: https:; connect-src 'self'; frame-ancestors 'self' https://*.atlassian.net https://*.jira.com; " +
  "base-uri 'none'; form-action 'self'; object-src 'none'";

function testApp(baseUrl = 'https://tally.example.com', frameAncestors?: readonly string[]) {
  const app = new Hono();
  app.use('*', securityHeaders(frameAncestors ? { baseUrl, frameAncestors } : { baseUrl }));
  app.get('/page', (c) => c.html('<p>report</p>'));
  app.get('/api', (c) => c.json({ ok: true }));
  app.get('/private-cache', (c) => c.json({ ok: true }, 200, { 'Cache-Control': 'private, max-age=60' }));
  app.get('/asset.js', (c) => c.body('//js', 200, { 'Cache-Control': 'public, max-age=31536000, immutable' }));
  app.get('/redirect', () => Response.redirect('https://tally.example.com/page', 302));
  app.get('/boom', () => {
    throw new Error('boom');
  });
  app.get('/refused', () => {
    throw new HTTPException(401, { message: 'no token' });
  });
  app.onError((error, c) => (error instanceof HTTPException ? error.getResponse() : c.json({ error: { code: 'INTERNAL' } }, 500)));
  return app;
}

/** A14: Cache-Control has no-cache and no-store; Referrer-Policy is safe; HSTS ≥ one year. */
function expectMarketplaceHeaders(response: Response) {
  const headers = response.headers;
  expect(headers.get('X-Content-Type-Options')).toBe('nosniff');
  expect(headers.get('Referrer-Policy')).toBe('no-referrer');
  expect(headers.get('Cache-Control')).toBe('no-cache, no-store');
  expect(headers.get('Strict-Transport-Security')).toBe('max-age=31536000; includeSubDomains');
  expect(headers.get('Content-Security-Policy')).toBe(CSP);
  expect(headers.has('X-Frame-Options')).toBe(false);
}

describe('securityHeaders', () => {
  it.each(['/page', '/api', '/redirect', '/boom', '/refused', '/no-such-route'])('sets every header on %s', async (path) => {
    const response = await testApp().request(path);
    expectMarketplaceHeaders(response);
  });

  it('keeps the status and body of the route', async () => {
    const app = testApp();
    expect((await app.request('/redirect')).status).toBe(302);
    expect((await app.request('/boom')).status).toBe(500);
    expect((await app.request('/refused')).status).toBe(401);
    expect(await (await app.request('/page')).text()).toBe('<p>report</p>');
  });

  it('replaces a private cache policy but keeps a public one for static assets', async () => {
    const app = testApp();
    expect((await app.request('/private-cache')).headers.get('Cache-Control')).toBe('no-cache, no-store');
    expect((await app.request('/asset.js')).headers.get('Cache-Control')).toBe('public, max-age=31536000, immutable');
  });

  it('sends no HSTS when the base URL is plain http (demo on loopback)', async () => {
    const response = await testApp('http://localhost:3000').request('/page');
    expect(response.headers.has('Strict-Transport-Security')).toBe(false);
    expect(response.headers.get('Referrer-Policy')).toBe('no-referrer');
  });

  it('lets the frame ancestors be configured', async () => {
    const response = await testApp('https://tally.example.com', ['https://*.jira-dev.com']).request('/page');
    expect(response.headers.get('Content-Security-Policy')).toContain("frame-ancestors 'self' https://*.jira-dev.com;");
  });

  it('refuses options that could inject directives, when it is built', () => {
    for (const bad of ["https://x.com; script-src 'unsafe-inline'", "'unsafe-inline'", 'https://a.com https://b.com', '*', 'javascript:x']) {
      expect(() => securityHeaders({ baseUrl: 'https://tally.example.com', frameAncestors: [bad] }), bad).toThrow(/Invalid security headers/);
    }
    expect(() => securityHeaders({ baseUrl: 'not a url' })).toThrow(/Invalid security headers/);
    expect(() => securityHeaders({ baseUrl: 'ftp://tally.example.com' })).toThrow(/Invalid security headers/);
  });
});
