import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from '../../src/platform/free-port.js';

/** One `tally serve` child process. */
export interface TallyProcess {
  /** `tally-1`, `tally-2`, … */
  name: string;
  pid: number;
  /** Its own origin on loopback (the load balancer's target). */
  url: string;
  dataDir: string;
  /** Resolves when the process has exited (code or signal). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything it wrote to stdout and stderr so far (for failure messages). */
  output(): string;
  kill(signal: NodeJS.Signals): void;
}

/** Options of {@link startTallyProcesses}. */
export interface TallyProcessesOptions {
  count: number;
  /** The environment every instance shares (DATABASE_URL, TALLY_BASE_URL, TALLY_SECRET_KEY, …). */
  env: Record<string, string>;
  /** How long each may take to answer `/readyz` 200 before start-up is called failed. */
  readyWithinMs?: number;
}

function startOne(name: string, port: number, env: Record<string, string>): TallyProcess {
  const dataDir = mkdtempSync(join(tmpdir(), `tally-${name}-`));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], {
    env: { ...process.env, ...env, PORT: String(port), TALLY_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += String(chunk)));
  child.stderr?.on('data', (chunk) => (output += String(chunk)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    name,
    pid: child.pid ?? -1,
    url: `http://127.0.0.1:${port}`,
    dataDir,
    exited,
    output: () => output,
    kill: (signal) => void child.kill(signal),
  };
}

/** Polls `/readyz` until it answers 200; throws with the process's output if it exits or takes too long. */
async function waitUntilReady(instance: TallyProcess, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  let exited = false;
  void instance.exited.then(() => (exited = true));
  while (!exited) {
    try {
      if ((await fetch(`${instance.url}/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${instance.name} did not become ready${exited ? ' (it exited)' : ` within ${withinMs} ms`}:\n${instance.output()}`);
}

/**
 * Starts `count` Tally servers the production way (`node --import tsx src/main.ts serve`), all at
 * once, each with its own port and data directory and the shared environment, and waits until
 * every one answers `/readyz`. `stopAll` ends the ones still running (SIGTERM, then SIGKILL) and
 * deletes their data directories.
 */
export async function startTallyProcesses(options: TallyProcessesOptions): Promise<{ instances: TallyProcess[]; stopAll(): Promise<void> }> {
  const ports = [];
  for (let i = 0; i < options.count; i++) ports.push(await findFreePort());
  const instances = ports.map((port, i) => startOne(`tally-${i + 1}`, port, options.env));
  const stopAll = async () => {
    await Promise.all(
      instances.map(async (instance) => {
        instance.kill('SIGTERM');
        const forced = setTimeout(() => instance.kill('SIGKILL'), 15_000);
        await instance.exited;
        clearTimeout(forced);
        rmSync(instance.dataDir, { recursive: true, force: true });
      }),
    );
  };
  try {
    await Promise.all(instances.map((instance) => waitUntilReady(instance, options.readyWithinMs ?? 90_000)));
  } catch (error) {
    await stopAll();
    throw error;
  }
  return { instances, stopAll };
}
