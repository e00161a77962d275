/**
 * Vitest setup: every simulator a test creates validates each `/rest/` response it produces —
 * in-process or over HTTP — against Atlassian's OpenAPI excerpts, and a test whose simulator
 * answered outside the schema fails, with the offending responses listed.
 */
import { afterEach, expect, vi } from 'vitest';
import { checkSimulatorResponse, takeResponseMismatches } from './simulator-response-check.js';

vi.mock('../../simulator/create-simulator.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../simulator/create-simulator.js')>();
  return {
    ...original,
    createSimulator: (options: Parameters<typeof original.createSimulator>[0] = {}) =>
      original.createSimulator({ inspectResponse: checkSimulatorResponse, ...options }),
  };
});

afterEach(() => {
  const mismatches = takeResponseMismatches();
  expect(mismatches, 'simulator responses outside the OpenAPI schemas').toEqual([]);
});
