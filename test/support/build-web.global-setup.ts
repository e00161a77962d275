/**
 * Vitest global setup: builds the report page once before any test runs, when `web/dist` is
 * missing or older than its sources. Tests that serve the page (the browser test, the page
 * routes) then read a current build; a fresh build costs nothing.
 */
import { ensureWebBuilt } from '../../scripts/build-web.js';

export default async function buildWebOnce(): Promise<void> {
  const result = await ensureWebBuilt({ logLevel: 'warn' });
  if (result.status === 'built') process.stdout.write(`report page built for the tests in ${Math.round(result.ms)} ms (${result.reason})\n`);
}
