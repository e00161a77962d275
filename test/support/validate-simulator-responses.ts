/**
 * Vitest setup: every simulator a test creates validates each `/rest/` response it produces —
 * in-process or over HTTP — against Atlassian's OpenAPI excerpts, and a test whose simulator
 * answered outside the schema fails, with the offending responses listed.
 */
import { afterEach, expect, vi } from 'vitest';
import { checkSimulatorResponse, takeResponseMismatches } from './simulator-response-check.js';
import { createBitbucketResponseCheck, type BitbucketResponseCheck } from './bitbucket-openapi-validator.js';

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

/*
 * The same for the simulated Bitbucket Cloud: every `/2.0/` response any test's simulator
 * produces is validated against Atlassian's Bitbucket excerpt (bitbucket-openapi-validator.ts).
 * A test that installs its own `inspectResponse` keeps it; both run.
 */
// Built on the first Bitbucket response: test files that never start one do not compile the excerpt.
let bitbucketCheck: BitbucketResponseCheck | undefined;

vi.mock('../../simulator/bitbucket/create-bitbucket-simulator.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../simulator/bitbucket/create-bitbucket-simulator.js')>();
  return {
    ...original,
    createBitbucketSimulator: (options: Parameters<typeof original.createBitbucketSimulator>[0] = {}) => {
      const own = options.inspectResponse;
      return original.createBitbucketSimulator({
        ...options,
        inspectResponse: async (request, response) => {
          bitbucketCheck ??= createBitbucketResponseCheck();
          await bitbucketCheck.inspect(request, response);
          if (own) await own(request, response);
        },
      });
    },
  };
});

afterEach(() => {
  if (bitbucketCheck) expect(bitbucketCheck.takeMismatches(), 'Bitbucket simulator responses outside the OpenAPI excerpt').toEqual([]);
});
