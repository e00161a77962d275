// Entry of a backup worker thread. Tally runs its TypeScript through tsx: a worker started by a
// process that already has tsx's loader (`tsx`, `node --import tsx`) inherits it; one started under
// `tsx/esm/api`'s register() or a test runner does not, so then the loader is registered here. The
// second import carries a query: the module map remembers the first, failed one.
// (The same shim as src/jira/parse-workers/worklog-parse-worker.mjs.)
try {
  await import('./backup-worker.ts');
} catch (error) {
  if (error?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
  const { register } = await import('tsx/esm/api');
  register();
  await import('./backup-worker.ts?loader=tsx');
}
