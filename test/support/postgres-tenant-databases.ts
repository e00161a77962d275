import pg from 'pg';

/**
 * Drops every tenant database placed through the control database at `controlUrl` — and the
 * scratch or replaced database a restore may leave beside one — so a test that ends with tenants
 * still installed (or fails half-way) leaves nothing on the server. Call it before dropping the
 * control database itself. Names come from `store_placements` (tenant ids Tally generated), so
 * they are safe in DDL. Drops run side by side: each waits for a checkpoint.
 */
export async function dropPlacedTenantDatabases(controlUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: controlUrl, application_name: 'tally-test-admin' });
  await client.connect();
  try {
    const placed = (await client.query<{ tenant_id: string }>("SELECT tenant_id FROM store_placements WHERE to_regclass('store_placements') IS NOT NULL").catch(() => ({ rows: [] }))).rows;
    const names = placed.filter(({ tenant_id }) => /^t_[0-9a-f]+$/.test(tenant_id)).flatMap(({ tenant_id }) => [`tally_${tenant_id}`, `tally_${tenant_id}_restoring`, `tally_${tenant_id}_replaced`]);
    await Promise.all(
      names.map(async (name) => {
        const admin = new pg.Client({ connectionString: controlUrl, application_name: 'tally-test-admin' });
        await admin.connect();
        try {
          await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        } finally {
          await admin.end();
        }
      }),
    );
  } finally {
    await client.end();
  }
}
