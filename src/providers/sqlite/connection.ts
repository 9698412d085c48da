/**
 * Where the database lives and how a connection is opened and configured.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { InvalidInputError, MissingDependencyError } from '../../core/errors.js';
import { NATIVE_BUSY_TIMEOUT_MS } from './busy-retry.js';
import type { CompiledSqliteOptions } from './sqlite-options.js';

/** A private in-memory database or a file. */
export type SqliteLocation = { kind: 'memory' } | { kind: 'file'; path: string };

/** URL query parameters that are accepted for compatibility with sqlx-style URLs and ignored. */
const IGNORED_URL_PARAMS: ReadonlySet<string> = new Set(['mode=rwc', 'cache=shared']);

/**
 * Parses `sqlite:./x.db`, `sqlite:/abs/x.db`, `sqlite:///abs/x.db`, `sqlite::memory:`, a bare
 * path or `:memory:`. Relative paths resolve against the working directory.
 */
export function parseSqliteLocation(pathOrUrl: string): SqliteLocation {
  let rest = pathOrUrl.trim();
  if (rest.startsWith('sqlite:')) {
    rest = rest.slice('sqlite:'.length);
    // `sqlite:///abs` is the URL form of `/abs`; `sqlite://rel` keeps being relative.
    if (rest.startsWith('//')) rest = rest.slice(2);
    rest = stripQuery(rest, pathOrUrl);
  }
  if (rest === ':memory:') return { kind: 'memory' };
  if (rest === '') throw new InvalidInputError(`SQLite store "${pathOrUrl}" has no file path`);
  return { kind: 'file', path: resolve(rest) };
}

function stripQuery(rest: string, original: string): string {
  const question = rest.indexOf('?');
  if (question < 0) return rest;
  for (const param of rest.slice(question + 1).split('&')) {
    if (param !== '' && !IGNORED_URL_PARAMS.has(param)) {
      throw new InvalidInputError(`SQLite store "${original}": unsupported URL parameter "${param}"`);
    }
  }
  return rest.slice(0, question);
}

/** Opens the database file (creating parent directories) without configuring it yet. */
export function openDatabase(location: SqliteLocation): Database.Database {
  try {
    if (location.kind === 'memory') return new Database(':memory:', { timeout: NATIVE_BUSY_TIMEOUT_MS });
    mkdirSync(dirname(location.path), { recursive: true });
    return new Database(location.path, { timeout: NATIVE_BUSY_TIMEOUT_MS });
  } catch (err) {
    throw explainMissingBinding(err);
  }
}

/**
 * better-sqlite3 loads its native module on the first open. npm 11 skips dependencies' install
 * scripts unless the installing project allows them, which leaves the module unbuilt: say how to
 * fix that instead of surfacing the bindings package's search list.
 */
function explainMissingBinding(err: unknown): unknown {
  const message = err instanceof Error ? err.message : String(err);
  if (!/Could not locate the bindings file|better_sqlite3\.node/.test(message)) return err;
  return new MissingDependencyError(
    'better-sqlite3',
    "SQLite's native module (better-sqlite3) is not built: allow its install script and rebuild it " +
      '(`npm install-scripts approve better-sqlite3 && npm rebuild better-sqlite3`)',
    err,
  );
}

/**
 * Applies connection pragmas once. May throw SQLITE_BUSY while another process switches a fresh
 * file to WAL, so callers run it under the busy retry.
 */
export function configureConnection(
  db: Database.Database,
  location: SqliteLocation,
  options: CompiledSqliteOptions,
): void {
  if (location.kind === 'memory') {
    // Nothing to recover after a crash: skip journaling costs entirely.
    db.pragma('synchronous = OFF');
  } else {
    // WAL: readers never block the writer and commits append to one file. NORMAL syncs only at
    // checkpoints, which loses nothing on a process crash (the WAL is in the OS page cache);
    // FULL syncs each commit so it also survives power loss.
    db.pragma('journal_mode = WAL');
    db.pragma(options.durability === 'full' ? 'synchronous = FULL' : 'synchronous = NORMAL');
    // Checkpoint every ~40 MB of WAL instead of every 4 MB: each checkpoint copies pages and
    // syncs, and doing that 10x less often measured ~20 % more queue throughput. The size
    // limit truncates the WAL file back after a checkpoint.
    db.pragma('wal_autocheckpoint = 10000');
    db.pragma('journal_size_limit = 67108864');
  }
  db.pragma('temp_store = MEMORY');
  // 32 MB page cache: histories of active instances stay in memory.
  db.pragma('cache_size = -32000');
}
