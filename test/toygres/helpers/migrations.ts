/**
 * The toygres metadata migrations are `.sql` files compiled into
 * `src/toygres/metadata/<db>/generated/migrations.ts` (the shape scripts/build-sql.mjs gives the
 * providers' migrations), so that the package reads no .sql file at run time. This renders that
 * module; the migrations test checks the committed one is current and rewrites it with
 * DUROX_WRITE_MIGRATIONS=1.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const FILE_NAME = /^(\d{6})(?:-([a-z0-9][a-z0-9-]*))?\.sql$/;
const BREAKING_MARKER = '--! breaking-change';

/** The migration directories of the metadata store implementations. */
export function metadataMigrationDirs(): string[] {
  const base = join(ROOT, 'src', 'toygres', 'metadata');
  return ['postgres', 'sqlite'].map((db) => join(base, db, 'migrations'));
}

/** Where the generated module of `dir` goes. */
export function generatedPath(dir: string): string {
  return join(dirname(dir), 'generated', 'migrations.ts');
}

/** The generated module's source for the `.sql` files in `dir`. */
export function renderMigrations(dir: string): string {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .sort();
  const migrations = files.map((file, index) => {
    const match = FILE_NAME.exec(file);
    if (!match) throw new Error(`${file}: expected a name like 000001.sql or 000001-name.sql`);
    const id = Number(match[1]);
    if (id !== index + 1) throw new Error(`${file}: expected migration ${index + 1} (no gaps)`);
    const sql = readFileSync(join(dir, file), 'utf8').replace(/\r\n/g, '\n');
    const breaking = sql.split('\n', 1)[0]!.trim() === BREAKING_MARKER;
    return { id, name: match[2] ?? match[1]!, breaking, sql };
  });
  const source = relative(ROOT, dir).split('\\').join('/');
  const entries = migrations
    .map(
      (m) =>
        `  {\n    id: ${m.id},\n    name: ${JSON.stringify(m.name)},\n    breaking: ${m.breaking},\n    sql: ${JSON.stringify(m.sql)},\n  },`,
    )
    .join('\n');
  return `// auto-generated — DO NOT EDIT
// Source: ${source}/*.sql (after changing them run
// \`DUROX_WRITE_MIGRATIONS=1 npx vitest run test/toygres/migrations.test.ts\`).

/** One schema migration compiled from a \`.sql\` file. */
export interface Migration {
  /** Sequence number from the file name; applied in increasing order. */
  readonly id: number;
  readonly name: string;
  /** True when older durox versions cannot run on the migrated schema. */
  readonly breaking: boolean;
  readonly sql: string;
}

/** Every migration of this provider, ordered by id. */
export const migrations: readonly Migration[] = [
${entries}
];
`;
}
