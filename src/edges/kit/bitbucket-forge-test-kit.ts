/**
 * Test helpers for the Bitbucket Forge edge: invocation-token claims of a Bitbucket Forge app, to
 * sign with the FIT kit of forge-test-kit.ts. Only imported by `*.test.ts` files; end-to-end tests
 * use the simulator's independent Forge side (`bb.forge`) instead.
 */
import { TEST_JWKS_URL } from './forge-test-kit.js';

export { TEST_JWKS_URL };

/** The Bitbucket Forge app the unit tests speak for (a made-up uuid, not the Jira test app's). */
export const BB_TEST_APP_ID = 'ari:cloud:ecosystem::app/5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d';
export const WORKSPACE_A = 'b7ea02c9-1111-4aaa-8aaa-0000000000a1';
export const WORKSPACE_B = 'c8fb13da-2222-4bbb-8bbb-0000000000b2';
export const BB_INSTALLATION_A = '55555555-eeee-4eee-8eee-555555555555';
export const BB_INSTALLATION_B = '66666666-ffff-4fff-8fff-666666666666';
export const BB_API = 'https://api.bitbucket.org';

/** Who and where a token speaks for. */
export interface BitbucketClaimsOptions {
  installation?: string;
  workspace?: string;
  apiBaseUrl?: string;
  /** A UI call: the module type, the viewer and where the module is shown. */
  ui?: { moduleType: string; accountId: string; repositoryUuid?: string; pullRequestId?: number };
}

/** The claims of a Bitbucket invocation: a trigger (`core:endpoint`) unless `ui` is given. */
export function bitbucketClaims(options: BitbucketClaimsOptions = {}): Record<string, unknown> {
  const installation = `ari:cloud:ecosystem::installation/${options.installation ?? BB_INSTALLATION_A}`;
  const workspace = options.workspace ?? WORKSPACE_A;
  const apiBaseUrl = options.apiBaseUrl ?? BB_API;
  const ui = options.ui;
  return {
    iss: 'forge/invocation-token',
    aud: BB_TEST_APP_ID,
    app: {
      id: BB_TEST_APP_ID,
      installationId: installation,
      apiBaseUrl,
      // Bitbucket's context names the workspace without braces (remote/essentials).
      installation: { id: installation, contexts: [{ name: 'bitbucket', apiBaseUrl, workspaceId: workspace }] },
      module: ui ? { type: ui.moduleType, key: 'tally-ui' } : { type: 'core:endpoint', key: 'tick-endpoint' },
    },
    ...(ui
      ? {
          principal: ui.accountId,
          // …and `context.workspaceId` with braces.
          context: {
            workspaceId: `{${workspace}}`,
            extension: {
              ...(ui.repositoryUuid ? { repository: { uuid: ui.repositoryUuid } } : {}),
              ...(ui.pullRequestId !== undefined ? { pullRequest: { id: ui.pullRequestId } } : {}),
            },
          },
        }
      : {}),
  };
}
