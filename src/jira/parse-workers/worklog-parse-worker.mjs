// Entry of a parse worker thread. Tally runs its TypeScript through tsx: a worker started by a
// process that already has tsx's loader (`tsx`, `node --import tsx`) inherits it; one started under
// `tsx/esm/api`'s register() or a test runner does not, so then the loader is registered here. The
// second import carries a query: the module map remembers the first, failed one.
try {
  await import('./worklog-parse-worker.ts');
} catch (error) {
  if (error?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
  const { register } = await import('tsx/esm/api');
  register();
  await import('./worklog-parse-worker.ts?loader=tsx');
}
