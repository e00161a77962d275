import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackupFileError, createWorkerBackupFileOps } from './backup-file-ops.js';

/** A small tenant-like SQLite file with `rows` worklogs. */
function makeSource(path: string, rows: number): void {
  const db = new Database(path);
  db.exec('CREATE TABLE worklogs (client_worklog_id INTEGER PRIMARY KEY, comment TEXT)');
  const insert = db.prepare('INSERT INTO worklogs (client_worklog_id, comment) VALUES (?, ?)');
  for (let id = 1; id <= rows; id++) insert.run(id, `comment ${id}`);
  db.close();
}

describe('backup file operations on the long-lived worker', () => {
  let dir: string;
  let ops: ReturnType<typeof createWorkerBackupFileOps>;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tally-backup-ops-'));
    ops = createWorkerBackupFileOps();
  });

  afterEach(async () => {
    await ops.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers operations sent at once, each with its own result', async () => {
    makeSource(join(dir, 'a.sqlite'), 3);
    makeSource(join(dir, 'b.sqlite'), 5);
    writeFileSync(join(dir, 'junk.sqlite'), 'not a database at all, just some text '.repeat(200));
    const [a, b, junk] = await Promise.all([
      ops.snapshot(join(dir, 'a.sqlite'), join(dir, 'a.backup')),
      ops.snapshot(join(dir, 'b.sqlite'), join(dir, 'b.backup')),
      ops.inspect(join(dir, 'junk.sqlite')),
    ]);
    expect([a.worklogs, b.worklogs]).toEqual([3, 5]);
    expect(junk.integrityErrors).not.toEqual([]);
    const inspected = await ops.inspect(join(dir, 'b.backup'));
    expect(inspected).toMatchObject({ bytes: b.bytes, sha256: b.sha256, integrityErrors: [], worklogs: 5 });
  });

  it("rejects a failed snapshot with SQLite's message and leaves the worker serving", async () => {
    await expect(ops.snapshot(join(dir, 'missing.sqlite'), join(dir, 'missing.backup'))).rejects.toBeInstanceOf(BackupFileError);
    makeSource(join(dir, 'a.sqlite'), 2);
    expect((await ops.snapshot(join(dir, 'a.sqlite'), join(dir, 'a.backup'))).worklogs).toBe(2);
  });

  it('stops an idle worker and starts a new one for the next operation', async () => {
    const quick = createWorkerBackupFileOps({ idleStopMs: 1 });
    makeSource(join(dir, 'a.sqlite'), 2);
    await quick.snapshot(join(dir, 'a.sqlite'), join(dir, 'one.backup'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await quick.snapshot(join(dir, 'a.sqlite'), join(dir, 'two.backup'))).worklogs).toBe(2);
    await quick.close();
  });

  it('starts a new worker for an operation after close', async () => {
    makeSource(join(dir, 'a.sqlite'), 1);
    await ops.snapshot(join(dir, 'a.sqlite'), join(dir, 'one.backup'));
    await ops.close();
    expect((await ops.snapshot(join(dir, 'a.sqlite'), join(dir, 'two.backup'))).worklogs).toBe(1);
  });
});
