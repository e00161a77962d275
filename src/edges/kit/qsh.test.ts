import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createCanonicalRequest, createQueryStringHash, fromMethodAndUrl } from 'atlassian-jwt';
import { describe, expect, it } from 'vitest';
import { CONTEXT_QSH, canonicalRequest, queryStringHash } from './qsh.js';

interface Vector {
  name: string;
  canonicalUrl: string;
  signedUrl: string;
}

const vectorFile = path.resolve(process.cwd(), '../shared/reference/atlassian-jwt-qsh-test-vectors.json');
const vectors = (JSON.parse(readFileSync(vectorFile, 'utf8')) as { tests: Vector[] }).tests;

/** The signed URL without its origin, as a server sees it on the wire. */
function pathAndQueryOf(signedUrl: string): string {
  return signedUrl.slice(new URL(signedUrl).origin.length);
}

/** The `qsh` claim Atlassian put into the vector's token. */
function qshClaimOf(signedUrl: string): unknown {
  const token = new URL(signedUrl).searchParams.get('jwt') ?? '';
  const payload = token.split('.')[1] ?? '';
  return (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { qsh?: unknown }).qsh;
}

describe("Atlassian's interoperability vectors", () => {
  it('holds all 78 vectors', () => {
    expect(vectors).toHaveLength(78);
  });

  it.each(vectors.map((v) => [v.name, v] as const))('canonicalises "%s"', (_name, vector) => {
    expect(canonicalRequest('GET', pathAndQueryOf(vector.signedUrl))).toBe(vector.canonicalUrl);
  });

  it.each(vectors.map((v) => [v.name, v] as const))('hashes "%s" to the qsh Atlassian signed', (_name, vector) => {
    expect(queryStringHash('GET', pathAndQueryOf(vector.signedUrl))).toBe(qshClaimOf(vector.signedUrl));
  });
});

describe('canonicalRequest', () => {
  it('reproduces the worked examples of the protocol reference (§4.2)', () => {
    expect(queryStringHash('GET', '/rest/api/3/worklog/updated?since=1438013671562&expand=properties')).toBe(
      '465e3ee6ce059f3e0356e3ba054291ba4bdac806bb2089212030754e4fcc7812',
    );
    expect(canonicalRequest('post', '/rest/api/3/worklog/list')).toBe('POST&/rest/api/3/worklog/list&');
    expect(queryStringHash('post', '/rest/api/3/worklog/list')).toBe(
      '0575240d91305ed865028618887df2cd8a26a75adf393efa5713962df64f9f08',
    );
    expect(queryStringHash('POST', '/installed')).toBe('4a2e1de8ca74e6cafe8862d332fa3ac7a8e51e692bc6d798ea4dfedc14948bf4');
  });

  it("strips the base URL's path prefix", () => {
    expect(canonicalRequest('POST', '/tally/installed', '/tally')).toBe('POST&/installed&');
    expect(queryStringHash('POST', '/tally/installed', '/tally/')).toBe(queryStringHash('POST', '/installed'));
    expect(canonicalRequest('GET', '/tally', '/tally')).toBe('GET&/&');
    expect(canonicalRequest('GET', '/tally/?jwt=x', '/tally')).toBe('GET&/&');
  });

  it('strips the base path only at a segment boundary', () => {
    expect(canonicalRequest('GET', '/tallyx/page', '/tally')).toBe('GET&/tallyx/page&');
  });

  it('agrees with atlassian-jwt on a base URL with a path', () => {
    const url = '/jira/rest/api/3/worklog/updated?since=0&expand=properties';
    const theirs = createQueryStringHash(fromMethodAndUrl('GET', url), false, 'https://site.example/jira');
    expect(queryStringHash('GET', url, '/jira')).toBe(theirs);
  });

  it('sorts names by their decoded form, as atlassian-jwt does', () => {
    const url = '/x?z=1&%C3%A9=2&a%20b=3&a-b=4';
    expect(canonicalRequest('GET', url)).toBe(createCanonicalRequest(fromMethodAndUrl('GET', url), false, ''));
    expect(canonicalRequest('GET', url)).toBe('GET&/x&a%20b=3&a-b=4&z=1&%C3%A9=2');
  });

  it('keeps malformed percent-escapes literally instead of throwing', () => {
    expect(canonicalRequest('GET', '/x?a=%zz&b=%E5')).toBe('GET&/x&a=%25zz&b=%EF%BF%BD');
    expect(canonicalRequest('GET', '/x?a=\uD800')).toBe('GET&/x&a=%EF%BF%BD');
  });

  it('binds the hash to method, path and query', () => {
    const base = queryStringHash('GET', '/rest/api/3/worklog/updated?since=0');
    expect(queryStringHash('POST', '/rest/api/3/worklog/updated?since=0')).not.toBe(base);
    expect(queryStringHash('GET', '/rest/api/3/worklog/deleted?since=0')).not.toBe(base);
    expect(queryStringHash('GET', '/rest/api/3/worklog/updated?since=1')).not.toBe(base);
    expect(queryStringHash('GET', '/rest/api/3/worklog/updated?since=0#frag')).toBe(base);
  });

  it('never yields the context marker as a hash', () => {
    expect(CONTEXT_QSH).toBe('context-qsh');
    expect(queryStringHash('GET', '/')).toMatch(/^[0-9a-f]{64}$/);
  });
});
