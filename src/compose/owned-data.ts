import { ownedDataOf, type EdgeModule } from '../edges/edge.js';
import { JIRA_POINTS_CATALOGUE, JIRA_POINTS_MIGRATIONS } from '../jira/shared-points-migrations.js';
import type { OwnedData } from '../privacy/data-statement/data-statement.js';
import { STORE_PLACEMENT_CATALOGUE, STORE_PLACEMENT_MIGRATIONS } from '../store/placement-migrations.js';

/**
 * What Tally keeps in the control database beyond the core registry's own migrations: the tables
 * of core modules that own them (the shared Jira points ledger) and of every edge Tally ships —
 * migrations applied whatever is on, catalogue entries for the data statement. The server, the
 * `tally` commands and the data statement read this one list, so they always agree.
 */
export function tallyOwnedData(edgeModules: readonly EdgeModule[]): OwnedData {
  const edges = ownedDataOf(edgeModules);
  return {
    migrations: { ...JIRA_POINTS_MIGRATIONS, ...STORE_PLACEMENT_MIGRATIONS, ...edges.migrations },
    catalogue: { ...JIRA_POINTS_CATALOGUE, ...STORE_PLACEMENT_CATALOGUE, ...edges.catalogue },
    notes: edges.notes,
  };
}
