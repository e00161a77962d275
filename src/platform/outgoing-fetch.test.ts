import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createOutgoingFetch } from './outgoing-fetch.js';

/** A loopback server answering each request with its method, path and body. */
async function echoServer(): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ method: request.method, path: request.url, body, auth: request.headers.authorization ?? null }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe('the outgoing fetch', () => {
  it('asks by string, URL or Request, with method, headers and body', async () => {
    const { server, url } = await echoServer();
    servers.push(server);
    const outgoing = createOutgoingFetch();
    expect(await (await outgoing(`${url}/a?x=1`)).json()).toEqual({ method: 'GET', path: '/a?x=1', body: '', auth: null });
    expect(await (await outgoing(new URL('/b', url), { method: 'POST', body: 'two', headers: { authorization: 'Bearer t' } })).json()).toEqual({ method: 'POST', path: '/b', body: 'two', auth: 'Bearer t' });
    const request = new Request(`${url}/c`, { method: 'PUT', body: 'three', headers: { authorization: 'JWT j' } });
    expect(await (await outgoing(request)).json()).toEqual({ method: 'PUT', path: '/c', body: 'three', auth: 'JWT j' });
  });

  it('lets go of a site once its connections have closed (an idle origin costs nothing)', async () => {
    const sites = await Promise.all([echoServer(), echoServer(), echoServer()]);
    servers.push(...sites.map((site) => site.server));
    const outgoing = createOutgoingFetch({ keepAliveTimeoutMs: 200 });
    for (const site of sites) await (await outgoing(`${site.url}/x`)).text();
    expect(outgoing.originsHeld()).toBe(3);
    const deadline = Date.now() + 10_000;
    while (outgoing.originsHeld() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(outgoing.originsHeld()).toBe(0);
    // And asks again afterwards, on a new pool.
    expect((await (await outgoing(`${sites[0]!.url}/again`)).json()).path).toBe('/again');
  });
});
