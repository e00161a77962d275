/**
 * Builds the report page as a Forge Custom UI resource (`npm run forge:page`): the same sources
 * and Vite config as `web/dist`, with two differences Forge needs. Asset URLs are relative
 * (`base: './'`), because Forge serves a resource under an app-specific path on its CDN and
 * absolute `/assets/…` URLs would miss (Forge docs, custom-ui "Accessing static assets"). And the
 * page carries `<meta name="tally-host" content="forge">`, so it knows to wait for Forge's
 * bridge and call Tally through `invokeRemote` (web/src/host/forge-host.ts).
 */
import { writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Plugin } from 'vite';
import { viteBuild, WEB_DIR } from '../../../../scripts/build-web.js';
import { FORGE_ISSUE_PANEL_ICON_FILE, FORGE_PAGE_RESOURCE_PATH } from './forge-manifest.js';

const ISSUE_PANEL_ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24" fill="none" stroke="#44546F" stroke-width="2" stroke-linecap="round"><circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/></svg>\n';

/** The Forge app directory: `forge/manifest.yml` and the resources it names. */
export const FORGE_APP_DIR = fileURLToPath(new URL('../../../../forge/', import.meta.url));

/** What {@link buildForgePage} did. */
export interface ForgePageBuildResult {
  outDir: string;
  ms: number;
}

/** Adds the Forge marker to the page's `<head>` (`FORGE_HOST_META` in web/src/host/forge-host.ts reads it). */
function forgeHostMarker(): Plugin {
  return {
    name: 'tally-forge-host-marker',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { name: 'tally-host', content: 'forge' }, injectTo: 'head' }],
  };
}

/**
 * Builds the page into `outDir` (default `forge/static/report-page`), replacing what was there.
 * Always builds; throws Vite's error when the build fails.
 */
export async function buildForgePage(options: { outDir?: string; logLevel?: 'info' | 'warn' | 'error' | 'silent' } = {}): Promise<ForgePageBuildResult> {
  const started = performance.now();
  const outDir = options.outDir ?? join(FORGE_APP_DIR, FORGE_PAGE_RESOURCE_PATH);
  await viteBuild(WEB_DIR, outDir, options.logLevel ?? 'warn', { base: './', plugins: [forgeHostMarker()] });
  // The issue panel's icon (the manifest names it in this resource): a clock, in Jira's neutral grey.
  writeFileSync(join(outDir, FORGE_ISSUE_PANEL_ICON_FILE), ISSUE_PANEL_ICON_SVG);
  return { outDir, ms: performance.now() - started };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // `npm run forge:page -- --out <dir>` builds into another Forge app directory's resource path.
  const { values } = parseArgs({ options: { out: { type: 'string' } }, strict: true });
  const result = await buildForgePage({ logLevel: 'info', ...(values.out ? { outDir: resolve(values.out) } : {}) });
  process.stdout.write(`Forge page built in ${Math.round(result.ms)} ms → ${relative(process.cwd(), result.outDir) || result.outDir}\n`);
}
