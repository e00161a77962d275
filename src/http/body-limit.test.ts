import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Hono, type Context } from 'hono';
import { serve, type ServerType } from '@hono/node-server';
import { AppError } from '../platform/app-error.js';
import { errorResponse } from './error-handler.js';
import { limitBody } from './body-limit.js';

const MAX_BYTES = 256 * 1024;
const onTooLarge = (c: Context) => errorResponse(c, new AppError('REQUEST_TOO_LARGE', `Request bodies are limited to ${MAX_BYTES} bytes`));

/** A tiny app behind the middleware: echoes the length of the body it received. */
function echoApp(routeCalls: string[] = []) {
  const app = new Hono();
  app.use('*', limitBody({ maxBytes: MAX_BYTES, onTooLarge }));
  app.post('/echo', async (c) => {
    routeCalls.push(c.req.path);
    return c.json({ bytes: (await c.req.arrayBuffer()).byteLength });
  });
  app.get('/ping', (c) => c.text('pong'));
  return app;
}

/** A request body that arrives in chunks with no Content-Length (Transfer-Encoding: chunked). */
function chunkedBody(chunks: number, chunkBytes: number): RequestInit {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < chunks; i += 1) controller.enqueue(new Uint8Array(chunkBytes).fill(120));
      controller.close();
    },
  });
  return { method: 'POST', body, duplex: 'half' } as RequestInit;
}

describe('limitBody in process', () => {
  it('answers a declared oversized body with the error and Connection: close, without calling the route', async () => {
    const routeCalls: string[] = [];
    const response = await echoApp(routeCalls).request('/echo', { method: 'POST', body: 'x'.repeat(MAX_BYTES + 1), headers: { 'content-length': String(MAX_BYTES + 1) } });
    expect(response.status).toBe(413);
    expect(routeCalls).toEqual([]);
    expect(response.headers.get('connection')).toBe('close');
    expect(await response.json()).toEqual({ error: { code: 'REQUEST_TOO_LARGE', message: `Request bodies are limited to ${MAX_BYTES} bytes` } });
  });

  it('answers a chunked body as soon as it passes the limit', async () => {
    const response = await echoApp().request('/echo', chunkedBody(40, 10_000));
    expect(response.status).toBe(413);
    expect(response.headers.get('connection')).toBe('close');
  });

  it('hands a body at the limit to the route whole, declared or chunked', async () => {
    const declared = await echoApp().request('/echo', { method: 'POST', body: 'x'.repeat(MAX_BYTES) });
    expect(await declared.json()).toEqual({ bytes: MAX_BYTES });
    const chunked = await echoApp().request('/echo', chunkedBody(16, MAX_BYTES / 16));
    expect(chunked.status).toBe(200);
    expect(chunked.headers.get('connection')).toBeNull();
    expect(await chunked.json()).toEqual({ bytes: MAX_BYTES });
  });

  it('checks its options when it is built', () => {
    expect(() => limitBody({ maxBytes: -1, onTooLarge })).toThrow(/maxBytes/);
    expect(() => limitBody({ maxBytes: 1.5, onTooLarge })).toThrow(/maxBytes/);
    expect(() => limitBody({ maxBytes: 10, onTooLarge: undefined as unknown as typeof onTooLarge })).toThrow(/onTooLarge/);
  });
});

describe('limitBody over loopback HTTP', () => {
  let server: ServerType | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  it('keeps the client working after a 413: its next requests succeed', async () => {
    server = serve({ fetch: echoApp().fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((resolve) => server!.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // Node's global fetch keeps connections alive and reuses them: a connection the server
    // dropped after promising keep-alive fails the next request sent on it.
    const outcome = (request: Promise<Response>) => request.then(async (r) => `${r.status} ${(await r.text()).slice(0, 40)}`, (error: Error) => `failed: ${String(error.cause ?? error)}`);
    const answers: string[] = [];
    for (let round = 0; round < 4; round += 1) {
      answers.push(await outcome(fetch(`${url}/echo`, { method: 'POST', body: 'x'.repeat(300_000) })));
      answers.push(await outcome(fetch(`${url}/echo`, { method: 'POST', body: 'hello' })));
      answers.push(await outcome(fetch(`${url}/ping`)));
    }
    const expected = ['413 {"error":{"code":"REQUEST_TOO_LARGE","me', '200 {"bytes":5}', '200 pong'];
    expect(answers).toEqual([...expected, ...expected, ...expected, ...expected]);
  });
});
