import { execFileSync } from 'node:child_process';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { isDuroxError } from '../../../src/core/errors.js';
import { withBusyRetry } from '../../../src/providers/sqlite/busy-retry.js';
import type { Migration } from '../../../src/core/migration.js';
import { migrations } from '../../../src/providers/sqlite/generated/migrations.js';
import { migrateSqliteSchema, type RetryRunner } from '../../../src/providers/sqlite/migrate.js';
import { openProvider, rawConnection, startItem, tempDbPath } from './helpers.js';

interface MigrationRow {
  id: number;
  name: string;
  applied_at: number;
  breaking: number;
}

function appliedMigrations(path: string): MigrationRow[] {
  return rawConnection(path).prepare<[], MigrationRow>('SELECT * FROM _durox_migrations ORDER BY id').all();
}

/** A retry runner that yields to the event loop before each step, so two migrators interleave. */
const interleavingRetry: RetryRunner = async (operation, attempt) => {
  await yieldToLoop();
  return withBusyRetry(operation, 10_000, attempt);
};

describe('generated migrations module', () => {
  it('is up to date with the .sql files', () => {
    expect(() => execFileSync('node', ['scripts/build-sql.mjs', '--check'], { stdio: 'pipe' })).not.toThrow();
  });

  it('starts with the initial schema, numbered from 1', () => {
    expect(migrations.map((m) => m.id)).toEqual(migrations.map((_, index) => index + 1));
    expect(migrations[0]?.breaking).toBe(false);
    expect(migrations[0]?.sql).toContain('CREATE TABLE orchestrator_queue');
  });
});

describe('migrate', () => {
  it('migrates a fresh file and records each migration', async () => {
    const path = tempDbPath();
    const before = Date.now();
    await openProvider(path);
    const rows = appliedMigrations(path);
    expect(rows.map((row) => row.id)).toEqual(migrations.map((m) => m.id));
    expect(rows[0]?.applied_at).toBeGreaterThanOrEqual(before);
    expect(rows[0]?.breaking).toBe(0);
  });

  it('is a no-op when re-opened, and keeps data', async () => {
    const path = tempDbPath();
    const first = await openProvider(path);
    await first.enqueueOrchestratorWork(startItem('kept'));
    await first.close();
    const appliedAt = appliedMigrations(path).map((row) => row.applied_at);
    const second = await openProvider(path);
    expect(appliedMigrations(path).map((row) => row.applied_at)).toEqual(appliedAt);
    expect((await second.fetchOrchestrationItem(1000))?.instanceId).toBe('kept');
  });

  it('lets concurrent openers of one fresh file converge', async () => {
    const path = tempDbPath();
    const providers = await Promise.all([openProvider(path), openProvider(path), openProvider(path)]);
    expect(appliedMigrations(path)).toHaveLength(migrations.length);
    await providers[0]?.enqueueOrchestratorWork(startItem('shared'));
    expect((await providers[2]?.fetchOrchestrationItem(1000))?.instanceId).toBe('shared');
  });

  it('steps aside when another connection applied a migration first', async () => {
    const path = tempDbPath();
    const a = rawConnection(path);
    const b = rawConnection(path);
    const extra: Migration = {
      id: migrations.length + 1,
      name: 'extra',
      breaking: false,
      sql: 'CREATE TABLE extra (x)',
    };
    const all = [...migrations, extra];
    await Promise.all([
      migrateSqliteSchema(a, all, { retry: interleavingRetry }),
      migrateSqliteSchema(b, all, { retry: interleavingRetry }),
    ]);
    expect(appliedMigrations(path).map((row) => row.id)).toEqual(all.map((m) => m.id));
  });

  it('refuses a database with a newer breaking migration', async () => {
    const path = tempDbPath();
    await (await openProvider(path)).close();
    rawConnection(path)
      .prepare('INSERT INTO _durox_migrations (id, name, applied_at, breaking) VALUES (?, ?, ?, 1)')
      .run(9999, 'future', Date.now());
    const error = await openProvider(path).catch((err: unknown) => err);
    expect(isDuroxError(error, 'SCHEMA_TOO_NEW')).toBe(true);
    expect((error as Error).message).toMatch(/upgrade durox/i);
    expect((error as Error).message).toContain('9999');
  });

  it('accepts a newer non-breaking migration', async () => {
    const path = tempDbPath();
    await (await openProvider(path)).close();
    rawConnection(path)
      .prepare('INSERT INTO _durox_migrations (id, name, applied_at, breaking) VALUES (?, ?, ?, 0)')
      .run(9999, 'future', Date.now());
    const provider = await openProvider(path);
    await provider.enqueueOrchestratorWork(startItem('still-works'));
    expect((await provider.fetchOrchestrationItem(1000))?.instanceId).toBe('still-works');
  });
});
