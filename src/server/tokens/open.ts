/** Opens the token store that goes with a durox store URL (same SQLite file or PostgreSQL schema). */
import type { TokenStore } from './token-store.js';

/** `sqlite:<path>` / `sqlite::memory:` / a bare path, or `postgres://…` with the engine's schema. */
export async function openTokenStore(url: string, schema?: string): Promise<TokenStore> {
  if (/^postgres(ql)?:\/\//i.test(url)) {
    const { PostgresTokenStore } = await import('./postgres-tokens.js');
    return PostgresTokenStore.open(url, schema);
  }
  const { SqliteTokenStore } = await import('./sqlite-tokens.js');
  return SqliteTokenStore.open(url);
}
