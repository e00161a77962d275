import { parseArgs } from 'node:util';

/** Flags of `npm run simulator`; every one optional. */
export interface SimulatorCliOptions {
  worklogs: number;
  users: number;
  issues: number;
  projects: number;
  years: number;
  seed: string;
  port: number;
  timeZone: string;
  help: boolean;
}

export const SIMULATOR_USAGE = `Usage: npm run simulator -- [options]

Starts a simulated Jira Cloud site on 127.0.0.1 with generated worklogs.

  --worklogs N     worklogs to generate (default 10000)
  --users N        users (default 50)
  --issues N       issues (default 2000)
  --projects N     projects (default 6)
  --years N        years of history (default 2)
  --seed S         generator seed; the same seed gives the same site (default 1)
  --port N         port to listen on (default 0: the OS picks one)
  --time-zone TZ   zone dates are rendered in, e.g. Europe/Berlin, UTC, +0530 (default Europe/Berlin)
  --help           this text
`;

function positiveInt(name: string, raw: string | undefined, fallback: number, min = 0): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be a whole number of at least ${min}, got "${raw}"`);
  return value;
}

/** Parses the simulator's flags; throws an Error with a clear message on bad input. */
export function parseSimulatorArgs(argv: string[]): SimulatorCliOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      worklogs: { type: 'string' },
      users: { type: 'string' },
      issues: { type: 'string' },
      projects: { type: 'string' },
      years: { type: 'string' },
      seed: { type: 'string' },
      port: { type: 'string' },
      'time-zone': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  const port = positiveInt('port', values.port, 0);
  if (port > 65_535) throw new Error(`--port must be at most 65535, got "${values.port}"`);
  const timeZone = values['time-zone'] ?? 'Europe/Berlin';
  if (!/^[+-]\d{2}:?\d{2}$/.test(timeZone)) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone });
    } catch {
      throw new Error(`--time-zone must be an IANA zone such as Europe/Berlin or an offset such as +0530, got "${timeZone}"`);
    }
  }
  return {
    worklogs: positiveInt('worklogs', values.worklogs, 10_000),
    users: positiveInt('users', values.users, 50, 1),
    issues: positiveInt('issues', values.issues, 2000, 1),
    projects: positiveInt('projects', values.projects, 6, 1),
    years: positiveInt('years', values.years, 2, 1),
    seed: values.seed ?? '1',
    port,
    timeZone,
    help: values.help ?? false,
  };
}
