/**
 * A side connection to a SQLite store, for applications that keep their own tables next to the
 * engine's (toygres keeps its metadata there): the same file, its own connection.
 */
import type Database from 'better-sqlite3';
import { openDatabase, parseSqliteLocation } from './connection.js';

/**
 * Opens a separate better-sqlite3 connection to the SQLite store `url` (`sqlite:<path>`, a bare
 * path, or `sqlite::memory:` for a private in-memory database), parsed exactly as
 * `SqliteProvider` parses it; parent directories are created. The connection has the engine's
 * short native busy timeout and no pragmas applied: set `journal_mode = WAL` on a file yourself
 * (under a busy retry) and run operations through `retryWhileSqliteBusy`. The caller
 * closes it.
 *
 * @throws InvalidInputError for a malformed URL; MissingDependencyError when better-sqlite3's
 *   native module is not built.
 */
export function openSqliteSideConnection(url: string): Database.Database {
  return openDatabase(parseSqliteLocation(url));
}
