/**
 * Versioned schema migrations on SQLite, for the engine's tables and an application's own (see
 * `migrateSqliteSchema`). Each pending migration runs in its own IMMEDIATE transaction that
 * first checks whether another connection applied it meanwhile, so several processes opening
 * the same fresh file converge without failing. A database carrying a breaking migration newer
 * than this code is refused.
 */
import type Database from 'better-sqlite3';
import { checkMigrationsTable, ENGINE_MIGRATIONS, pendingMigrations } from '../../core/migration.js';
import type { Migration, MigrationScope } from '../../core/migration.js';
import { retryWhileBusy } from './busy-retry.js';

/** Runs a synchronous step under a busy retry. */
export type RetryRunner = <T>(operation: string, attempt: () => T) => Promise<T>;

/** Options of {@link migrateSqliteSchema}. */
export interface SqliteMigrationOptions {
  /** The bookkeeping table, one per set of migrations (default: the engine's `_durox_migrations`). */
  table?: string;
  /** What the tables are, for the too-new refusal (default `the database schema`). */
  subject?: string;
  /** Runs each step, retrying while the file is locked (default: `retryWhileBusy`, 30 s). */
  retry?: RetryRunner;
}

interface AppliedRow {
  id: number;
  name: string;
  breaking: number;
}

/**
 * Brings the tables of `migrations` up to date on `db`, recording each applied migration in
 * `options.table`. Throws `SchemaTooNewError` when a newer version applied a breaking migration
 * this code does not know.
 */
export async function migrateSqliteSchema(
  db: Database.Database,
  migrations: readonly Migration[],
  options: SqliteMigrationOptions = {},
): Promise<void> {
  const scope: MigrationScope = {
    table: checkMigrationsTable(options.table ?? ENGINE_MIGRATIONS.table),
    subject: options.subject ?? ENGINE_MIGRATIONS.subject,
  };
  const retry = options.retry ?? retryWhileBusy;
  const table = `"${scope.table}"`;
  await retry('migrate', () => db.transaction(() => createTable(db, scope.table)).immediate());
  const applied = await retry('migrate', () =>
    db.prepare<[], AppliedRow>(`SELECT id, name, breaking FROM ${table} ORDER BY id`).all(),
  );
  const pending = pendingMigrations(
    applied.map((row) => ({ ...row, breaking: row.breaking !== 0 })),
    migrations,
    scope.subject,
  );
  for (const migration of pending) {
    await retry('migrate', () => applyMigration(db, table, migration));
  }
}

function createTable(db: Database.Database, name: string): void {
  const table = `"${name}"`;
  db.exec(`CREATE TABLE IF NOT EXISTS ${table} (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at INTEGER NOT NULL,
    breaking   INTEGER NOT NULL DEFAULT 0
  )`);
  // Tables made before every runner recorded breaking changes lack the column.
  const columns = db.prepare<[string], { name: string }>('SELECT name FROM pragma_table_info(?)').all(name);
  if (!columns.some((column) => column.name === 'breaking')) {
    db.exec(`ALTER TABLE ${table} ADD COLUMN breaking INTEGER NOT NULL DEFAULT 0`);
  }
}

/** Applies one migration unless another connection got there first (then it steps aside). */
function applyMigration(db: Database.Database, table: string, migration: Migration): void {
  db.transaction(() => {
    const done = db.prepare(`SELECT 1 FROM ${table} WHERE id = ?`).get(migration.id);
    if (done !== undefined) return;
    db.prepare(`INSERT INTO ${table} (id, name, applied_at, breaking) VALUES (?, ?, ?, ?)`).run(
      migration.id,
      migration.name,
      Date.now(),
      migration.breaking ? 1 : 0,
    );
    db.exec(migration.sql);
  }).immediate();
}
