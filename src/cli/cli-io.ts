/** Where a CLI command writes; the process streams in production, buffers in tests. */
export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
}

/** A command's exit code: 0 ok, 1 failed, 2 bad usage. */
export type ExitCode = 0 | 1 | 2;
