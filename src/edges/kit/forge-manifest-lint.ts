/**
 * Lints a Forge manifest with Atlassian's own `@forge/manifest` package (a devDependency): its
 * JSON schema and validator classes, offline. Used by both Forge edges' manifest tests and by
 * their commands' `--lint` (`npm run forge:manifest`, `npm run forge:bitbucket-manifest`).
 *
 * What runs, and why it needs no network and no credentials:
 * - `ValidationTypes.FULL`, the package's default chain (`validate()`), which the Forge CLI's
 *   manifest lint is built on (the CLI itself is not installed here) — file → YAML → schema →
 *   internal fields, modules (endpoint → remote references, unique module keys, trigger
 *   endpoints with a route and no user token, UI resolvers → known endpoints), resources,
 *   permissions (known scopes, egress URLs), storage, remote regions, remote auth ⇒ product
 *   scopes, runtime, compatibility, translations. All read the manifest and the files it names;
 *   the scope lists are JSON inside the package.
 * - `ProductTriggerScopesValidator` with the package's event → scope mapping (the extra step of
 *   `ValidationTypes.PRODUCT_TRIGGER`): every subscribed product event has its scope. Run on the
 *   full chain's result instead of through its own processor, which would compile the 2 MB
 *   schema a second time (about 3.5 s). `ValidationTypes.FORGE_REMOTE_COMPUTE` adds nothing the
 *   full chain lacks, so it is not run.
 * The validators read a real `manifest.yml` from disk and resolve `resources[].path` against its
 * directory, so the manifest is written into a temporary directory laid out like a Forge app
 * (the manifest plus each resource directory) and removed afterwards.
 * `@sentry/node` comes with the package: it is only called when a manifest interpolates
 * `environment.variables`, and nothing ever initialises it, so it has no client to send with
 * (the test checks that, and the no-outbound-network guard fails any request it would make).
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import forgeManifestPackage from '@forge/manifest';
import type { ManifestValidationResult, ValidationError } from '@forge/manifest';

/** One problem the validators reported, with its line in the manifest when they know it. */
export interface ForgeLintProblem {
  level: 'error' | 'warning';
  message: string;
  /** Atlassian's reference tag, e.g. `schema-error`, `missing-scopes`. */
  reference: string;
  line: number | undefined;
}

/** What {@link lintForgeManifest} found. Never thrown: the caller decides from the data. */
export interface ForgeLintResult {
  /** True when no validator reported an error (warnings allowed). */
  valid: boolean;
  errors: ForgeLintProblem[];
  warnings: ForgeLintProblem[];
  /** The manifest as the validators parsed it (after interpolation), or undefined when the YAML did not parse. */
  parsed: unknown;
}

/** Options of {@link lintForgeManifest}. */
export interface ForgeLintOptions {
  /**
   * Directories to copy into the temporary app, by their `resources[].path`. A resource without
   * one gets a one-line `index.html`, so that the resource checks still run.
   */
  resourceSources?: Readonly<Record<string, string>>;
  /** False to leave resources without a source missing, as an unbuilt app would be (default true). */
  placeholderPages?: boolean;
  /** Where the temporary app directory is made (default the OS temp directory). */
  tempRoot?: string;
}

const { ProcessorBuilder, ProductTriggerScopesValidator, ValidationTypes } = forgeManifestPackage;

type EventScopeMapping = ConstructorParameters<typeof ProductTriggerScopesValidator>[0];

let eventScopeMapping: EventScopeMapping | undefined;

/** The package's product event → scope mapping; a data file its `exports` do not list, read by path. */
function readEventScopeMapping(): EventScopeMapping {
  const packageMain = createRequire(import.meta.url).resolve('@forge/manifest');
  eventScopeMapping ??= JSON.parse(readFileSync(join(dirname(packageMain), 'mapping', 'product-event-to-scope-mapping.json'), 'utf8')) as EventScopeMapping;
  return eventScopeMapping;
}

function resourcePaths(parsed: unknown): string[] {
  const resources = (parsed as { resources?: unknown } | undefined)?.resources;
  if (!Array.isArray(resources)) return [];
  return resources.map((r) => (r as { path?: unknown }).path).filter((p): p is string => typeof p === 'string');
}

function layOutApp(appDir: string, paths: readonly string[], sources: Readonly<Record<string, string>>, placeholders: boolean): void {
  for (const path of paths) {
    const target = resolve(appDir, path);
    // Never write outside the temporary app, whatever the manifest under test says.
    if (!target.startsWith(appDir + sep)) continue;
    const source = sources[path];
    if (source) {
      mkdirSync(dirname(target), { recursive: true });
      // A copy, not a symlink: the resource check wants a real directory (lstat).
      cpSync(source, target, { recursive: true });
    } else if (placeholders) {
      mkdirSync(target, { recursive: true });
      writeFileSync(join(target, 'index.html'), '<!doctype html><title>placeholder</title>\n');
    }
  }
}

function problemKey(problem: ValidationError): string {
  return `${problem.level}|${problem.reference}|${problem.line ?? ''}|${problem.message}`;
}

/**
 * Lints `manifestYaml` with `@forge/manifest`'s chains (see the module comment). Bounded and
 * side-effect free apart from a temporary directory it always removes; never throws for a bad
 * manifest, only for a file-system failure.
 */
export async function lintForgeManifest(manifestYaml: string, options: ForgeLintOptions = {}): Promise<ForgeLintResult> {
  const appDir = mkdtempSync(join(options.tempRoot ?? tmpdir(), 'tally-forge-app-'));
  try {
    // A first pass only to learn the resource paths the validators will look for.
    const manifestPath = join(appDir, 'manifest.yml');
    writeFileSync(manifestPath, manifestYaml);
    const probe = await ProcessorBuilder.instance().withValidation(ValidationTypes.BASIC).build().process(manifestPath);
    layOutApp(appDir, resourcePaths(probe.manifestObject?.yamlContent), options.resourceSources ?? {}, options.placeholderPages ?? true);

    const seen = new Map<string, ValidationError>();
    const record = (result: ManifestValidationResult<unknown>, chain: string) => {
      for (const problem of result.errors ?? []) seen.set(problemKey(problem), problem);
      if (!result.success && (result.errors ?? []).every((p) => p.level !== 'error')) {
        // A chain can stop (an unreadable file, YAML that is not an object) without a message.
        const silent: ValidationError = { level: 'error', reference: 'tally-chain-failed', message: `the ${chain} validation failed without saying why` };
        seen.set(problemKey(silent), silent);
      }
    };
    // No deprecated-runtime list: the Forge CLI supplies one; the package itself has none.
    const full = await ProcessorBuilder.instance().withValidation(ValidationTypes.FULL).withOptions({}).build().process(manifestPath);
    record(full, ValidationTypes.FULL);
    const parsed: unknown = full.manifestObject?.yamlContent;
    // The trigger-scope check needs the schema-checked manifest; without one the schema errors say enough.
    if (full.manifestObject?.typedContent) {
      record(await new ProductTriggerScopesValidator(readEventScopeMapping()).validate(full.manifestObject), ValidationTypes.PRODUCT_TRIGGER);
    }
    const problems = [...seen.values()].map((p): ForgeLintProblem => ({ level: p.level, message: p.message, reference: p.reference, line: p.line }));
    const errors = problems.filter((p) => p.level === 'error');
    return { valid: errors.length === 0, errors, warnings: problems.filter((p) => p.level === 'warning'), parsed };
  } finally {
    rmSync(appDir, { recursive: true, force: true });
  }
}
