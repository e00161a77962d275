#!/usr/bin/env node
// `npx tally <command>`: runs Tally's TypeScript entry point through tsx (no build step to drift
// from the source). See `tally help`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
await main();
