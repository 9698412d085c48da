/**
 * Versioned schema migrations. One dedicated connection holds a session-level advisory lock
 * (keyed by the schema) for the whole run, so any number of processes starting at once on a
 * fresh schema take turns: the first applies what is missing, the others find it applied. Each
 * migration runs in its own transaction together with its bookkeeping row. A schema carrying a
 * breaking migration newer than this code is refused.
 */
import type pg from 'pg';
import { SchemaTooNewError } from '../../core/errors.js';
import type { Migration } from './generated/migrations.js';
import { quoteIdentifier } from './schema-name.js';

/** The placeholder migration files use for the (quoted) schema. */
export const SCHEMA_PLACEHOLDER = ':DUROX_SCHEMA';

interface AppliedMigration {
  id: number;
  name: string;
  breaking: boolean;
}

/** The migration's SQL for `schema`. */
export function renderMigration(migration: Migration, schema: string): string {
  const quoted = quoteIdentifier(schema);
  // A function, not a replacement string: in one, `$$` or `$&` in a schema name would be
  // interpreted as a replacement pattern.
  return migration.sql.replaceAll(SCHEMA_PLACEHOLDER, () => quoted);
}

/**
 * Brings `schema` up to date with `migrations` on `client` (a connection reserved for this).
 * Throws `SchemaTooNewError` when the schema is ahead of this code.
 */
export async function migrate(
  client: pg.ClientBase,
  schema: string,
  migrations: readonly Migration[],
): Promise<void> {
  const lockKey = `durox/migrations/${schema}`;
  await client.query('SELECT pg_advisory_lock(hashtextextended($1::text, 0))', [lockKey]);
  try {
    await migrateLocked(client, schema, migrations);
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtextextended($1::text, 0))', [lockKey]);
  }
}

async function migrateLocked(
  client: pg.ClientBase,
  schema: string,
  migrations: readonly Migration[],
): Promise<void> {
  const quoted = quoteIdentifier(schema);
  // CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege even when the schema exists, so a
  // role that may only use an existing schema checks first.
  const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1::text', [schema]);
  if (exists.rowCount === 0) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
  await client.query(`
    CREATE TABLE IF NOT EXISTS ${quoted}._durox_migrations (
      id         integer PRIMARY KEY,
      name       text NOT NULL,
      applied_at bigint NOT NULL,
      breaking   boolean NOT NULL DEFAULT false
    )`);
  const applied = await client.query<AppliedMigration>(
    `SELECT id, name, breaking FROM ${quoted}._durox_migrations ORDER BY id`,
  );
  refuseNewerBreaking(applied.rows, migrations);
  const appliedIds = new Set(applied.rows.map((row) => row.id));
  for (const migration of migrations) {
    if (appliedIds.has(migration.id)) continue;
    await client.query('BEGIN');
    try {
      await client.query(`SET LOCAL search_path TO ${quoted}, pg_temp`);
      // No parameters: the simple-query protocol runs the file's statements in order.
      await client.query(renderMigration(migration, schema));
      await client.query(
        `INSERT INTO ${quoted}._durox_migrations (id, name, applied_at, breaking)
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

function refuseNewerBreaking(applied: readonly AppliedMigration[], migrations: readonly Migration[]): void {
  const latestKnown = migrations.reduce((max, m) => Math.max(max, m.id), 0);
  const newerBreaking = applied.find((row) => row.id > latestKnown && row.breaking);
  if (newerBreaking === undefined) return;
  throw new SchemaTooNewError(
    `the database schema was migrated by a newer durox (migration ${newerBreaking.id} ` +
      `"${newerBreaking.name}" is a breaking change; this durox knows migrations up to ${latestKnown}). ` +
      'Upgrade durox to use this schema.',
  );
}
