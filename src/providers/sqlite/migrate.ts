/**
 * Versioned schema migrations. Each pending migration runs in its own IMMEDIATE transaction that
 * first checks whether another connection applied it meanwhile, so several processes opening the
 * same fresh file converge without failing. A database carrying a breaking migration newer than
 * this code is refused.
 */
import type Database from 'better-sqlite3';
import { SchemaTooNewError } from '../../core/errors.js';
import type { Migration } from './generated/migrations.js';

/** Runs a synchronous step under the provider's busy retry. */
export type RetryRunner = <T>(operation: string, attempt: () => T) => Promise<T>;

const CREATE_MIGRATIONS_TABLE = `
  CREATE TABLE IF NOT EXISTS _durox_migrations (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at INTEGER NOT NULL,
    breaking   INTEGER NOT NULL DEFAULT 0
  )`;

interface AppliedMigration {
  id: number;
  name: string;
  breaking: number;
}

/** Brings the schema up to date with `migrations`; throws `SchemaTooNewError` if it is ahead. */
export async function migrate(
  db: Database.Database,
  migrations: readonly Migration[],
  retry: RetryRunner,
): Promise<void> {
  await retry('migrate', () => db.transaction(() => db.exec(CREATE_MIGRATIONS_TABLE)).immediate());
  const applied = await retry('migrate', () =>
    db.prepare<[], AppliedMigration>('SELECT id, name, breaking FROM _durox_migrations ORDER BY id').all(),
  );
  refuseNewerBreaking(applied, migrations);
  const appliedIds = new Set(applied.map((row) => row.id));
  for (const migration of migrations) {
    if (appliedIds.has(migration.id)) continue;
    await retry('migrate', () => applyMigration(db, migration));
  }
}

function refuseNewerBreaking(applied: readonly AppliedMigration[], migrations: readonly Migration[]): void {
  const latestKnown = migrations.reduce((max, m) => Math.max(max, m.id), 0);
  const newerBreaking = applied.find((row) => row.id > latestKnown && row.breaking !== 0);
  if (newerBreaking === undefined) return;
  throw new SchemaTooNewError(
    `the database schema was migrated by a newer durox (migration ${newerBreaking.id} "${newerBreaking.name}" ` +
      `is a breaking change; this durox knows migrations up to ${latestKnown}). Upgrade durox to use this database.`,
  );
}

/** Applies one migration unless another connection got there first (then it steps aside). */
function applyMigration(db: Database.Database, migration: Migration): void {
  db.transaction(() => {
    const done = db.prepare('SELECT 1 FROM _durox_migrations WHERE id = ?').get(migration.id);
    if (done !== undefined) return;
    db.prepare('INSERT INTO _durox_migrations (id, name, applied_at, breaking) VALUES (?, ?, ?, ?)').run(
      migration.id,
      migration.name,
      Date.now(),
      migration.breaking ? 1 : 0,
    );
    db.exec(migration.sql);
  }).immediate();
}
