/**
 * Versioned schema migrations on PostgreSQL, for the engine's tables and an application's own
 * (see `migratePostgresSchema`). One dedicated connection holds a session-level advisory lock
 * (keyed by the schema, shared by every set of migrations in it) for the whole run, so any
 * number of processes starting at once on a fresh schema take turns: the first applies what is
 * missing, the others find it applied. Each migration runs in its own transaction together with
 * its bookkeeping row. A schema carrying a breaking migration newer than this code is refused.
 */
import type pg from 'pg';
import { checkMigrationsTable, ENGINE_MIGRATIONS, pendingMigrations } from '../../core/migration.js';
import type { AppliedMigration, Migration } from '../../core/migration.js';
import { quoteIdentifier } from './schema-name.js';

/** The placeholder migration files use for the (quoted) schema. */
export const SCHEMA_PLACEHOLDER = ':DUROX_SCHEMA';

/** Options of {@link migratePostgresSchema}. */
export interface PostgresMigrationOptions {
  /** The bookkeeping table in the schema, one per set of migrations (default: the engine's `_durox_migrations`). */
  table?: string;
  /** What the tables are, for the too-new refusal (default `the database schema`). */
  subject?: string;
}

/** The migration's SQL for `schema`. */
export function renderMigration(migration: Migration, schema: string): string {
  const quoted = quoteIdentifier(schema);
  // A function, not a replacement string: in one, `$$` or `$&` in a schema name would be
  // interpreted as a replacement pattern.
  return migration.sql.replaceAll(SCHEMA_PLACEHOLDER, () => quoted);
}

/**
 * Brings the tables of `migrations` in `schema` up to date on `client` (a connection reserved
 * for this, not in a transaction), recording each applied migration in `options.table`. Each
 * migration runs with `search_path` set to the schema, and `:DUROX_SCHEMA` in its SQL stands for
 * the quoted schema name. Throws `SchemaTooNewError` when a newer version applied a breaking
 * migration this code does not know.
 */
export async function migratePostgresSchema(
  client: pg.ClientBase,
  schema: string,
  migrations: readonly Migration[],
  options: PostgresMigrationOptions = {},
): Promise<void> {
  const table = checkMigrationsTable(options.table ?? ENGINE_MIGRATIONS.table);
  const subject = options.subject ?? ENGINE_MIGRATIONS.subject;
  const lockKey = `durox/migrations/${schema}`;
  await client.query('SELECT pg_advisory_lock(hashtextextended($1::text, 0))', [lockKey]);
  try {
    await migrateLocked(client, schema, migrations, table, subject);
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtextextended($1::text, 0))', [lockKey]);
  }
}

async function migrateLocked(
  client: pg.ClientBase,
  schema: string,
  migrations: readonly Migration[],
  table: string,
  subject: string,
): Promise<void> {
  const quoted = quoteIdentifier(schema);
  const bookkeeping = `${quoted}.${quoteIdentifier(table)}`;
  // CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege even when the schema exists, so a
  // role that may only use an existing schema checks first.
  const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1::text', [schema]);
  if (exists.rowCount === 0) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
  await client.query(`
    CREATE TABLE IF NOT EXISTS ${bookkeeping} (
      id         integer PRIMARY KEY,
      name       text NOT NULL,
      applied_at bigint NOT NULL,
      breaking   boolean NOT NULL DEFAULT false
    )`);
  // Tables made before every runner recorded breaking changes lack the column. (Checked first:
  // ALTER TABLE needs ownership, which a role that only uses the schema lacks.)
  const hasBreaking = await client.query(
    `SELECT 1 FROM pg_attribute
      WHERE attrelid = to_regclass($1::text) AND attname = 'breaking' AND NOT attisdropped`,
    [bookkeeping],
  );
  if (hasBreaking.rowCount === 0) {
    await client.query(`ALTER TABLE ${bookkeeping} ADD COLUMN breaking boolean NOT NULL DEFAULT false`);
  }
  const applied = await client.query<AppliedMigration>(
    `SELECT id, name, breaking FROM ${bookkeeping} ORDER BY id`,
  );
  for (const migration of pendingMigrations(applied.rows, migrations, subject)) {
    await client.query('BEGIN');
    try {
      await client.query(`SET LOCAL search_path TO ${quoted}, pg_temp`);
      // No parameters: the simple-query protocol runs the file's statements in order.
      await client.query(renderMigration(migration, schema));
      await client.query(
        `INSERT INTO ${bookkeeping} (id, name, applied_at, breaking)
         VALUES ($1::integer, $2::text, $3::bigint, $4::boolean)`,
        [migration.id, migration.name, Date.now(), migration.breaking],
      );
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }
}
