/**
 * SQLite query plans of instance listing on 10,000 instances (EXPLAIN QUERY PLAN); the listing
 * cases shared with PostgreSQL are in test/providers/shared/management-list.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { countSql, listSql } from '../../../src/providers/sqlite/instance-queries.js';
import { seedInstances } from './admin-helpers.js';
import { openProvider, rawConnection, tempDbPath } from './helpers.js';

describe('listing on 10,000 instances', () => {
  it('pages and counts by status through indexes, without scanning instances', async () => {
    const path = tempDbPath();
    const provider = await openProvider(path);
    await seedInstances(
      provider,
      Array.from({ length: 10_000 }, (_, i) => ({
        id: `big-${i}`,
        ...(i % 4 === 0 ? {} : { status: 'Completed' as const }),
      })),
    );
    const db = rawConnection(path);
    const plan = (sql: string, params: object): string[] =>
      db
        .prepare<[object], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
        .all(params)
        .map((row) => row.detail);
    const params = { status: 'Running', name: null, idContains: null, limit: 50, offset: 0 };

    const statusPage = plan(listSql({ status: 'Running', limit: 50 }), params);
    expect(statusPage.some((d) => /^SEARCH i USING (COVERING )?INDEX idx_instances_status/.test(d))).toBe(
      true,
    );
    expect(statusPage.some((d) => /^SCAN (i|instances)\b/.test(d))).toBe(false);
    expect(statusPage.some((d) => d.includes('TEMP B-TREE'))).toBe(false);

    // Unfiltered pages walk the created_at index (stopping at the page) instead of sorting.
    const defaultPage = plan(listSql({ limit: 50 }), params);
    expect(defaultPage).toContain('SCAN i USING INDEX idx_instances_created');
    expect(defaultPage.some((d) => d.includes('TEMP B-TREE'))).toBe(false);

    const statusCount = plan(countSql({ status: 'Running' }), params);
    expect(statusCount.some((d) => /^SEARCH i USING COVERING INDEX idx_instances_status/.test(d))).toBe(true);

    // The plans above keep these bounded; timing them here would only measure the machine.
    const page = await provider.listInstances({ status: 'Running', limit: 50, offset: 1000 });
    const count = await provider.countInstances({ status: 'Running' });
    expect(page).toHaveLength(50);
    expect(count).toBe(2500);
  }, 60_000);
});
