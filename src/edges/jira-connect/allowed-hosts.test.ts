import { describe, expect, it } from 'vitest';
import { isAllowedBaseUrl } from './allowed-hosts.js';

const ATLASSIAN = ['.atlassian.net'] as const;

describe('isAllowedBaseUrl with the default list (.atlassian.net)', () => {
  it.each([
    ['https://acme.atlassian.net', true],
    ['https://acme.atlassian.net/', true],
    ['https://acme.atlassian.net/wiki', true],
    ['https://deep.sub.acme.atlassian.net', true],
    ['https://atlassian.net', true],
    ['https://xn--80ak6aa92e.atlassian.net', true],
    ['https://acme.atlassian.net:8443', true],
    // look-alike hosts
    ['https://evilatlassian.net', false],
    ['https://atlassian.net.evil.com', false],
    ['https://acme.atlassian.net.evil.com', false],
    ['https://acme.atlassian.network', false],
    ['https://acme.atlassian.net.', false],
    ['https://acme.jira.com', false],
    // scheme, credentials and non-canonical spellings
    ['http://acme.atlassian.net', false],
    ['ftp://acme.atlassian.net', false],
    ['javascript:alert(1)//.atlassian.net', false],
    ['//acme.atlassian.net', false],
    ['acme.atlassian.net', false],
    ['https://user:pw@acme.atlassian.net', false],
    ['https://evil.com@acme.atlassian.net', false],
    ['https://acme.atlassian.net@evil.com', false],
    ['https://evil.com\\@acme.atlassian.net', false],
    ['https://acme.atlassian.net\\@evil.com', false],
    ['https://ACME.atlassian.net', false],
    ['https://acme%2eatlassian.net', false],
    ['https://acme.atlassian.net:443', false],
    ['https://acme.atlassian.net?x=1', false],
    ['https://acme.atlassian.net#x', false],
    [' https://acme.atlassian.net', false],
    ['https://acme.atlassian.net/\n', false],
    ['', false],
    ['not a url', false],
    [`https://${'a'.repeat(2100)}.atlassian.net`, false],
    // IP literals and internal names, in every spelling
    ['https://169.254.169.254', false],
    ['https://2852039166', false],
    ['https://0xA9FEA9FE', false],
    ['https://0251.0376.0251.0376', false],
    ['https://10.0.0.1', false],
    ['https://172.16.0.1', false],
    ['https://192.168.1.1', false],
    ['https://127.0.0.1', false],
    ['https://[::1]', false],
    ['https://[::ffff:a9fe:a9fe]', false],
    ['https://[fd00::1]', false],
    ['https://localhost', false],
    ['https://jira.localhost', false],
    ['https://metadata.google.internal', false],
  ])('%s → %s', (baseUrl, expected) => {
    expect(isAllowedBaseUrl(baseUrl, ATLASSIAN)).toBe(expected);
  });
});

describe('isAllowedBaseUrl with explicit entries', () => {
  it.each([
    // The simulator over loopback: http only for a loopback host listed exactly.
    ['http://127.0.0.1:54321', ['127.0.0.1'], true],
    ['http://127.0.0.1', ['.atlassian.net', '127.0.0.1'], true],
    ['http://127.0.0.2:80', ['127.0.0.1'], false],
    ['http://127.0.0.1:54321', ['.atlassian.net'], false],
    ['http://2130706433:54321', ['127.0.0.1'], false],
    ['http://127.1:54321', ['127.0.0.1'], false],
    ['http://localhost:3000', ['localhost'], true],
    ['http://localhost:3000', ['.localhost'], false],
    ['http://[::1]:3000', ['::1'], true],
    ['http://[::1]:3000', ['[::1]'], true],
    ['http://10.0.0.1', ['10.0.0.1'], false],
    ['http://acme.example.com', ['acme.example.com'], false],
    // IP literals only when listed exactly, never through a suffix
    ['https://169.254.169.254', ['169.254.169.254'], true],
    ['https://169.254.169.254', ['.254.169.254'], false],
    ['https://10.1.2.3', ['.2.3'], false],
    // exact hosts versus suffixes
    ['https://jira.acme.com', ['jira.acme.com'], true],
    ['https://evil.jira.acme.com', ['jira.acme.com'], false],
    ['https://evil.jira.acme.com', ['.jira.acme.com'], true],
    ['https://acme.jira.com', ['.atlassian.net', '.jira.com'], true],
    ['https://acme.atlassian.net', [' .Atlassian.NET '], true],
    // internal names need an exact entry
    ['https://jira.internal', ['.internal'], false],
    ['https://jira.internal', ['jira.internal'], true],
    ['https://intranet', ['.intranet'], false],
    // malformed entries match nothing
    ['https://acme.atlassian.net', ['.'], false],
    ['https://acme.atlassian.net', ['..atlassian.net'], false],
    ['https://acme.atlassian.net', [], false],
  ] as const)('%s with %j → %s', (baseUrl, entries, expected) => {
    expect(isAllowedBaseUrl(baseUrl, entries)).toBe(expected);
  });

  it('applies the same rules in demo mode', () => {
    expect(isAllowedBaseUrl('http://127.0.0.1:3000', ['.atlassian.net'])).toBe(false);
    expect(isAllowedBaseUrl('https://169.254.169.254', ['.atlassian.net'])).toBe(false);
    expect(isAllowedBaseUrl('http://127.0.0.1:3000', ['127.0.0.1'])).toBe(true);
  });

  it('refuses a value that is not a string', () => {
    expect(isAllowedBaseUrl(undefined as unknown as string, ATLASSIAN)).toBe(false);
    expect(isAllowedBaseUrl({ toString: () => 'https://acme.atlassian.net' } as unknown as string, ATLASSIAN)).toBe(false);
  });
});
