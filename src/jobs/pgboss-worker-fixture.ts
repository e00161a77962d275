/**
 * A Tally "instance" for the kill test (pgboss-job-queue.test.ts): starts a pg-boss queue on
 * `argv[2]` whose `hold` jobs print `started <payload>` and then never finish, so the test can
 * SIGKILL this process in the middle of one. Not used outside tests.
 */
import { createTestPgBossQueue } from './pgboss-test-kit.js';

const url = process.argv[2];
if (!url) throw new Error('usage: pgboss-worker-fixture <database url>');
const queue = createTestPgBossQueue(url, 1);
queue.register<string>('hold', async (payload) => {
  process.stdout.write(`started ${payload}\n`);
  await new Promise<never>(() => undefined);
});
await queue.start();
process.stdout.write('ready\n');
