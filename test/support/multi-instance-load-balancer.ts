import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

/** A round-robin HTTP load balancer on loopback: the public URL in front of several Tally instances. */
export interface LoadBalancer {
  /** `TALLY_BASE_URL` of every instance behind it. */
  url: string;
  close(): Promise<void>;
}

/**
 * Forwards each request to the next of `targets()` in turn (asked per request, so an instance
 * taken out is skipped), method, path, headers (`Host` included, as a proxy that keeps the public
 * host does) and body unchanged, and streams the answer back. 502 when the instance does not
 * answer, 503 when there is none.
 */
export async function startLoadBalancer(targets: () => readonly string[]): Promise<LoadBalancer> {
  let turn = 0;
  const server = http.createServer((request, response) => {
    const list = targets();
    const target = list[turn++ % Math.max(1, list.length)];
    if (target === undefined) {
      response.writeHead(503).end();
      return;
    }
    const upstream = http.request(new URL(request.url ?? '/', target), { method: request.method, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    upstream.on('error', () => {
      if (!response.headersSent) response.writeHead(502);
      response.end();
    });
    request.pipe(upstream);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
