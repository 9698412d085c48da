/**
 * The public API for an application's own tables in a SQLite store (docs/providers.md,
 * "Building on a durox store"): a side connection next to a live provider, the busy retry and
 * the migration runner.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  isDuroxError,
  migrateSqliteSchema,
  openSqliteSideConnection,
  ProviderError,
  retryWhileSqliteBusy,
  SqliteProvider,
} from '../../../src/index.js';
import type { Migration } from '../../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'durox-side-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = (): string => join(dir, `side${n++}.db`);

const APP_MIGRATIONS: Migration[] = [
  {
    id: 1,
    name: 'notes',
    breaking: false,
    sql: 'CREATE TABLE app_notes (id INTEGER PRIMARY KEY, body TEXT)',
  },
  { id: 2, name: 'tags', breaking: false, sql: 'ALTER TABLE app_notes ADD COLUMN tag TEXT' },
];

describe('application tables in a SQLite store', () => {
  it('migrates its own tables next to a running provider, with its own bookkeeping', async () => {
    const path = freshPath();
    const provider = await SqliteProvider.open(`sqlite:${path}`);
    const side = openSqliteSideConnection(`sqlite:${path}`);
    try {
      await migrateSqliteSchema(side, APP_MIGRATIONS, { table: 'app_migrations', subject: 'the app tables' });
      await migrateSqliteSchema(side, APP_MIGRATIONS, { table: 'app_migrations', subject: 'the app tables' });
      const ids = side.prepare<[], { id: number }>('SELECT id FROM app_migrations ORDER BY id').all();
      expect(ids.map((row) => row.id)).toEqual([1, 2]);
      side.prepare('INSERT INTO app_notes (body, tag) VALUES (?, ?)').run('hello', 'x');
      // The engine's own bookkeeping is untouched: it still opens the file.
      await (await SqliteProvider.open(`sqlite:${path}`)).close();
    } finally {
      side.close();
      await provider.close();
    }
  });

  it('rejects a bookkeeping table name that is not a plain identifier', async () => {
    const side = openSqliteSideConnection(`sqlite:${freshPath()}`);
    try {
      await expect(migrateSqliteSchema(side, APP_MIGRATIONS, { table: 'bad"name' })).rejects.toThrow(
        /letters, digits and underscores/,
      );
    } finally {
      side.close();
    }
  });

  it('retries while another connection holds the write lock', async () => {
    const path = freshPath();
    const holder = openSqliteSideConnection(`sqlite:${path}`);
    const writer = openSqliteSideConnection(`sqlite:${path}`);
    try {
      holder.exec('CREATE TABLE t (x)');
      holder.exec('BEGIN IMMEDIATE');
      let attempts = 0;
      const inserted = await retryWhileSqliteBusy('insert', () => {
        attempts++;
        // The second attempt releases the lock first: the first one must have met it.
        if (attempts === 2) holder.exec('COMMIT');
        return writer.prepare('INSERT INTO t (x) VALUES (1)').run().changes;
      });
      expect(inserted).toBe(1);
      expect(attempts).toBe(2);
    } finally {
      holder.close();
      writer.close();
    }
  });

  it('passes other errors through unchanged, and gives up on a lock held past the deadline', async () => {
    const path = freshPath();
    const holder = openSqliteSideConnection(`sqlite:${path}`);
    const writer = openSqliteSideConnection(`sqlite:${path}`);
    try {
      const own = new Error('not a lock');
      await expect(
        retryWhileSqliteBusy('own', () => {
          throw own;
        }),
      ).rejects.toBe(own);
      holder.exec('CREATE TABLE t (x)');
      holder.exec('BEGIN IMMEDIATE');
      const error = await retryWhileSqliteBusy(
        'stuck',
        () => writer.exec('INSERT INTO t (x) VALUES (1)'),
        60,
      ).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(ProviderError);
      expect(isDuroxError(error, 'PROVIDER')).toBe(true);
      expect((error as ProviderError).retryable).toBe(true);
      expect((error as Error).message).toMatch(/^stuck: database stayed locked/);
      holder.exec('ROLLBACK');
    } finally {
      holder.close();
      writer.close();
    }
  });
});
