/**
 * Test helpers for the site edge's sign-in: a fresh control database of a dialect with the
 * sign-in tables, per test, removed when the test passed (kept and named when it failed), and the
 * CLI's buffers. Only imported by `*.test.ts` files.
 */
import { beforeEach } from 'vitest';
import { createControlDbTarget } from '../../tenants/control-db-test-kit.js';
import { openControlDb, type ControlDb } from '../../tenants/control-db.js';
import type { ControlDialect } from '../../tenants/control-migrations.js';
import type { EdgeCliIo } from '../edge.js';
import { SITE_ACCESS_MIGRATIONS } from './site-access-schema.js';

/** Per test: an open control database with `jira-site/002_access`, and a way to open it again (as the CLI does). */
export function useSiteAccessDb(dialect: ControlDialect): { control(): ControlDb; reopen(): Promise<ControlDb> } {
  let current: { control: ControlDb; reopen(): Promise<ControlDb> } | undefined;
  beforeEach(async (context) => {
    const target = await createControlDbTarget(dialect);
    const open = () => openControlDb({ ...target.options, ownedMigrations: SITE_ACCESS_MIGRATIONS });
    const opened: ControlDb[] = [];
    const reopen = async () => {
      const control = await open();
      opened.push(control);
      return control;
    };
    context.onTestFinished(async ({ task }) => {
      for (const control of opened) await control.close();
      if (task.result?.state === 'fail') console.warn(`Kept the ${dialect} control database of a failed test: ${target.location}`);
      else await target.remove();
    });
    current = { control: await reopen(), reopen };
  });
  const get = () => {
    if (!current) throw new Error('useSiteAccessDb: only available inside a test');
    return current;
  };
  return { control: () => get().control, reopen: () => get().reopen() };
}

/** CLI streams that keep what was written. */
export function bufferedIo(): EdgeCliIo & { out(): string; err(): string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    out: () => out,
    err: () => err,
  };
}
