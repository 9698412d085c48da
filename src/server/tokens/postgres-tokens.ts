/**
 * The token store on PostgreSQL: a small pool on the engine's database, the table in the engine's
 * schema, its own migrations (`durox_api_tokens_migrations`, serialised by an advisory lock).
 */
import pg from 'pg';
import { migratePostgresSchema, quoteIdentifier } from '../../index.js';
import { migrations } from './postgres/generated/migrations.js';
import { tokenRowFromColumns, type TokenColumns } from './token-columns.js';
import type { TokenRow, TokenStore } from './token-store.js';

/** Tokens in the PostgreSQL store. */
export class PostgresTokenStore implements TokenStore {
  readonly #pool: pg.Pool;
  readonly #t: string;

  private constructor(pool: pg.Pool, schema: string) {
    this.#pool = pool;
    this.#t = `${quoteIdentifier(schema)}.durox_api_tokens`;
  }

  /** Connects to `url` and migrates the token table in `schema` (default `public`). */
  static async open(url: string, schema = 'public'): Promise<PostgresTokenStore> {
    const pool = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 15_000 });
    pool.on('error', () => undefined);
    try {
      const client = await pool.connect();
      try {
        await migratePostgresSchema(client, schema, migrations, {
          table: 'durox_api_tokens_migrations',
          subject: 'the API token table',
        });
        client.release();
      } catch (err) {
        client.release(true);
        throw err;
      }
      return new PostgresTokenStore(pool, schema);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
  }

  async insert(row: TokenRow): Promise<boolean> {
    // The partial unique index refuses a second live token with one name.
    const result = await this.#pool.query(
      `INSERT INTO ${this.#t} (id, name, scope, salt, hash, created_at)
       VALUES ($1::text, $2::text, $3::text, $4::bytea, $5::bytea, $6::bigint)
       ON CONFLICT DO NOTHING`,
      [row.id, row.name, row.scope, row.salt, row.hash, row.createdAt],
    );
    return result.rowCount === 1;
  }

  async find(id: string): Promise<TokenRow | null> {
    const result = await this.#pool.query<TokenColumns>(`SELECT * FROM ${this.#t} WHERE id = $1::text`, [id]);
    return result.rows[0] ? tokenRowFromColumns(result.rows[0]) : null;
  }

  async list(includeRevoked: boolean): Promise<TokenRow[]> {
    const result = await this.#pool.query<TokenColumns>(
      `SELECT * FROM ${this.#t} ${includeRevoked ? '' : 'WHERE revoked_at IS NULL'} ORDER BY created_at DESC, id`,
    );
    return result.rows.map(tokenRowFromColumns);
  }

  async revoke(idOrName: string, at: number): Promise<TokenRow | null> {
    const result = await this.#pool.query<TokenColumns>(
      `UPDATE ${this.#t} SET revoked_at = $2::bigint
       WHERE (id = $1::text OR name = $1::text) AND revoked_at IS NULL RETURNING *`,
      [idOrName, at],
    );
    return result.rows[0] ? tokenRowFromColumns(result.rows[0]) : null;
  }

  async touch(id: string, at: number): Promise<void> {
    await this.#pool.query(`UPDATE ${this.#t} SET last_used_at = $2::bigint WHERE id = $1::text`, [id, at]);
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
