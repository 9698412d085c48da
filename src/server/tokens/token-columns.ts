/**
 * The token table's columns as both stores read them, and the one mapping from them to a
 * {@link TokenRow}. The tables are the same on SQLite and PostgreSQL; only the driver's idea of an
 * epoch-ms column differs: better-sqlite3 gives a number, `pg` gives a BIGINT as a string.
 */
import type { TokenRow, TokenScope } from './token-store.js';

/** An epoch-ms column as a driver hands it over (`pg` reads BIGINT as a string to keep precision). */
type EpochColumn = number | string;

/** A `durox_api_tokens` row as the driver returns it (snake_case, as in the migrations). */
export interface TokenColumns {
  id: string;
  name: string;
  scope: TokenScope;
  salt: Buffer;
  hash: Buffer;
  created_at: EpochColumn;
  last_used_at: EpochColumn | null;
  revoked_at: EpochColumn | null;
}

/** The {@link TokenRow} a stored row stands for (epoch columns as numbers). */
export function tokenRowFromColumns(r: TokenColumns): TokenRow {
  return {
    id: r.id,
    name: r.name,
    scope: r.scope,
    salt: r.salt,
    hash: r.hash,
    createdAt: Number(r.created_at),
    lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
  };
}
