import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildForgePage } from './forge-page-build.js';
import { FORGE_ISSUE_PANEL_ICON_FILE } from './forge-manifest.js';

const outDir = join(mkdtempSync(join(tmpdir(), 'tally-forge-page-')), 'report-page');
afterAll(() => rmSync(join(outDir, '..'), { recursive: true, force: true }));

describe('npm run forge:page', () => {
  it('builds the page with relative asset URLs and the Forge marker, every asset present', async () => {
    await buildForgePage({ outDir, logLevel: 'silent' });
    const html = readFileSync(join(outDir, 'index.html'), 'utf8');
    expect(html).toContain('<meta name="tally-host" content="forge">');
    // The issue panel's icon the manifest names (resource:report-page;tally-icon.svg).
    expect(readFileSync(join(outDir, FORGE_ISSUE_PANEL_ICON_FILE), 'utf8')).toMatch(/^<svg /);
    const urls = [...html.matchAll(/\s(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(urls.length).toBeGreaterThanOrEqual(2);
    // Forge serves a resource under an app-specific path: an absolute /assets/… URL would miss.
    for (const url of urls) {
      expect(url).toMatch(/^\.\/assets\//);
      expect(existsSync(join(outDir, url))).toBe(true);
    }
    // No inline script: Forge's Custom UI CSP (like Tally's) allows only the resource's own files.
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
  }, 60_000);
});
