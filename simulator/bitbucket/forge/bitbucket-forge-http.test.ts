import { describe, expect, it } from 'vitest';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { createBitbucketSimulator } from '../create-bitbucket-simulator.js';

interface Seen {
  path: string;
  authorization: string;
  systemToken: string | undefined;
  body: unknown;
}

/** A remote over real HTTP that, like Tally, verifies the FIT against the JWKS URL and calls Bitbucket back at the FIT's apiBaseUrl. */
async function startRemote(jwksUrl: () => string) {
  const seen: Seen[] = [];
  const workspaceReads: number[] = [];
  const app = new Hono();
  app.post('*', async (c) => {
    const fit = (c.req.header('authorization') ?? '').replace(/^Bearer /, '');
    const jwks = (await (await fetch(jwksUrl())).json()) as Parameters<typeof createLocalJWKSet>[0];
    const { payload } = await jwtVerify(fit, createLocalJWKSet(jwks), { issuer: 'forge/invocation-token' });
    const context = (payload.app as { installation: { contexts: { apiBaseUrl: string; workspaceId: string }[] } }).installation.contexts[0]!;
    const token = c.req.header('x-forge-oauth-system');
    seen.push({ path: c.req.path, authorization: fit, systemToken: token, body: await c.req.json() });
    if (token) {
      const read = await fetch(`${context.apiBaseUrl}/2.0/workspaces/${encodeURIComponent(`{${context.workspaceId}}`)}`, { headers: { authorization: `Bearer ${token}` } });
      workspaceReads.push(read.status);
    }
    return c.body(null, 204);
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, workspaceReads, close: () => new Promise<void>((done) => server.close(() => done())) };
}

describe('Bitbucket Forge over loopback HTTP', () => {
  it('installs into a remote that verifies the FIT against the served JWKS and reads its workspace at the FIT apiBaseUrl', async () => {
    let bbUrl = '';
    const remote = await startRemote(() => `${bbUrl}/.well-known/jwks.json`);
    const bb = createBitbucketSimulator({ clock: 'real', forge: { remoteBaseUrl: remote.url } });
    const server = await bb.listen();
    bbUrl = server.url;
    try {
      const result = await bb.forge.install();
      expect(result).toMatchObject({ ok: true, status: 204 });
      expect(remote.seen[0]!.path).toBe('/bitbucket/forge/lifecycle');
      expect(remote.workspaceReads).toEqual([200]);
      await bb.forge.uninstall({ preUninstall: false });
      const revoked = await fetch(`${server.url}/2.0/workspaces/tally-sim`, { headers: { authorization: `Bearer ${remote.seen[0]!.systemToken}` } });
      expect(revoked.status).toBe(401);
    } finally {
      bb.forge.close();
      await server.close();
      await remote.close();
    }
  });
});
