/**
 * API tokens of `durox serve`: what a token is, how its secret is made, hashed and checked, and
 * the store contract the SQLite and PostgreSQL stores implement.
 *
 * A token reads `durox_<id>_<secret>`: `id` (12 hex characters) finds the row, `secret` is 256
 * random bits from the CSPRNG (base64url). The store keeps only a per-token random salt and
 * SHA-256(salt ‖ secret) — a 256-bit random secret needs no slow hash — and verification compares
 * hashes with `crypto.timingSafeEqual`.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** What a token may do: `read` < `write` < `admin`; each scope includes the ones below it. */
export type TokenScope = 'read' | 'write' | 'admin';

/** Every scope, weakest first. */
export const TOKEN_SCOPES: readonly TokenScope[] = ['read', 'write', 'admin'];

/** True when a token with scope `held` may do what `needed` allows. */
export function scopeAllows(held: TokenScope, needed: TokenScope): boolean {
  return TOKEN_SCOPES.indexOf(held) >= TOKEN_SCOPES.indexOf(needed);
}

/** A stored token as listed: never its secret or hash. */
export interface TokenInfo {
  /** Public id (the part of the token after `durox_`). */
  id: string;
  name: string;
  scope: TokenScope;
  createdAt: number;
  /** Last successful authentication (epoch ms), or null. */
  lastUsedAt: number | null;
  /** When revoked (epoch ms), or null while live. */
  revokedAt: number | null;
}

/** A token just created: the only time its full text exists. */
export interface CreatedToken extends TokenInfo {
  /** The bearer token (`durox_<id>_<secret>`); it cannot be shown again. */
  token: string;
}

/** The row a store keeps. */
export interface TokenRow {
  id: string;
  name: string;
  scope: TokenScope;
  salt: Buffer;
  hash: Buffer;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** Storage of token rows (SQLite or PostgreSQL, next to the engine's tables). */
export interface TokenStore {
  /** Inserts a row; resolves false when a live token already has this name. */
  insert(row: TokenRow): Promise<boolean>;
  /** The row with this id (revoked ones included), or null. */
  find(id: string): Promise<TokenRow | null>;
  /** Every row, newest first; revoked ones only when `includeRevoked`. */
  list(includeRevoked: boolean): Promise<TokenRow[]>;
  /** Revokes the live token whose id or name is `idOrName`; resolves its row, or null when none. */
  revoke(idOrName: string, at: number): Promise<TokenRow | null>;
  /** Records a successful use (best effort). */
  touch(id: string, at: number): Promise<void>;
  /** Closes the store's connection. */
  close(): Promise<void>;
}

const TOKEN_FORMAT = /^durox_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

/** SHA-256 of salt ‖ secret. */
function hashSecret(salt: Buffer, secret: string): Buffer {
  return createHash('sha256').update(salt).update(secret, 'utf8').digest();
}

/** The listed view of a row. */
export function tokenInfo(row: TokenRow): TokenInfo {
  return {
    id: row.id,
    name: row.name,
    scope: row.scope,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
  };
}

/**
 * Makes a token (CSPRNG id, secret and salt), stores its row and returns its text once. Resolves
 * null when a live token already has `name`.
 */
export async function createToken(
  store: TokenStore,
  name: string,
  scope: TokenScope,
  now = Date.now(),
): Promise<CreatedToken | null> {
  const id = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const salt = randomBytes(16);
  const row: TokenRow = {
    id,
    name,
    scope,
    salt,
    hash: hashSecret(salt, secret),
    createdAt: now,
    lastUsedAt: null,
    revokedAt: null,
  };
  if (!(await store.insert(row))) return null;
  return { ...tokenInfo(row), token: `durox_${id}_${secret}` };
}

/**
 * The live token `text` stands for, or null when it is malformed, unknown, revoked or its secret
 * does not match (compared in constant time).
 */
export async function verifyToken(store: TokenStore, text: string): Promise<TokenInfo | null> {
  const match = TOKEN_FORMAT.exec(text);
  if (!match) return null;
  const row = await store.find(match[1]!);
  if (!row || row.revokedAt !== null) return null;
  const actual = hashSecret(row.salt, match[2]!);
  if (actual.length !== row.hash.length || !timingSafeEqual(actual, row.hash)) return null;
  return tokenInfo(row);
}
