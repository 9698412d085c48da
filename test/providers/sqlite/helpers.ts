/**
 * Shared helpers for the SQLite provider tests: temporary database files that are removed
 * after each test, and providers that are closed after each test; the item/event builders are
 * shared with the PostgreSQL tests (test/providers/shared/builders.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach } from 'vitest';
import { SqliteProvider } from '../../../src/providers/sqlite/sqlite-provider.js';
import type { SqliteProviderOptions } from '../../../src/providers/sqlite/sqlite-options.js';

const tempDirs: string[] = [];
const providers: SqliteProvider[] = [];
const connections: Database.Database[] = [];

afterEach(async () => {
  await Promise.all(providers.splice(0).map((provider) => provider.close()));
  for (const db of connections.splice(0)) db.close();
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'durox-sqlite-test-'));
  tempDirs.push(dir);
  return dir;
}

/** A path for a new database file in a fresh temporary directory. */
export function tempDbPath(): string {
  return join(tempDir(), 'durox.db');
}

/** Opens a provider that is closed after the test. */
export async function openProvider(
  pathOrUrl: string = tempDbPath(),
  options?: SqliteProviderOptions,
): Promise<SqliteProvider> {
  const provider = await SqliteProvider.open(pathOrUrl, options);
  providers.push(provider);
  return provider;
}

/** Registers a provider opened some other way, so it is closed after the test. */
export function track(provider: SqliteProvider): SqliteProvider {
  providers.push(provider);
  return provider;
}

/** A raw connection to inspect or tamper with a database file; closed after the test. */
export function rawConnection(path: string): Database.Database {
  const db = new Database(path, { timeout: 5000 });
  connections.push(db);
  return db;
}

export * from '../shared/builders.js';
