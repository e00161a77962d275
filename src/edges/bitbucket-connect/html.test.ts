import { describe, expect, it } from 'vitest';
import { formatSeconds, html, page } from './html.js';
import { renderConfigurePage } from './configure-page-view.js';

describe('Bitbucket Connect page markup', () => {
  it('escapes every interpolated value, in text and in attributes', () => {
    const hostile = `"><script>alert('x')</script><img src=x onerror=alert(1)>`;
    const out = html`<a href="${hostile}">${hostile}</a>${[hostile, 1]}`.text;
    expect(out).not.toContain('<script');
    expect(out).not.toContain('<img');
    expect(out).toContain('&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;');
    expect(out).toContain('href="&quot;&gt;&lt;script');
  });

  it('renders a whole page with a language, a title and no script', () => {
    const out = page('T <1>', html`<p>x</p>`);
    expect(out).toMatch(/^<!doctype html><html lang="en">/);
    expect(out).toContain('<title>T &lt;1&gt;</title>');
    expect(out).not.toContain('<script');
  });

  it('keeps a hostile linked-site URL or message out of the configure page markup', () => {
    const out = renderConfigurePage({ linkedSiteUrl: 'https://x.example/"><script>1</script>', sessionToken: 'v1.a"b.c', pairAction: '/p', unlinkAction: '/u', message: { kind: 'error', text: '<b>no</b>' } });
    expect(out).not.toContain('<script>1');
    expect(out).not.toContain('<b>no</b>');
    expect(out).toContain('value="v1.a&quot;b.c"');
  });

  it('formats seconds as hours and minutes', () => {
    expect([0, 30, 60, 3_600, 5_400, 360_060].map(formatSeconds)).toEqual(['0m', '<1m', '1m', '1h', '1h 30m', '100h 1m']);
  });
});
