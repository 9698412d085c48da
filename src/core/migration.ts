/**
 * Schema migrations, independent of the database: what a migration is, and which of them a store
 * still needs. Each database has its own runner (transactions, locking), and every runner — the
 * providers' and the ones applications use for their own tables — plans with `pendingMigrations`,
 * so all of them refuse a store that a newer version migrated with a breaking change.
 */
import { SchemaTooNewError } from './errors.js';

/** One schema migration, compiled from a `.sql` file by `scripts/build-sql.mjs`. */
export interface Migration {
  /** Sequence number from the file name; applied in increasing order. */
  readonly id: number;
  /** The file name's descriptive part (`initial` for `000001-initial.sql`). */
  readonly name: string;
  /** True when older versions cannot run on the migrated schema. */
  readonly breaking: boolean;
  /** The statements, run as one script. */
  readonly sql: string;
}

/** A row of a migrations table: a migration some version applied. */
export interface AppliedMigration {
  readonly id: number;
  readonly name: string;
  readonly breaking: boolean;
}

/** What a migrations table is named, and what the refusal message calls its tables. */
export interface MigrationScope {
  /** The bookkeeping table (e.g. `_durox_migrations`). */
  readonly table: string;
  /** What the tables are, for messages (e.g. `the database schema`). */
  readonly subject: string;
}

/** The engine's own migrations table and subject. */
export const ENGINE_MIGRATIONS: MigrationScope = {
  table: '_durox_migrations',
  subject: 'the database schema',
};

const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Returns `table` when it is a plain SQL identifier (letters, digits, `_`); throws otherwise. */
export function checkMigrationsTable(table: string): string {
  if (!TABLE_NAME.test(table)) {
    throw new TypeError(
      `migrations table ${JSON.stringify(table)}: use letters, digits and underscores (at most 63), not starting with a digit`,
    );
  }
  return table;
}

/**
 * The migrations of `known` not yet in `applied`, in order. Throws `SchemaTooNewError` when
 * `applied` holds a breaking migration newer than every migration this code knows.
 */
export function pendingMigrations(
  applied: readonly AppliedMigration[],
  known: readonly Migration[],
  subject: string,
): Migration[] {
  const latestKnown = known.reduce((max, m) => Math.max(max, m.id), 0);
  const newerBreaking = applied.find((row) => row.id > latestKnown && row.breaking);
  if (newerBreaking !== undefined) {
    throw new SchemaTooNewError(
      `${subject} was migrated by a newer durox (migration ${newerBreaking.id} "${newerBreaking.name}" ` +
        `is a breaking change; this durox knows migrations up to ${latestKnown}). Upgrade durox to use it.`,
    );
  }
  const appliedIds = new Set(applied.map((row) => row.id));
  return known.filter((migration) => !appliedIds.has(migration.id));
}
