import os from 'node:os';

/** One measured row of a benchmark table. */
export type BenchRow = Record<string, string | number>;

/** The machine a benchmark ran on, printed with every result so numbers stay comparable. */
export function describeMachine(): Record<string, string | number> {
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()}`,
  };
}

/** Prints rows as an aligned text table, or as one JSON document with `--json`. */
export function printBench(name: string, rows: BenchRow[], argv: string[]): void {
  if (argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ bench: name, machine: describeMachine(), rows }, null, 2)}\n`);
    return;
  }
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cell = (value: string | number | undefined) =>
    value === undefined ? '' : typeof value === 'number' ? value.toLocaleString('en-US', { maximumFractionDigits: 1 }) : value;
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) => `| ${values.map((v, i) => v.padEnd(widths[i] as number)).join(' | ')} |`;
  const machine = describeMachine();
  process.stdout.write(`${name} — ${machine.date}, Node ${machine.node}, ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB\n\n`);
  process.stdout.write(`${line(columns)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const row of rows) process.stdout.write(`${line(columns.map((c) => cell(row[c])))}\n`);
}
