import type { EdgeModule } from './edge.js';
import { bitbucketConnectEdgeModule } from './bitbucket-connect/bitbucket-connect-edge.js';
import { bitbucketForgeEdgeModule } from './bitbucket-forge/bitbucket-forge-edge-module.js';
import { connectEdgeModule } from './jira-connect/connect-edge.js';
import { forgeEdgeModule } from './jira-forge/forge-edge-module.js';
import { siteEdgeModule } from './jira-site/site-edge-module.js';

/**
 * Every platform edge Tally ships, in mounting order. The composition root turns on those that
 * are configured (or listed in `TALLY_EDGES`); retiring an edge is deleting its line here and its
 * folder — nothing else names it. The Bitbucket edges deliver no Jira tenant: they link a
 * Bitbucket workspace to one (src/bitbucket/).
 */
export const ALL_EDGE_MODULES: readonly EdgeModule[] = [siteEdgeModule, connectEdgeModule, forgeEdgeModule, bitbucketConnectEdgeModule, bitbucketForgeEdgeModule];
