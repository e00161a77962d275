import { describe, expect, it } from 'vitest';
import { feedUrl } from './feed-url.js';

const SITE = 'https://acme.atlassian.net';
const FORGE = 'https://api.atlassian.com/ex/jira/0b1c2d3e';

describe('feedUrl', () => {
  it('builds since URLs under the site’s base path', () => {
    expect(feedUrl(SITE, 'updated', { sinceMs: 42 })).toBe(`${SITE}/rest/api/3/worklog/updated?since=42`);
    expect(feedUrl(FORGE, 'deleted', { sinceMs: 0 })).toBe(`${FORGE}/rest/api/3/worklog/deleted?since=0`);
    expect(() => feedUrl(SITE, 'updated', { sinceMs: -1 })).toThrow();
  });

  it('follows the site’s own nextPage verbatim, extra parameters included', () => {
    const next = `${SITE}/rest/api/3/worklog/updated?since=1438013693136&until=1438013699999`;
    expect(feedUrl(SITE, 'updated', { nextPage: next })).toBe(next);
  });

  it.each([
    'https://evil.example/rest/api/3/worklog/updated?since=77',
    'http://acme.atlassian.net/rest/api/3/worklog/updated?since=77',
    'https://acme.atlassian.net:8443/rest/api/3/worklog/updated?since=77',
    'https://user:pw@acme.atlassian.net/rest/api/3/worklog/updated?since=77',
    'https://acme.atlassian.net/rest/api/3/worklog/deleted?since=77',
    'https://acme.atlassian.net/rest/api/3/myself?since=77',
  ])('rebuilds %s from its since on the site', (next) => {
    expect(feedUrl(SITE, 'updated', { nextPage: next })).toBe(`${SITE}/rest/api/3/worklog/updated?since=77`);
  });

  it('rebuilds a Forge site’s nextPage (Jira names the site host, not the proxy) on the proxy', () => {
    expect(feedUrl(FORGE, 'updated', { nextPage: `${SITE}/rest/api/3/worklog/updated?since=5` })).toBe(`${FORGE}/rest/api/3/worklog/updated?since=5`);
  });

  it('refuses a foreign nextPage without a usable since', () => {
    expect(() => feedUrl(SITE, 'updated', { nextPage: 'https://evil.example/x?since=abc' })).toThrow(/no usable since/);
    expect(() => feedUrl(SITE, 'updated', { nextPage: 'not a url' })).toThrow(/no usable since/);
  });
});
