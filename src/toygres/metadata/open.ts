/**
 * Opens the metadata store that goes with a durox store URL: the same SQLite file, or the same
 * PostgreSQL database and schema.
 */
import type { MetadataStore } from './store.js';

export interface OpenMetadataOptions {
  /** PostgreSQL schema of the engine's tables (default `public`). */
  schema?: string;
}

/** `sqlite:<path>` / `sqlite::memory:` / a bare path, or `postgres://…` / `postgresql://…`. */
export async function openMetadataStore(
  url: string,
  options: OpenMetadataOptions = {},
): Promise<MetadataStore> {
  if (/^postgres(ql)?:\/\//i.test(url)) {
    const { PostgresMetadataStore } = await import('./postgres/postgres-metadata.js');
    return PostgresMetadataStore.open(url, options.schema === undefined ? {} : { schema: options.schema });
  }
  const { SqliteMetadataStore } = await import('./sqlite/sqlite-metadata.js');
  return SqliteMetadataStore.open(url);
}
