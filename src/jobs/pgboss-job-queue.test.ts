import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestPostgresDatabase, describeWithPostgres, type TestPostgresDatabase } from '../../test/support/postgres.js';
import { createPgKeyLease } from './pgboss-key-lease.js';
import type { PgBossJobQueue } from './pgboss-job-queue.js';
import { createTestPgBossQueue } from './pgboss-test-kit.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** [start, end] of each run, to prove two runs of one key never overlapped anywhere. */
interface Run {
  key: string;
  instance: string;
  startMs: number;
  endMs: number;
}
function overlappingRuns(runs: Run[]): [Run, Run][] {
  const overlaps: [Run, Run][] = [];
  for (const a of runs) for (const b of runs) if (a !== b && a.key === b.key && a.startMs < b.endMs && b.startMs < a.endMs && a.startMs <= b.startMs) overlaps.push([a, b]);
  return overlaps;
}

describeWithPostgres('pg-boss job queue (two instances on one PostgreSQL database)', () => {
  let database: TestPostgresDatabase;
  const queues: PgBossJobQueue[] = [];
  const instance = (concurrency = 2) => {
    const queue = createTestPgBossQueue(database.url, concurrency);
    queues.push(queue);
    return queue;
  };

  beforeEach(async (context) => {
    database = await createTestPostgresDatabase();
    context.onTestFinished(async ({ task }) => {
      if (task.result?.state === 'fail') console.warn(`Kept the database of a failed pg-boss test: ${database.name}`);
      else await database.drop();
    });
  });
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((queue) => queue.stop()));
  });

  it('never runs two jobs of one key at once on any instance, and a key queued five times while it runs runs once more', async () => {
    const [a, b] = [instance(), instance()];
    const runs: Run[] = [];
    const ranPayloads: string[] = [];
    for (const [label, queue] of [['a', a], ['b', b]] as const) {
      const work = async (payload: string) => {
        const startMs = performance.now();
        await sleep(40);
        ranPayloads.push(payload);
        runs.push({ key: payload.split('/')[0]!, instance: label, startMs, endMs: performance.now() });
      };
      queue.register<string>('sync', work);
      queue.register<string>('webhook', work);
    }
    // Six tenants, three kinds of work each, sent from both instances: 36 jobs.
    for (let t = 0; t < 6; t++) {
      for (const queue of [a, b]) {
        queue.enqueue({ kind: 'webhook', key: `t${t}`, priority: 0, payload: `t${t}/webhook` });
        queue.enqueue({ kind: 'sync', key: `t${t}`, priority: 1, payload: `t${t}/sync-a` });
        queue.enqueue({ kind: 'sync', key: `t${t}`, priority: 5, payload: `t${t}/sync-b` });
      }
    }
    await Promise.all([a.start(), b.start()]);
    await a.idle();
    expect(runs).toHaveLength(36);
    expect(new Set(runs.map((r) => r.instance))).toEqual(new Set(['a', 'b']));
    expect(overlappingRuns(runs)).toEqual([]);

    const gate = deferred();
    let runsOfHeld = 0;
    a.register<string>('held', async () => {
      runsOfHeld++;
      await gate.promise;
    });
    b.register<string>('held', async () => {
      runsOfHeld++;
      await gate.promise;
    });
    a.enqueue({ kind: 'held', key: 'x', priority: 1, payload: 'first', dedupe: 'auto' });
    await waitFor('the first held job to run', () => runsOfHeld === 1);
    for (let i = 0; i < 5; i++) (i % 2 ? a : b).enqueue({ kind: 'held', key: 'x', priority: 1, payload: `again ${i}`, dedupe: 'auto' });
    await Promise.all([a.flush(), b.flush()]);
    expect(runsOfHeld).toBe(1);
    expect((await a.inspect()).queued).toEqual(['held:x']);
    gate.resolve();
    await a.idle();
    expect(runsOfHeld).toBe(2);
  });

  it('runs lower priority numbers first and every job without a dedupe value', async () => {
    const queue = instance(1);
    const order: string[] = [];
    queue.register<string>('work', async (name) => {
      order.push(name);
    });
    queue.enqueue({ kind: 'work', key: 'a', priority: 5, payload: 'backfill' });
    queue.enqueue({ kind: 'work', key: 'b', priority: 1, payload: 'incremental' });
    queue.enqueue({ kind: 'work', key: 'c', priority: -1, payload: 'purge' });
    for (const n of [1, 2, 3]) queue.enqueue({ kind: 'work', key: 'd', priority: 0, payload: `hint ${n}` });
    // Enqueues of different keys land side by side: start once all six wait.
    await queue.flush();
    await queue.start();
    await queue.idle();
    expect(order).toEqual(['purge', 'hint 1', 'hint 2', 'hint 3', 'incremental', 'backfill']);
  });

  it('aborts a cancelled key’s job on the instance running it and drops its waiting jobs; a job queued after the cancel starts once the aborted one has settled', async () => {
    const [a, b] = [instance(), instance()];
    const log: string[] = [];
    let abortedEndMs = 0;
    b.register('sync', async (_payload, { signal }) => {
      log.push('sync started');
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      // The page in hand still commits after the abort.
      await sleep(300);
      abortedEndMs = performance.now();
      log.push('sync stopped');
    });
    const purgeStarts: number[] = [];
    for (const queue of [a, b]) {
      queue.register('backfill', async () => {
        log.push('backfill ran');
      });
      queue.register('purge', async () => {
        purgeStarts.push(performance.now());
        log.push('purge ran');
      });
    }
    await b.start();
    a.enqueue({ kind: 'sync', key: 't1', priority: 1, payload: null });
    await waitFor('the sync to start on b', () => log.includes('sync started'));
    a.enqueue({ kind: 'backfill', key: 't1', priority: 5, payload: null, dedupe: 'auto' });
    // b, running the sync, hears of the cancel only through pg-boss (its next heartbeat).
    a.cancel('t1');
    a.enqueue({ kind: 'purge', key: 't1', priority: -1, payload: null, dedupe: 'purge' });
    await a.start();
    await a.idle();
    await b.idle();
    expect(log).toEqual(['sync started', 'sync stopped', 'purge ran']);
    expect(purgeStarts[0]).toBeGreaterThanOrEqual(abortedEndMs);
  });

  it('releases a running job on stop, after the handler returns, to another instance', async () => {
    const [a, b] = [instance(), instance()];
    const log: string[] = [];
    a.register<number>('sync', async (page, { signal }) => {
      log.push(`a started at page ${page}`);
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      log.push('a committed its page and returned');
    });
    b.register<number>('sync', async (page) => {
      log.push(`b ran from page ${page}`);
    });
    a.enqueue({ kind: 'sync', key: 't1', priority: 1, payload: 7 });
    await a.start();
    await waitFor('a to run the job', () => log.length === 1);
    await a.stop();
    expect(log).toEqual(['a started at page 7', 'a committed its page and returned']);
    await b.start();
    await b.idle();
    expect(log).toEqual(['a started at page 7', 'a committed its page and returned', 'b ran from page 7']);
  });

  it('aborts a job whose lease connection is lost and runs it again', async () => {
    const queue = instance(1);
    const log: string[] = [];
    queue.register<string>('sync', async (payload, { signal }) => {
      if (log.length === 0) {
        log.push(`started ${payload}`);
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        log.push('aborted');
        return;
      }
      log.push(`ran ${payload} again`);
    });
    queue.enqueue({ kind: 'sync', key: 't1', priority: 1, payload: 't1' });
    await queue.start();
    await waitFor('the job to start', () => log.length === 1);
    const admin = createPgKeyLease({ connectionString: database.url });
    // The session holding the key's advisory lock, ended the way a failover or an operator would.
    const terminator = new pg.Pool({ connectionString: database.url, max: 1 });
    await terminator.query(`select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory' and granted and objsubid = 2 and pid <> pg_backend_pid()`);
    await terminator.end();
    await queue.idle();
    expect(log).toEqual(['started t1', 'aborted', 'ran t1 again']);
    expect(await admin.isHeld('t1')).toBe(false);
    await admin.close();
  });

  it('forgets every finished job of a purged key and the purge itself, but keeps a job queued during the purge and other keys’ jobs', async () => {
    const queue = instance(1);
    const storedKinds = async (key: string) => {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      const { rows } = await client.query<{ kind: string }>(`select data->>'kind' as kind from pgboss.job where singleton_key = $1 order by created_on`, [key]);
      await client.end();
      return rows.map((row) => row.kind);
    };
    const purgeGate = deferred();
    queue.register('sync', async () => {});
    queue.register('purge', async () => {
      await purgeGate.promise;
      await queue.forgetKey('t1');
    });
    for (const key of ['t1', 't2']) queue.enqueue({ kind: 'sync', key, priority: 1, payload: null });
    await queue.start();
    await queue.idle();
    queue.enqueue({ kind: 'purge', key: 't1', priority: -1, payload: null });
    await waitFor('the purge to run', async () => (await queue.inspect()).running.includes('purge:t1'));
    queue.enqueue({ kind: 'sync', key: 't1', priority: 5, payload: 'reinstalled' });
    await waitFor('the re-install’s sync to be queued', async () => (await queue.inspect()).queued.includes('sync:t1'));
    purgeGate.resolve();
    await queue.idle();
    expect(await storedKinds('t1')).toEqual(['sync']);
    expect(await storedKinds('t2')).toEqual(['sync']);
  });

  it('tries a failed enqueue again, so a transient database error loses no job', async () => {
    const boss = new PgBoss({ connectionString: database.url, schedule: false });
    boss.on('error', () => undefined);
    await boss.start();
    try {
      // The first two writes fail as a connection timeout would; the third reaches the database.
      const insert = boss.insert.bind(boss);
      let failures = 2;
      boss.insert = (async (...args: Parameters<typeof boss.insert>) => {
        if (failures-- > 0) throw new Error('Connection terminated due to connection timeout');
        return insert(...args);
      }) as typeof boss.insert;
      const queue = createTestPgBossQueue(database.url, 1, {}, boss);
      const ran: string[] = [];
      queue.register<string>('sync', async (payload) => {
        ran.push(payload);
      });
      queue.enqueue({ kind: 'sync', key: 't1', priority: 1, payload: 'after two failed sends' });
      await queue.start();
      await queue.idle();
      expect(ran).toEqual(['after two failed sends']);
      await queue.stop();
    } finally {
      await boss.stop({ graceful: false });
    }
  });

  it('writes a round of a thousand enqueues from two instances in a few inserts: one waiting job per key and dedupe value, none lost', async () => {
    const boss = new PgBoss({ connectionString: database.url, schedule: false });
    boss.on('error', () => undefined);
    await boss.start();
    let a: PgBossJobQueue | undefined;
    try {
      const insert = boss.insert.bind(boss);
      const insertSizes: number[] = [];
      boss.insert = (async (...args: Parameters<typeof boss.insert>) => {
        insertSizes.push(args[1].length);
        return insert(...args);
      }) as typeof boss.insert;
      a = createTestPgBossQueue(database.url, 1, {}, boss);
      const b = instance(1);
      const keys = Array.from({ length: 1000 }, (_, n) => `t${n}`);
      // Each instance queues every key's incremental sync twice in the same turn, as two overlapping rounds would.
      for (const queue of [a, b, a, b]) for (const key of keys) queue.enqueue({ kind: 'sync', key, priority: 1, payload: key, dedupe: 'incremental' });
      // Another dedupe value and jobs without one are kept beside them.
      a.enqueue({ kind: 'sync', key: 't1', priority: 5, payload: 't1 full', dedupe: 'full' });
      for (const n of [1, 2]) a.enqueue({ kind: 'webhook', key: 't2', priority: 0, payload: `hint ${n}` });
      await Promise.all([a.flush(), b.flush()]);
      const waiting = (await a.inspect()).queued;
      expect(waiting).toHaveLength(1003);
      expect(new Set(waiting.filter((job) => job.startsWith('sync:'))).size).toBe(1000);
      expect(waiting.filter((job) => job === 'webhook:t2')).toHaveLength(2);
      // Instance a's 2,003 enqueues went to the database in a handful of writes, not one each.
      expect(insertSizes.length).toBeLessThanOrEqual(10);
      expect(insertSizes.every((size) => size <= 500)).toBe(true);
    } finally {
      await a?.stop();
      await boss.stop({ graceful: false });
    }
  });

  it('runs on a pg-boss instance it is given and leaves that instance running when it stops', async () => {
    const boss = new PgBoss({ connectionString: database.url, schedule: false });
    boss.on('error', () => undefined);
    await boss.start();
    try {
      const queue = createTestPgBossQueue(database.url, 1, {}, boss);
      const ran: string[] = [];
      queue.register<string>('sync', async (payload) => {
        ran.push(payload);
      });
      queue.enqueue({ kind: 'sync', key: 't1', priority: 1, payload: 'on a shared instance' });
      await queue.start();
      await queue.idle();
      await queue.stop();
      expect(ran).toEqual(['on a shared instance']);
      expect(await boss.getQueue('tally-jobs')).toMatchObject({ policy: 'singleton', heartbeatSeconds: 10 });
      expect(await boss.isInstalled()).toBe(true);
    } finally {
      await boss.stop({ graceful: false });
    }
  });

  it('fails a job whose handler throws without retrying it, and keeps going', async () => {
    const queue = instance(1);
    let attempts = 0;
    const ran: string[] = [];
    queue.register('fail', async () => {
      attempts++;
      throw new Error('boom');
    });
    queue.register<string>('ok', async (name) => {
      ran.push(name);
    });
    queue.enqueue({ kind: 'fail', key: 'x', priority: 1, payload: null });
    queue.enqueue({ kind: 'ok', key: 'x', priority: 1, payload: 'after' });
    await queue.start();
    await queue.idle();
    await sleep(300);
    expect(attempts).toBe(1);
    expect(ran).toEqual(['after']);
  });

  it('refuses idle() before start(), where waiting would never end, and drains once started', async () => {
    const queue = instance(1);
    const ran: string[] = [];
    queue.register<string>('noop', async (name) => {
      ran.push(name);
    });
    queue.enqueue({ kind: 'noop', key: 'x', priority: 1, payload: 'queued before start' });
    await expect(queue.idle()).rejects.toThrow(/idle\(\) before start\(\)/);
    await queue.start();
    await queue.idle();
    expect(ran).toEqual(['queued before start']);
  });

  it('takes over the job of an instance killed with SIGKILL in the middle of it', { timeout: 60_000 }, async () => {
    const survivor = instance();
    const ran: string[] = [];
    survivor.register<string>('hold', async (payload) => {
      ran.push(payload);
    });
    survivor.enqueue({ kind: 'hold', key: 't1', priority: 1, payload: 'full sync of t1' });
    await survivor.flush();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/jobs/pgboss-worker-fixture.ts', database.url], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = once(child, 'exit');
    const lines = createInterface({ input: child.stdout! });
    const seen: string[] = [];
    lines.on('line', (line) => seen.push(line));
    try {
      await waitFor('the child to start the job', () => seen.includes('started full sync of t1'), 30_000);
      const lease = createPgKeyLease({ connectionString: database.url });
      expect(await lease.isHeld('t1')).toBe(true);
      child.kill('SIGKILL');
      await exited;
      // PostgreSQL ends the killed process's session, and with it the key's lease.
      await waitFor('the lease to be released', async () => !(await lease.isHeld('t1')), 5_000);
      await lease.close();
    } finally {
      child.kill('SIGKILL');
    }
    expect(ran).toEqual([]);
    await survivor.start();
    // Heartbeat deadline (10 s) plus a supervisor pass (1 s) and a poll.
    await waitFor('the survivor to run the job', () => ran.length === 1, 30_000);
    expect(ran).toEqual(['full sync of t1']);
    await survivor.idle();
    expect(ran).toHaveLength(1);
  });
});

