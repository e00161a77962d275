/**
 * Tally's report page at the HTTP edge: the built React page (`web/dist`, made by
 * `scripts/build-web.ts`) with the viewer's session token injected, and its static assets.
 */
import { readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import { AppError } from '../platform/app-error.js';
import type { TallyEnv } from './tally-env.js';

/** Where `vite build` puts the page (web/vite.config.ts). */
export const WEB_DIST_DIR = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/** What {@link renderReportPage} puts into the page. */
export interface ReportPageOptions {
  /** The session token the page sends as `Authorization: JWT …` until Tally answers with a newer one. */
  token: string;
  /**
   * The `Authorization` scheme the page sends the token with, when not `JWT` (the self-hosted
   * site edge's `TallySite`): written as `<meta name="tally-auth-scheme">`, read by
   * web/src/api/token-source.ts. Omitted: no meta, and the page sends `JWT` as before.
   */
  authScheme?: string;
  /**
   * The view the page opens with, when not the report: `admin` writes
   * `<meta name="tally-view" content="admin">`, read by web/src/components/admin/page-view.ts
   * (Connect's admin page). Omitted: no meta, and the page is the report as before.
   */
  view?: 'admin';
  /** The document title (default "Time reports"). */
  title?: string;
  /** The built page's directory (default {@link WEB_DIST_DIR}; tests point it elsewhere). */
  distDir?: string;
}

/** Escapes text for an HTML attribute value in double quotes (and for text content). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

// The built index.html by path, re-read only when the file changes (a rebuild while serving).
// A cache of a build artefact, not of data: it holds nothing of any tenant.
const templates = new Map<string, { mtimeMs: number; html: string }>();

function readTemplate(distDir: string): string {
  const path = join(distDir, 'index.html');
  let mtimeMs: number;
  try {
    mtimeMs = statSync(path).mtimeMs;
  } catch (error) {
    throw new AppError('INTERNAL', `The report page is not built: ${path} is missing. Run \`npm run build:web\` (npm start and the demo build it when needed).`, { cause: error });
  }
  const cached = templates.get(path);
  if (cached && cached.mtimeMs === mtimeMs) return cached.html;
  const html = readFileSync(path, 'utf8');
  if (!/<\/head>/i.test(html)) throw new AppError('INTERNAL', `The built report page ${path} has no <head>; rebuild it with \`npm run build:web\``);
  templates.set(path, { mtimeMs, html });
  return html;
}

// An HTTP auth-scheme is a token (RFC 9110 §11.1); Tally's are plain words.
const AUTH_SCHEME = /^[A-Za-z][A-Za-z0-9-]{0,31}$/;

/**
 * The report page's HTML for one viewer: the built `index.html` with
 * `<meta name="tally-token" content="…">` in its head (`<meta name="tally-view">` for the admin
 * view, and `<meta name="tally-auth-scheme">` when `authScheme` is given; throws INTERNAL when it is not a plain scheme word) and the given
 * title, all escaped.
 * The file is read once and re-read only when it changes. Throws an `INTERNAL` AppError naming
 * the missing file (logged by the error handler, never shown) when the page was not built.
 */
export function renderReportPage(options: ReportPageOptions): string {
  const html = readTemplate(options.distDir ?? WEB_DIST_DIR);
  if (options.authScheme !== undefined && !AUTH_SCHEME.test(options.authScheme)) {
    throw new AppError('INTERNAL', 'renderReportPage: authScheme must be one HTTP auth-scheme token such as TallySite');
  }
  const schemeMeta = options.authScheme === undefined ? '' : `<meta name="tally-auth-scheme" content="${escapeHtml(options.authScheme)}">\n  `;
  const viewMeta = options.view === 'admin' ? '<meta name="tally-view" content="admin">\n  ' : '';
  const meta = `${schemeMeta}${viewMeta}<meta name="tally-token" content="${escapeHtml(options.token)}">`;
  // Last in the head: `<meta charset>` stays first, and the page's module scripts run after parsing.
  const withToken = html.replace(/<\/head>/i, () => `  ${meta}\n  </head>`);
  const title = escapeHtml(options.title ?? 'Time reports');
  return withToken.replace(/<title>[\s\S]*?<\/title>/i, () => `<title>${title}</title>`);
}

/** The types of what `vite build` emits into `assets/`; any other file is not served. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
};

// One plain file name: no directory part, no leading dot, so no traversal and no hidden files.
const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/;

/** Vite names assets by content hash, so a file never changes under its name. */
const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';

/**
 * Serves `web/dist/assets/*` at `/assets/*` without authentication: the page's scripts and
 * styles hold no tenant data. Only plain file names with a known extension are served, with
 * their content type, `nosniff` (from the security headers) and a year-long immutable cache;
 * anything else is the usual 404.
 */
export function reportAssetRoutes(options: { distDir?: string } = {}): Hono<TallyEnv> {
  const assetsDir = join(options.distDir ?? WEB_DIST_DIR, 'assets');
  const routes = new Hono<TallyEnv>();
  routes.get('/assets/:name', async (c) => {
    const name = c.req.param('name');
    const extension = /\.[A-Za-z0-9]+$/.exec(name)?.[0].toLowerCase() ?? '';
    const contentType = CONTENT_TYPES[extension];
    if (!ASSET_NAME.test(name) || contentType === undefined) throw new AppError('NOT_FOUND', 'No such asset');
    let body: Buffer;
    try {
      body = await readFile(join(assetsDir, name));
    } catch (error) {
      throw new AppError('NOT_FOUND', 'No such asset', { cause: error });
    }
    return c.body(new Uint8Array(body), 200, { 'Content-Type': contentType, 'Cache-Control': IMMUTABLE_CACHE });
  });
  return routes;
}
