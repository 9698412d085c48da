/**
 * The metadata stores migrate with the engine's runner (the public migrateSqliteSchema /
 * migratePostgresSchema): once per store, refusing tables a newer durox migrated with a
 * breaking change, and upgrading the bookkeeping table older toygres versions created.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isDuroxError } from '../../src/index.js';
import { PostgresMetadataStore } from '../../src/toygres/metadata/postgres/postgres-metadata.js';
import { migrations as postgresMigrations } from '../../src/toygres/metadata/postgres/generated/migrations.js';
import { SqliteMetadataStore } from '../../src/toygres/metadata/sqlite/sqlite-metadata.js';
import { migrations as sqliteMigrations } from '../../src/toygres/metadata/sqlite/generated/migrations.js';
import type { MetadataStore } from '../../src/toygres/metadata/store.js';
import { createTestSchema, pgUrl, quoteIdent, rawClient } from '../helpers/postgres.js';

const dir = mkdtempSync(join(tmpdir(), 'toygres-migrations-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const stores: MetadataStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

interface Row {
  id: number;
  name: string;
  applied_at: number;
  breaking: boolean;
}

/** One backend: how to open a store on a fixed location and run raw SQL next to it. */
interface Backend {
  known: number;
  open(): Promise<MetadataStore>;
  rows(): Promise<Row[]>;
  exec(sql: string): Promise<void>;
}

let n = 0;

function sqliteBackend(): Backend {
  const path = join(dir, `m${n++}.db`);
  const raw = (): Database.Database => new Database(path);
  return {
    known: sqliteMigrations.length,
    open: () => SqliteMetadataStore.open(`sqlite:${path}`),
    rows: async () => {
      const db = raw();
      try {
        return db
          .prepare<[], Omit<Row, 'breaking'> & { breaking: number }>(
            'SELECT * FROM toygres_migrations ORDER BY id',
          )
          .all()
          .map((row) => ({ ...row, breaking: row.breaking !== 0 }));
      } finally {
        db.close();
      }
    },
    exec: async (sql) => {
      const db = raw();
      try {
        db.exec(sql);
      } finally {
        db.close();
      }
    },
  };
}

function postgresBackend(): Backend {
  const schema = createTestSchema('toygres-Mig_');
  const table = `${quoteIdent(schema)}.toygres_migrations`;
  return {
    known: postgresMigrations.length,
    open: () => PostgresMetadataStore.open(pgUrl(), { schema }),
    rows: async () => {
      const client = await rawClient();
      const result = await client.query<Row & { applied_at: string }>(`SELECT * FROM ${table} ORDER BY id`);
      return result.rows.map((row) => ({ ...row, applied_at: Number(row.applied_at) }));
    },
    exec: async (sql) => {
      const client = await rawClient();
      await client.query(`SET search_path TO ${quoteIdent(schema)}`);
      await client.query(sql);
    },
  };
}

describe.each([
  ['sqlite', sqliteBackend],
  ['postgres', postgresBackend],
] as const)('toygres metadata migrations on %s', (_kind, backend) => {
  const open = async (b: Backend): Promise<MetadataStore> => {
    const store = await b.open();
    stores.push(store);
    return store;
  };

  it('applies each migration once, however often the store is opened', async () => {
    const b = backend();
    await Promise.all([open(b), open(b)]);
    const first = await b.rows();
    expect(first.map((row) => row.id)).toEqual(Array.from({ length: b.known }, (_, i) => i + 1));
    await open(b);
    expect(await b.rows()).toEqual(first);
  });

  it('refuses tables a newer durox migrated with a breaking change', async () => {
    const b = backend();
    await (await b.open()).close();
    await b.exec(
      `INSERT INTO toygres_migrations (id, name, applied_at, breaking) VALUES (9999, 'future', 0, ${
        _kind === 'sqlite' ? 1 : 'true'
      })`,
    );
    const error = await b.open().catch((err: unknown) => err);
    expect(isDuroxError(error, 'SCHEMA_TOO_NEW')).toBe(true);
    expect((error as Error).message).toContain('toygres metadata tables');
    expect((error as Error).message).toContain('9999');
  });

  it('accepts a newer non-breaking migration', async () => {
    const b = backend();
    await (await b.open()).close();
    await b.exec(`INSERT INTO toygres_migrations (id, name, applied_at) VALUES (9999, 'future', 0)`);
    const store = await open(b);
    expect(await store.list()).toEqual([]);
  });

  it('upgrades the bookkeeping table of older versions (no breaking column)', async () => {
    const b = backend();
    await (await b.open()).close();
    const before = await b.rows();
    await b.exec(`
      ALTER TABLE toygres_migrations RENAME TO toygres_migrations_old;
      CREATE TABLE toygres_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL);
      INSERT INTO toygres_migrations SELECT id, name, applied_at FROM toygres_migrations_old;
      DROP TABLE toygres_migrations_old;`);
    const store = await open(b);
    expect(await store.list()).toEqual([]);
    expect(await b.rows()).toEqual(before);
  });
});