describeWithPostgres('the key lease (`tally sync` beside a running server)', () => {
  let database: TestPostgresDatabase;
  const closers: (() => Promise<void>)[] = [];
  beforeEach(async (context) => {
    database = await createTestPostgresDatabase();
    context.onTestFinished(async ({ task }) => {
      await Promise.all(closers.splice(0).map((close) => close()));
      if (task.result?.state === 'fail') console.warn(`Kept the database of a failed lease test: ${database.name}`);
      else await database.drop();
    });
  });

  it('holds the server’s jobs of a key while a CLI runs under its lease, and makes the CLI wait while a job of the key runs', async () => {
    const server = createTestPgBossQueue(database.url);
    closers.push(() => server.stop());
    const cli = createPgKeyLease({ connectionString: database.url, attemptMs: 100 });
    closers.push(() => cli.close());
    const runs: Run[] = [];
    const record = async (who: string, ms: number) => {
      const startMs = performance.now();
      await sleep(ms);
      runs.push({ key: 't1', instance: who, startMs, endMs: performance.now() });
    };
    server.register('sync', () => record('server', 400));
    await server.start();

    // The CLI first: the server's job waits for the lease.
    const cliRun = cli.runExclusive('t1', () => record('cli', 500));
    await waitFor('the CLI to hold the lease', () => cli.isHeld('t1'));
    server.enqueue({ kind: 'sync', key: 't1', priority: 1, payload: null });
    await cliRun;
    await server.idle();

    // The server first: the CLI is told it waits, then runs after the job.
    server.enqueue({ kind: 'sync', key: 't1', priority: 1, payload: null });
    await waitFor('the server job to hold the lease', () => cli.isHeld('t1'));
    let waited = false;
    await cli.runExclusive('t1', () => record('cli', 100), { onWait: () => (waited = true) });
    await server.idle();

    expect(runs.map((r) => r.instance)).toEqual(['cli', 'server', 'server', 'cli']);
    expect(waited).toBe(true);
    expect(overlappingRuns(runs)).toEqual([]);
  });

  // hashtext('t2') is negative: the lock's objid in pg_locks is its unsigned reading.
  it('stops waiting when the waiter’s signal aborts, and releases a lease whose work throws', async () => {
    const lease = createPgKeyLease({ connectionString: database.url, attemptMs: 100 });
    closers.push(() => lease.close());
    const gate = deferred();
    const holding = lease.runExclusive('t2', () => gate.promise);
    await waitFor('the lease to be held', () => lease.isHeld('t2'));
    const controller = new AbortController();
    const waiting = lease.runExclusive('t2', async () => 'ran', { signal: controller.signal });
    await sleep(150);
    controller.abort(new Error('operator pressed Ctrl-C'));
    await expect(waiting).rejects.toThrow('operator pressed Ctrl-C');
    gate.resolve();
    await holding;
    await expect(lease.runExclusive('t2', async () => Promise.reject(new Error('work failed')))).rejects.toThrow('work failed');
    expect(await lease.isHeld('t2')).toBe(false);
    expect(await lease.runExclusive('t2', async () => 'ran')).toBe('ran');
  });
});
