import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isDuroxError } from '../../../src/core/errors.js';
import { migrations } from '../../../src/providers/postgres/generated/migrations.js';
import { SCHEMA_PLACEHOLDER } from '../../../src/providers/postgres/migrate.js';
import { PostgresProvider } from '../../../src/providers/postgres/postgres-provider.js';
import {
  createTestSchema,
  openPostgresProvider as openProvider,
  pgUrl,
  quoteIdent,
  rawClient,
  track,
} from '../../helpers/postgres.js';
import { errorOf, startItem } from './helpers.js';

interface MigrationRow {
  id: number;
  name: string;
  applied_at: string;
  breaking: boolean;
}

async function appliedMigrations(schema: string): Promise<MigrationRow[]> {
  const client = await rawClient();
  const result = await client.query<MigrationRow>(
    `SELECT * FROM ${quoteIdent(schema)}._durox_migrations ORDER BY id`,
  );
  return result.rows;
}

/**
 * Bodies of dollar-quoted strings ($$ … $$ or $tag$ … $tag$) in `sql`, found the way the SQL
 * lexer finds them: `--` comments and '…' literals outside a body are skipped, a body is taken
 * whole (comments inside it included).
 */
function dollarQuotedBodies(sql: string): string[] {
  const bodies: string[] = [];
  const tagAt = /\$([A-Za-z_][A-Za-z0-9_]*)?\$/y;
  let i = 0;
  while (i < sql.length) {
    if (sql.startsWith('--', i)) {
      const newline = sql.indexOf('\n', i);
      i = newline < 0 ? sql.length : newline + 1;
    } else if (sql[i] === "'") {
      const close = sql.indexOf("'", i + 1);
      i = close < 0 ? sql.length : close + 1;
    } else {
      tagAt.lastIndex = i;
      const match = tagAt.exec(sql);
      if (match === null || (i > 0 && /[A-Za-z0-9_]/.test(sql[i - 1] ?? ''))) {
        i++;
        continue;
      }
      const start = i + match[0].length;
      const end = sql.indexOf(match[0], start);
      if (end < 0) throw new Error(`unterminated ${match[0]} at offset ${i}`);
      bodies.push(sql.slice(start, end));
      i = end + match[0].length;
    }
  }
  return bodies;
}

describe('generated migrations module', () => {
  it('is up to date with the .sql files', () => {
    expect(() => execFileSync('node', ['scripts/build-sql.mjs', '--check'], { stdio: 'pipe' })).not.toThrow();
  });

  it('is numbered from 1 and starts with the tables', () => {
    expect(migrations.map((m) => m.id)).toEqual(migrations.map((_, index) => index + 1));
    expect(migrations[0]?.sql).toContain(`CREATE TABLE ${SCHEMA_PLACEHOLDER}.orchestrator_queue`);
  });

  it('never puts the schema placeholder inside a dollar-quoted body', () => {
    // A schema name containing `$$` would otherwise end the body early (SQL injection).
    for (const migration of migrations) {
      const bodies = dollarQuotedBodies(migration.sql);
      expect(bodies).toHaveLength((migration.sql.match(/^CREATE FUNCTION/gm) ?? []).length);
      for (const body of bodies) expect(body).not.toContain(SCHEMA_PLACEHOLDER);
    }
  });
});

describe('migrate', () => {
  it('migrates a fresh schema and records each migration', async () => {
    const before = Date.now();
    const provider = await openProvider();
    const rows = await appliedMigrations(provider.schema);
    expect(rows.map((row) => row.id)).toEqual(migrations.map((m) => m.id));
    expect(rows.map((row) => row.name)).toEqual(migrations.map((m) => m.name));
    expect(Number(rows[0]?.applied_at)).toBeGreaterThanOrEqual(before);
    expect(rows.every((row) => row.breaking === false)).toBe(true);
  });

  it('is a no-op when run again, and keeps data', async () => {
    const schema = createTestSchema();
    const first = await openProvider(schema);
    await first.enqueueOrchestratorWork(startItem('kept'));
    await first.close();
    const appliedAt = (await appliedMigrations(schema)).map((row) => row.applied_at);
    const second = await openProvider(schema);
    expect((await appliedMigrations(schema)).map((row) => row.applied_at)).toEqual(appliedAt);
    expect((await second.fetchOrchestrationItem(1000))?.instanceId).toBe('kept');
  });

  it('lets 5 concurrent migrators of one fresh schema converge', async () => {
    const schema = createTestSchema();
    const providers = await Promise.all(
      Array.from({ length: 5 }, () => openProvider(schema, { poolSize: 2 })),
    );
    expect(await appliedMigrations(schema)).toHaveLength(migrations.length);
    await providers[0]?.enqueueOrchestratorWork(startItem('shared'));
    expect((await providers[4]?.fetchOrchestrationItem(1000))?.instanceId).toBe('shared');
  });

  it('refuses a schema with a newer breaking migration, and accepts a newer additive one', async () => {
    const schema = createTestSchema();
    const provider = await openProvider(schema);
    await provider.close();
    const client = await rawClient();
    const next = migrations.length + 1;
    await client.query(
      `INSERT INTO ${quoteIdent(schema)}._durox_migrations (id, name, applied_at, breaking) VALUES ($1, 'future-additive', 0, false)`,
      [next],
    );
    track(await PostgresProvider.connectWithSchema(pgUrl(), schema));
    await client.query(
      `INSERT INTO ${quoteIdent(schema)}._durox_migrations (id, name, applied_at, breaking) VALUES ($1, 'future-breaking', 0, true)`,
      [next + 1],
    );
    const err = await errorOf(PostgresProvider.connectWithSchema(pgUrl(), schema));
    expect(isDuroxError(err, 'SCHEMA_TOO_NEW')).toBe(true);
    expect((err as Error).message).toMatch(/future-breaking/);
    expect((err as Error).message).toMatch(/Upgrade durox/);
  });

  it('produces the committed schema (tables, indexes, functions)', async () => {
    const provider = await openProvider();
    const client = await rawClient();
    const schema = provider.schema;
    const columns = await client.query(
      `SELECT table_name, column_name, data_type, is_nullable, column_default, collation_name
       FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, ordinal_position`,
      [schema],
    );
    const indexes = await client.query(
      'SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname',
      [schema],
    );
    const functions = await client.query(
      `SELECT p.proname, pg_get_function_identity_arguments(p.oid) AS args,
              pg_get_function_result(p.oid) AS result, p.proconfig
       FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace
       WHERE n.nspname = $1 ORDER BY p.proname`,
      [schema],
    );
    const neutral = (value: unknown): unknown =>
      JSON.parse(
        JSON.stringify(value).replaceAll(quoteIdent(schema).replaceAll('"', '\\"'), SCHEMA_PLACEHOLDER),
      );
    expect(
      neutral({ columns: columns.rows, indexes: indexes.rows, functions: functions.rows }),
    ).toMatchSnapshot();
  });
});
