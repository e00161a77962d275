import type { CliIo } from './cli-io.js';

/**
 * The `onWait` of a command that takes a tenant's lease: tells the operator once (on stderr, so
 * piped output stays clean) that a server job holds the tenant and the command waits for it.
 */
export function sayOnceWhenBusy(io: CliIo, tenantId: string): () => void {
  let said = false;
  return () => {
    if (said) return;
    said = true;
    io.stderr.write(`tally: tenant ${tenantId} is busy (a running Tally server is working on it); waiting until it is free — Ctrl-C stops waiting, nothing is lost\n`);
  };
}
