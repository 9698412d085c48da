/**
 * The token store on SQLite: its own connection to the engine's file, writes retried while
 * another connection holds the lock, and its own migrations (`durox_api_tokens_migrations`).
 */
import type Database from 'better-sqlite3';
import { migrateSqliteSchema, openSqliteSideConnection, retryWhileSqliteBusy } from '../../index.js';
import { migrations } from './sqlite/generated/migrations.js';
import { tokenRowFromColumns, type TokenColumns } from './token-columns.js';
import type { TokenRow, TokenStore } from './token-store.js';

const MIGRATIONS = { table: 'durox_api_tokens_migrations', subject: 'the API token table' };

/** Tokens in the SQLite store. */
export class SqliteTokenStore implements TokenStore {
  readonly #db: Database.Database;

  private constructor(db: Database.Database) {
    this.#db = db;
  }

  /** Opens (and migrates) the token table in the SQLite store `url`. */
  static async open(url: string): Promise<SqliteTokenStore> {
    const db = openSqliteSideConnection(url);
    try {
      await retryWhileSqliteBusy('tokens:configure', () => {
        if (!db.memory) db.pragma('journal_mode = WAL');
      });
      await migrateSqliteSchema(db, migrations, MIGRATIONS);
      return new SqliteTokenStore(db);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  insert(row: TokenRow): Promise<boolean> {
    return retryWhileSqliteBusy('tokens:insert', () => {
      const taken = this.#db
        .prepare('SELECT 1 FROM durox_api_tokens WHERE name = ? AND revoked_at IS NULL')
        .get(row.name);
      if (taken) return false;
      this.#db
        .prepare(
          'INSERT INTO durox_api_tokens (id, name, scope, salt, hash, created_at) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(row.id, row.name, row.scope, row.salt, row.hash, row.createdAt);
      return true;
    });
  }

  find(id: string): Promise<TokenRow | null> {
    return retryWhileSqliteBusy('tokens:find', () => {
      const r = this.#db.prepare('SELECT * FROM durox_api_tokens WHERE id = ?').get(id) as
        TokenColumns | undefined;
      return r ? tokenRowFromColumns(r) : null;
    });
  }

  list(includeRevoked: boolean): Promise<TokenRow[]> {
    return retryWhileSqliteBusy('tokens:list', () =>
      (
        this.#db
          .prepare(
            `SELECT * FROM durox_api_tokens ${includeRevoked ? '' : 'WHERE revoked_at IS NULL'} ORDER BY created_at DESC, id`,
          )
          .all() as TokenColumns[]
      ).map(tokenRowFromColumns),
    );
  }

  revoke(idOrName: string, at: number): Promise<TokenRow | null> {
    return retryWhileSqliteBusy('tokens:revoke', () =>
      this.#db
        .transaction(() => {
          const r = this.#db
            .prepare('SELECT * FROM durox_api_tokens WHERE (id = ? OR name = ?) AND revoked_at IS NULL')
            .get(idOrName, idOrName) as TokenColumns | undefined;
          if (!r) return null;
          this.#db.prepare('UPDATE durox_api_tokens SET revoked_at = ? WHERE id = ?').run(at, r.id);
          return tokenRowFromColumns({ ...r, revoked_at: at });
        })
        .immediate(),
    );
  }

  async touch(id: string, at: number): Promise<void> {
    await retryWhileSqliteBusy('tokens:touch', () =>
      this.#db.prepare('UPDATE durox_api_tokens SET last_used_at = ? WHERE id = ?').run(at, id),
    );
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}
