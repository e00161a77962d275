/**
 * Builds the report page (`web/` → `web/dist/`) with Vite's JavaScript API. `npm run build:web`
 * always builds; `ensureWebBuilt()` (npm start, the demo, the test setup) builds only when the
 * output is missing or older than its sources.
 */
import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The page's project directory. */
export const WEB_DIR = fileURLToPath(new URL('../web/', import.meta.url));

/** What {@link ensureWebBuilt} did. */
export interface WebBuildResult {
  status: 'fresh' | 'built';
  /** Why it built (`web/dist/index.html is missing`, `web/src/app.tsx changed`, `forced`). */
  reason: string | undefined;
  distDir: string;
  ms: number;
}

/** Options of {@link ensureWebBuilt}. */
export interface WebBuildOptions {
  /** The page's directory (default {@link WEB_DIR}). */
  webDir?: string;
  /** Build even when the output is fresh. */
  force?: boolean;
  /** Vite's console output (default `warn`). */
  logLevel?: 'info' | 'warn' | 'error' | 'silent';
}

function newestFile(path: string): { path: string; mtimeMs: number } | undefined {
  if (!existsSync(path)) return undefined;
  const stats = statSync(path);
  if (!stats.isDirectory()) return { path, mtimeMs: stats.mtimeMs };
  let newest: { path: string; mtimeMs: number } | undefined;
  for (const entry of readdirSync(path)) {
    // Unit tests beside the page's code are not part of the bundle.
    if (/\.test\.tsx?$/.test(entry)) continue;
    const candidate = newestFile(join(path, entry));
    if (candidate && (!newest || candidate.mtimeMs > newest.mtimeMs)) newest = candidate;
  }
  return newest;
}

/**
 * Why the built page is out of date, or undefined when it is current: the output is missing, or
 * a source is newer (the page's `src/`, `index.html`, its Vite config, and the shared report
 * model it imports, src/reporting/report-model.ts).
 */
export function findStaleReason(webDir: string = WEB_DIR): string | undefined {
  const index = join(webDir, 'dist', 'index.html');
  if (!existsSync(index)) return `${relative(process.cwd(), index) || index} is missing`;
  const builtMs = statSync(index).mtimeMs;
  const sources = [join(webDir, 'src'), join(webDir, 'index.html'), join(webDir, 'vite.config.ts'), join(webDir, '..', 'src', 'reporting', 'report-model.ts')];
  for (const source of sources) {
    const newest = newestFile(source);
    if (newest && newest.mtimeMs > builtMs) return `${relative(process.cwd(), newest.path) || newest.path} changed`;
  }
  return undefined;
}

/**
 * A production build of the page in `webDir` into `outDir` (replacing it); `variant` adds what a
 * host needs on top of the shared Vite config (the Forge resource: relative asset URLs, a marker).
 */
export async function viteBuild(webDir: string, outDir: string, logLevel: NonNullable<WebBuildOptions['logLevel']>, variant: { base?: string; plugins?: import('vite').PluginOption[] } = {}): Promise<void> {
  // Imported here so that importing this module (npm start) costs nothing when the page is fresh.
  const { build } = await import('vite');
  // Vite and the React plugin read NODE_ENV when they start: vitest sets it to `test`, which
  // would bundle React's development JSX runtime. The page is always the production build.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      root: webDir,
      configFile: join(webDir, 'vite.config.ts'),
      mode: 'production',
      logLevel,
      ...variant,
      build: { outDir, emptyOutDir: true },
    });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
}

/**
 * Swaps a finished build into `dist/`: the page is never half-written while a server reads it.
 * When another process swapped in its own build meanwhile, that one is kept (same sources).
 */
function swapIntoPlace(webDir: string, builtDir: string): void {
  const distDir = join(webDir, 'dist');
  const oldDir = `${builtDir}-old`;
  if (existsSync(distDir)) renameSync(distDir, oldDir);
  try {
    renameSync(builtDir, distDir);
  } catch (error) {
    if (!existsSync(join(distDir, 'index.html'))) throw error;
    rmSync(builtDir, { recursive: true, force: true });
  }
  rmSync(oldDir, { recursive: true, force: true });
}

const inFlight = new Map<string, Promise<WebBuildResult>>();

/**
 * Builds the page when `web/dist/index.html` is missing or older than any source (or when
 * forced). Idempotent and safe to call concurrently: one build per directory at a time in this
 * process, and the output appears in one rename. Throws Vite's error when the build fails.
 */
export function ensureWebBuilt(options: WebBuildOptions = {}): Promise<WebBuildResult> {
  const webDir = options.webDir ?? WEB_DIR;
  const running = inFlight.get(webDir);
  if (running) return running;
  const started = performance.now();
  const distDir = join(webDir, 'dist');
  const reason = options.force ? 'forced' : findStaleReason(webDir);
  if (reason === undefined) return Promise.resolve({ status: 'fresh', reason, distDir, ms: performance.now() - started });
  const work = (async (): Promise<WebBuildResult> => {
    const builtDir = mkdtempSync(join(webDir, '.dist-'));
    try {
      await viteBuild(webDir, builtDir, options.logLevel ?? 'warn');
      swapIntoPlace(webDir, builtDir);
    } finally {
      rmSync(builtDir, { recursive: true, force: true });
    }
    return { status: 'built', reason, distDir, ms: performance.now() - started };
  })().finally(() => inFlight.delete(webDir));
  inFlight.set(webDir, work);
  return work;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const force = !process.argv.includes('--if-stale');
  const result = await ensureWebBuilt({ force, logLevel: 'info' });
  process.stdout.write(result.status === 'built' ? `report page built in ${Math.round(result.ms)} ms (${result.reason}) → ${result.distDir}\n` : `report page is up to date: ${result.distDir}\n`);
}
