/**
 * Test helpers for the Forge manifest tests of both edges and the kit: lint manifest data broken
 * on purpose, capture a command's output, and a scratch directory removed after the file's tests.
 * Only imported by `*.test.ts` files.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import type { CliIo } from '../../cli/cli-io.js';
import { lintForgeManifest, type ForgeLintOptions, type ForgeLintResult } from './forge-manifest-lint.js';
import { renderYaml, type YamlValue } from './forge-manifest-yaml.js';

/**
 * A generated manifest as mutable plain data (a deep copy), for breaking it on purpose; `any`
 * because the tests reach into modules by path and assign whatever breaks them.
 */
export function mutableManifest(manifest: object): Record<string, any> {
  return structuredClone(manifest) as Record<string, any>;
}

/** Writes manifest data as YAML with the kit's writer and lints it. */
export function lintManifestData(manifest: object, options: ForgeLintOptions = {}): Promise<ForgeLintResult> {
  return lintForgeManifest(renderYaml(manifest as { [key: string]: YamlValue }), options);
}

/** A command's stdout and stderr, each as the list of what was written. */
export function captureCliIo(): { io: CliIo; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: { write: (text: string) => out.push(text) }, stderr: { write: (text: string) => err.push(text) } } };
}

/** A fresh temporary directory, removed after the calling test file's tests. */
export function scratchDirectory(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `tally-${name}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
