import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startLoadBalancer } from './multi-instance-load-balancer.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A backend that answers with its name, the method, path, Host and body it received. */
async function backend(name: string): Promise<string> {
  const server = http.createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += String(chunk);
    response.writeHead(201, { 'content-type': 'application/json', 'x-backend': name });
    response.end(JSON.stringify({ name, method: request.method, url: request.url, host: request.headers.host, body }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(() => new Promise((done) => server.close(() => done())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('round-robin load balancer', () => {
  it('sends requests to the instances in turn, unchanged, and answers 502 for one that is gone', async () => {
    const targets = [await backend('one'), await backend('two'), 'http://127.0.0.1:1'];
    const balancer = await startLoadBalancer(() => targets);
    closers.unshift(balancer.close);
    const answers = [];
    for (let i = 0; i < 4; i++) {
      const response = await fetch(`${balancer.url}/connect/lifecycle/installed?x=${i}`, { method: 'POST', body: `body-${i}` });
      answers.push(response.status === 201 ? await response.json() : response.status);
    }
    const host = new URL(balancer.url).host;
    expect(answers).toEqual([
      { name: 'one', method: 'POST', url: '/connect/lifecycle/installed?x=0', host, body: 'body-0' },
      { name: 'two', method: 'POST', url: '/connect/lifecycle/installed?x=1', host, body: 'body-1' },
      502,
      { name: 'one', method: 'POST', url: '/connect/lifecycle/installed?x=3', host, body: 'body-3' },
    ]);
  });

  it('answers 503 with no instance behind it', async () => {
    const balancer = await startLoadBalancer(() => []);
    closers.push(balancer.close);
    expect((await fetch(`${balancer.url}/healthz`)).status).toBe(503);
  });
});
