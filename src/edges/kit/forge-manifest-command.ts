/**
 * The body both Forge manifest commands share (`npm run forge:manifest`, `npm run
 * forge:bitbucket-manifest`): parse the flags, build the options, render, then write the file or
 * `--check` it, and `--lint` the result with Atlassian's `@forge/manifest`. Each edge supplies only
 * what differs — its usage text, its own flags, where its options come from and its renderer.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CliIo, ExitCode } from '../../cli/cli-io.js';
import { isAppError } from '../../platform/app-error.js';

/** The parsed flags, as `node:util` `parseArgs` gives them. */
export type ForgeManifestFlags = Record<string, string | boolean | undefined>;

/** The resources `--lint` copies into the app it validates, for a manifest written to some file. */
export interface ForgeManifestLintResources {
  /** Directories by their `resources[].path`; a resource without one is linted as a placeholder page. */
  resourceSources: Readonly<Record<string, string>>;
  /** Lines for stdout saying where a resource came from when that is not obvious. */
  notes: readonly string[];
}

/** What one edge's manifest command is made of. `Options` is an object: a string from `optionsFrom` is a usage message. */
export interface ForgeManifestCommand<Options extends object> {
  /** The npm script, named when a checked file is stale (`npm run forge:manifest`). */
  script: string;
  /** The full usage text, shown for `--help` and after a usage error. */
  usage: string;
  /** The command's own flags; `--out`, `--check`, `--lint` and `--help` are added here. */
  flags: NonNullable<ParseArgsConfig['options']>;
  /** The checked-in manifest, written when `--out` is absent. */
  defaultOut: string;
  /** The renderer's options from the flags and the environment, or a usage message. */
  optionsFrom(flags: ForgeManifestFlags, env: ForgeManifestCommandDeps['env']): Options | string;
  /** The manifest text; throws `CONFIG_INVALID` with one detail line per bad option. */
  render(options: Options): string;
  /** What `--lint` lays out beside a manifest written to `out`. */
  lintResources(out: string): ForgeManifestLintResources;
}

/** What a command reads besides its arguments; the process's in production, fakes in tests. */
export interface ForgeManifestCommandDeps {
  io: CliIo;
  env: Readonly<Record<string, string | undefined>>;
}

const SHARED_FLAGS = Object.freeze({
  out: { type: 'string' },
  check: { type: 'boolean' },
  lint: { type: 'boolean' },
  help: { type: 'boolean' },
} satisfies NonNullable<ParseArgsConfig['options']>);

function parseFlags(argv: readonly string[], flags: NonNullable<ParseArgsConfig['options']>): ForgeManifestFlags | Error {
  try {
    return parseArgs({ args: [...argv], options: { ...flags, ...SHARED_FLAGS }, strict: true, allowPositionals: false }).values as ForgeManifestFlags;
  } catch (error) {
    return error as Error;
  }
}

async function lint(yaml: string, resources: ForgeManifestLintResources, io: CliIo): Promise<boolean> {
  // Imported here: @forge/manifest is a devDependency, needed only for linting.
  const { lintForgeManifest } = await import('./forge-manifest-lint.js');
  const result = await lintForgeManifest(yaml, { resourceSources: resources.resourceSources });
  for (const problem of [...result.errors, ...result.warnings]) {
    io.stderr.write(`${problem.level}: ${problem.message}${problem.line ? ` (line ${problem.line})` : ''}\n`);
  }
  for (const note of resources.notes) io.stdout.write(`note: ${note}\n`);
  io.stdout.write(result.valid ? "the manifest passes @forge/manifest's validation\n" : "the manifest fails @forge/manifest's validation\n");
  return result.valid;
}

/**
 * Runs one manifest command. Never throws for bad input (exit 2) or for a stale or invalid
 * manifest (exit 1); `--check` writes nothing, and a usage error writes nothing either.
 */
export async function runForgeManifestCommand<Options extends object>(command: ForgeManifestCommand<Options>, argv: readonly string[], deps: ForgeManifestCommandDeps): Promise<ExitCode> {
  const { io, env } = deps;
  const flags = parseFlags(argv, command.flags);
  if (flags instanceof Error) {
    io.stderr.write(`${flags.message}\n${command.usage}`);
    return 2;
  }
  if (flags.help) {
    io.stdout.write(command.usage);
    return 0;
  }
  const options = command.optionsFrom(flags, env);
  if (typeof options === 'string') {
    io.stderr.write(`${options}\n${command.usage}`);
    return 2;
  }
  let yaml: string;
  try {
    yaml = command.render(options);
  } catch (error) {
    if (!isAppError(error, 'CONFIG_INVALID')) throw error;
    io.stderr.write(`${error.details.join('\n')}\n`);
    return 2;
  }
  const out = (flags.out as string | undefined) ?? command.defaultOut;
  const shown = relative(process.cwd(), out) || out;
  if (flags.check) {
    if ((existsSync(out) ? readFileSync(out, 'utf8') : undefined) !== yaml) {
      io.stderr.write(`${shown} is out of date: run ${command.script}\n`);
      return 1;
    }
    io.stdout.write(`${shown} is up to date\n`);
  } else {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, yaml);
    io.stdout.write(`wrote ${shown}\n`);
  }
  if (flags.lint && !(await lint(yaml, command.lintResources(out), io))) return 1;
  return 0;
}
