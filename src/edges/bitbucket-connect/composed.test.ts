import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { composeTally, type Runtime } from '../../compose.js';
import { loadConfig } from '../../config/load-config.js';
import { createLogger } from '../../platform/logger.js';
import { systemClock } from '../../platform/clock.js';
import { ALL_EDGE_MODULES } from '../all-edges.js';
import { bitbucketConnectEdgeModule } from './bitbucket-connect-edge.js';

/*
 * The edge as the composition root mounts it, beside the others (whether or not the edge list
 * names it yet): its descriptor through Tally's whole app, and its table in the data statement.
 */
describe('the Bitbucket Connect edge composed into Tally', () => {
  it('serves its descriptor through the whole app and describes its table in the data statement', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tally-bb-connect-composed-'));
    const config = { ...loadConfig({ TALLY_BASE_URL: 'https://tally.example.com', TALLY_SECRET_KEY: randomBytes(32).toString('base64'), TALLY_DATA_DIR: dataDir, TALLY_LOG_LEVEL: 'silent' }), edges: ['bitbucket-connect'] };
    const runtime: Runtime = {
      clock: systemClock,
      fetch: async (input) => {
        throw new Error(`unexpected outbound request to ${String(input instanceof Request ? input.url : input)}`);
      },
      sleep: async () => {},
      logger: createLogger({ level: 'silent' }),
    };
    const modules = [...ALL_EDGE_MODULES.filter((module) => module.id !== bitbucketConnectEdgeModule.id), bitbucketConnectEdgeModule];
    const tally = await composeTally(config, runtime, {}, { edgeModules: modules });
    try {
      expect(tally.edges.map((edge) => edge.id)).toEqual(['bitbucket-connect']);
      const descriptor = await tally.app.request('/bitbucket/atlassian-connect.json');
      expect(descriptor.status).toBe(200);
      expect(await descriptor.json()).toMatchObject({ key: config.bitbucketAppKey, baseUrl: 'https://tally.example.com', scopes: ['account', 'pullrequest'] });
      // Unsigned and unknown: refused, through the app's one error mapping.
      const forged = await tally.app.request('/bitbucket/uninstalled', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key: config.bitbucketAppKey, eventType: 'uninstalled', clientKey: 'connection:x', baseUrl: 'https://bitbucket.org', baseApiUrl: 'https://api.bitbucket.org', productType: 'bitbucket' }) });
      expect(forged.status).toBe(401);
      expect(await forged.json()).toMatchObject({ error: { code: 'BITBUCKET_INSTALL_REFUSED' } });
      const statement = await tally.app.request('/data-statement?format=json');
      expect(statement.status).toBe(200);
      expect(await statement.text()).toContain('bitbucket_connect_installations');
    } finally {
      await tally.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
