import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load-config.js';
import { BITBUCKET_CONNECT_ROUTES, BITBUCKET_CONNECT_SCOPES, buildBitbucketDescriptor } from './descriptor.js';

const config = loadConfig({ TALLY_BASE_URL: 'https://tally.example.com/', TALLY_SECRET_KEY: randomBytes(32).toString('base64'), TALLY_BITBUCKET_APP_KEY: 'io.tally.bb-test' });
const descriptor = buildBitbucketDescriptor(config);

/** The scopes Bitbucket documents (bitbucket-cloud.md §1.1); any other string rejects the descriptor. */
const KNOWN_SCOPES = ['account', 'account:write', 'repository', 'repository:write', 'repository:admin', 'repository:delete', 'pullrequest', 'pullrequest:write', 'issue', 'issue:write', 'wiki', 'webhook', 'snippet', 'snippet:write', 'email', 'pipeline', 'pipeline:write', 'pipeline:variable', 'runner', 'runner:write', 'project', 'project:admin'];

/** The scope a context parameter needs before Bitbucket substitutes it (connect-context-access, §1.1). */
const PARAMETER_SCOPE: Record<string, string> = { user: 'account', workspace: 'account', repository: 'repository', pullrequest: 'pullrequest' };
/** Scopes that include others (`pullrequest` implies `repository` on the destination repository, §1.1). */
const grants = (scopes: readonly string[], needed: string) => scopes.some((scope) => scope === needed || scope.startsWith(`${needed}:`) || (needed === 'repository' && scope.startsWith('pullrequest')));

function modules() {
  const { webPanels, repoPages, configurePage } = descriptor.modules;
  return [...webPanels, ...repoPages, configurePage];
}

describe('Bitbucket Connect descriptor', () => {
  it('has every field Bitbucket requires: key, name, description, https baseUrl, jwt authentication', () => {
    expect(descriptor.key).toBe('io.tally.bb-test');
    expect(descriptor.key).toMatch(/^[a-zA-Z0-9-._]{1,64}$/);
    expect(descriptor.name.length).toBeGreaterThan(0);
    expect(descriptor.description.length).toBeGreaterThan(0);
    expect(descriptor.baseUrl).toBe('https://tally.example.com');
    expect(descriptor.authentication).toEqual({ type: 'jwt' });
    expect(descriptor.contexts).toEqual(['account']);
  });

  it('asks for exactly the account and pullrequest scopes, all of them known to Bitbucket', () => {
    expect(descriptor.scopes).toEqual(['account', 'pullrequest']);
    expect(BITBUCKET_CONNECT_SCOPES.filter((scope) => !KNOWN_SCOPES.includes(scope))).toEqual([]);
  });

  it('declares a scope for every context parameter its URLs use, so Bitbucket substitutes them', () => {
    const parameters = modules().flatMap((module) => [...module.url.matchAll(/\{([a-z_]+)\.[a-z_.]+\}/g)].map((match) => match[1] as string));
    expect(parameters.length).toBeGreaterThan(0);
    for (const root of parameters) expect(grants(descriptor.scopes, PARAMETER_SCOPE[root] ?? `unknown:${root}`), root).toBe(true);
  });

  it('names lifecycle callbacks and module URLs the edge serves, relative to the baseUrl', () => {
    expect(descriptor.lifecycle).toEqual({ installed: BITBUCKET_CONNECT_ROUTES.installed, uninstalled: BITBUCKET_CONNECT_ROUTES.uninstalled });
    const served = new Set(Object.values(BITBUCKET_CONNECT_ROUTES));
    for (const module of modules()) expect(served.has(module.url.split('?')[0] as never), module.key).toBe(true);
  });

  it('places the panel, the repository page and the configure page where the reference says, with unique keys and names', () => {
    expect(descriptor.modules.webPanels).toEqual([
      expect.objectContaining({
        location: 'org.bitbucket.pullrequest.overview.informationPanel',
        url: '/bitbucket/pr-panel?repo={repository.full_name}&pr={pullrequest.id}&account={user.account_id}',
      }),
    ]);
    expect(descriptor.modules.repoPages).toEqual([
      expect.objectContaining({ location: 'org.bitbucket.repository.navigation', url: '/bitbucket/repository?repo={repository.full_name}&account={user.account_id}' }),
    ]);
    expect(descriptor.modules.configurePage).toMatchObject({ url: '/bitbucket/configure?account={user.account_id}&user={user.uuid}' });
    const keys = modules().map((module) => module.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const module of modules()) {
      expect(module.key).toMatch(/^[a-zA-Z0-9-]+$/);
      expect(module.name.value.length).toBeGreaterThan(0);
    }
  });

  it('is the same for the same configuration', () => {
    expect(JSON.stringify(buildBitbucketDescriptor(config))).toBe(JSON.stringify(descriptor));
  });
});
