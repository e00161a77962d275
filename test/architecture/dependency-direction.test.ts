import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * Issue 12, "Done when": imports point one way — edges → core ports → platform. The core never
 * imports an edge, `http/` names none, edges never import each other (their shared token helpers
 * live in `edges/kit/`), and the server and the `tally` CLI load nothing from `scripts/`, `test/`,
 * `simulator/` or `demo/`. The import graph is read from the source files themselves.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SOURCE = /\.(ts|tsx|mts|mjs|js)$/;
const TEST_FILE = /(\.test\.ts|-test-kit\.ts|\.test-fixture\.mjs|engine-fixtures\.ts)$/;
/** The composition root: the only place that lists the edges and wires them to the core. */
const isCompositionRoot = (file: string) => file === 'src/main.ts' || file === 'src/compose.ts' || file.startsWith('src/compose/');
/** The contract beside the edges: the core and `http/` may use it; it names no edge. */
const EDGE_CONTRACT = 'src/edges/edge.ts';
const EDGE_LIST = 'src/edges/all-edges.ts';

function listFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && SOURCE.test(entry.name))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

/** The repository files a module imports (relative specifiers only; packages are not followed). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"?]+)/g)) {
    const target = resolve(dirname(join(ROOT, file)), match[1]!);
    const candidates = [target, target.replace(/\.js$/, '.ts'), target.replace(/\.js$/, '.tsx'), target.replace(/\.mjs$/, '.mts')];
    const hit = candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
    if (hit) found.push(relative(ROOT, hit));
  }
  return found;
}

/** Which edge folder a file belongs to (`jira-connect`, `kit`, …), or undefined outside `src/edges/<folder>/`. */
function edgeFolder(file: string): string | undefined {
  return /^src\/edges\/([^/]+)\//.exec(file)?.[1];
}

const productionFiles = listFiles('src').filter((file) => !TEST_FILE.test(file));

/** Every file reachable from `entry` through relative imports. */
function reachableFrom(entry: string): Set<string> {
  const seen = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    pending.push(...importsOf(file));
  }
  return seen;
}

/** `a → b` for every import of a core file (outside edges and the composition root) into an edge. */
function coreImportsOfEdges(files: readonly string[], imports: (file: string) => string[] = importsOf): string[] {
  return files
    .filter((file) => !file.startsWith('src/edges/') && !isCompositionRoot(file))
    .flatMap((file) => imports(file).filter((target) => target.startsWith('src/edges/') && target !== EDGE_CONTRACT).map((target) => `${file} → ${target}`));
}

describe('dependency direction', () => {
  it('reads real files and would catch a violation', () => {
    expect(productionFiles.length).toBeGreaterThan(150);
    expect(importsOf('src/compose.ts')).toContain(EDGE_LIST);
    expect(importsOf('src/http/create-app.ts')).toContain(EDGE_CONTRACT);
    // A core module importing an edge is caught; the contract and the composition root are not.
    const planted = (file: string) => (file === 'src/sync/x.ts' ? ['src/edges/jira-connect/connect-auth.ts', EDGE_CONTRACT] : importsOf(file));
    expect(coreImportsOfEdges(['src/sync/x.ts', 'src/compose.ts'], planted)).toEqual(['src/sync/x.ts → src/edges/jira-connect/connect-auth.ts']);
  });

  it('keeps the core free of edges: only the composition root imports one', () => {
    expect(coreImportsOfEdges(productionFiles)).toEqual([]);
  });

  it('keeps http/ from naming an edge', () => {
    const named = listFiles('src/http')
      .filter((file) => !TEST_FILE.test(file))
      .flatMap((file) => {
        const text = readFileSync(join(ROOT, file), 'utf8');
        const byImport = importsOf(file).filter((target) => target.startsWith('src/edges/') && target !== EDGE_CONTRACT);
        const byId = [...text.matchAll(/\b(jira-connect|jira-forge|jira-site|bitbucket-connect|bitbucket-forge)\b/g)].map((match) => match[0]);
        return [...byImport, ...byId].map((what) => `${file}: ${what}`);
      });
    expect(named).toEqual([]);
  });

  it('keeps each edge to itself: edges import the kit and the core, never another edge', () => {
    const crossings = productionFiles
      .filter((file) => edgeFolder(file) !== undefined && edgeFolder(file) !== 'kit')
      .flatMap((file) =>
        importsOf(file)
          .filter((target) => {
            const folder = edgeFolder(target);
            return folder !== undefined && folder !== 'kit' && folder !== edgeFolder(file);
          })
          .map((target) => `${file} → ${target}`),
      );
    expect(crossings).toEqual([]);
    const kitUsingEdges = productionFiles.filter((file) => edgeFolder(file) === 'kit').flatMap((file) => importsOf(file).filter((target) => edgeFolder(target) !== undefined && edgeFolder(target) !== 'kit'));
    expect(kitUsingEdges).toEqual([]);
  });

  it('builds the server and the CLI from src/ only: nothing from scripts/, test/, simulator/ or demo/', () => {
    const bin = readFileSync(join(ROOT, 'bin/tally.js'), 'utf8');
    expect(bin).toContain("import('../src/main.ts')");
    const loaded = [...reachableFrom('src/main.ts')];
    expect(loaded.length).toBeGreaterThan(150);
    expect(loaded.filter((file) => !file.startsWith('src/'))).toEqual([]);
    expect(loaded.filter((file) => TEST_FILE.test(file))).toEqual([]);
  });
});
