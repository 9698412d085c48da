/**
 * PostgreSQL query plans of instance listing on 10,000 instances (EXPLAIN); the listing cases
 * shared with SQLite are in test/providers/shared/management-list.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { openPostgresProvider as openProvider, quoteIdent, rawClient } from '../../helpers/postgres.js';

describe('listing on 10,000 instances', () => {
  it('pages and counts by status through indexes, without scanning instances', async () => {
    const provider = await openProvider();
    const schema = quoteIdent(provider.schema);
    const raw = await rawClient();
    // Seeded in SQL (10,000 engine-style turns would dominate the test): every 4th Running,
    // 1 % Failed, the rest Completed.
    await raw.query(`
      INSERT INTO ${schema}.instances (instance_id, orchestration_name, created_at, updated_at, status)
      SELECT 'big-' || n, 'Greeter', 1000 + n, 1000 + n, CASE WHEN n % 4 = 0 THEN 'Running' WHEN n % 100 = 1 THEN 'Failed' ELSE 'Completed' END
      FROM generate_series(0, 9999) AS n`);
    await raw.query(`
      INSERT INTO ${schema}.executions (instance_id, execution_id, status, started_at)
      SELECT i.instance_id, 1, i.status, i.created_at FROM ${schema}.instances AS i`);
    await raw.query(`VACUUM ANALYZE ${schema}.instances`);
    await raw.query(`ANALYZE ${schema}.executions`);
    await raw.query(`SET search_path TO ${schema}`);
    const { FILTER_SQL } = await import('../../../src/providers/postgres/queries/instance-query.js');
    const listing = `SELECT i.instance_id FROM instances AS i ${FILTER_SQL}
      ORDER BY i.created_at DESC, i.instance_id DESC LIMIT $5::bigint OFFSET $6::bigint`;
    const counting = `SELECT count(*) FROM instances AS i ${FILTER_SQL}`;
    /** The plan with the parameters as literals (what a custom plan sees). */
    const plan = async (
      sql: string,
      values: readonly (string | number | boolean | null)[],
    ): Promise<string> => {
      const inlined = sql.replace(/\$(\d+)::(\w+)/g, (_, n: string, type: string) => {
        const value = values[Number(n) - 1];
        return `${value === null || value === undefined ? 'NULL' : typeof value === 'string' ? `'${value}'` : String(value)}::${type}`;
      });
      const result = await raw.query(`EXPLAIN ${inlined}`);
      return result.rows.map((row: Record<string, string>) => Object.values(row)[0]).join('\n');
    };
    const statusPage = await plan(listing, ['Running', null, null, false, 50, 0]);
    expect(statusPage).toMatch(/Index (Only )?Scan Backward using idx_instances_status/);
    expect(statusPage).not.toMatch(/Seq Scan|Sort/);
    const defaultPage = await plan(listing, [null, null, null, false, 50, 0]);
    expect(defaultPage).toMatch(/Index (Only )?Scan Backward using idx_instances_created/);
    expect(defaultPage).not.toMatch(/Seq Scan|Sort/);
    // Counting a rare status reads its index range (a common one may rightly scan the table).
    const rareCount = await plan(counting, ['Failed', null, null, false]);
    expect(rareCount).toMatch(/idx_instances_status/);
    expect(rareCount).not.toMatch(/Seq Scan/);

    // The plans above keep these bounded; timing them here would only measure the machine.
    const page = await provider.listInstances({ status: 'Running', limit: 50, offset: 1000 });
    const count = await provider.countInstances({ status: 'Running' });
    expect(page).toHaveLength(50);
    expect(page[0]).toMatchObject({ instanceId: 'big-5996', status: 'Running' });
    expect(count).toBe(2500);
  }, 60_000);
});
