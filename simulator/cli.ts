import { parseSimulatorArgs, SIMULATOR_USAGE } from './cli-options.js';
import { describeSimulator, startSimulator } from './start-simulator.js';

/** `npm run simulator -- --worklogs 100000`: serves a simulated Jira site until interrupted. */
async function main(): Promise<void> {
  let options;
  try {
    options = parseSimulatorArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`simulator: ${(error as Error).message}\n\n${SIMULATOR_USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (options.help) {
    process.stdout.write(SIMULATOR_USAGE);
    return;
  }
  const running = await startSimulator(options);
  process.stdout.write(`${describeSimulator(running)}\n\nPress Ctrl-C to stop.\n`);
  const stop = () => {
    void running.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

await main();
