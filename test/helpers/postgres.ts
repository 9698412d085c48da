/**
 * PostgreSQL test helpers: the server's URL (started once per run by test/global-setup.ts),
 * fresh schemas whose random names need quoting (capitals and a dash, like a careless user's),
 * dropped after the test file, and providers and raw connections closed after each test.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, inject } from 'vitest';
import type { PostgresProviderOptions } from '../../src/providers/postgres/postgres-options.js';
import { PostgresProvider } from '../../src/providers/postgres/postgres-provider.js';

const schemas = new Set<string>();
const providers: PostgresProvider[] = [];
const clients: pg.Client[] = [];

afterEach(async () => {
  await Promise.all(providers.splice(0).map((provider) => provider.close()));
  await Promise.all(clients.splice(0).map((client) => client.end().catch(() => undefined)));
});

afterAll(async () => {
  if (schemas.size === 0) return;
  const admin = new pg.Client({ connectionString: pgUrl() });
  await admin.connect();
  try {
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
  } finally {
    schemas.clear();
    await admin.end();
  }
});

/** Connection string of the test server. */
export function pgUrl(): string {
  return inject('pgUrl');
}

/** `name` as a quoted SQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * A new schema name (e.g. `durox-Test_3fa9c2d1`) that is dropped after the test file. The
 * schema itself is created by the first provider that connects to it (the real migrator).
 */
export function createTestSchema(prefix = 'durox-Test_'): string {
  const schema = `${prefix}${randomBytes(4).toString('hex')}`;
  schemas.add(schema);
  return schema;
}

/** Registers a schema created some other way, so it is dropped after the test file. */
export function dropAfterFile(schema: string): string {
  schemas.add(schema);
  return schema;
}

/** Opens a provider (on a fresh schema unless one is given) that is closed after the test. */
export async function openPostgresProvider(
  schema: string = createTestSchema(),
  options?: PostgresProviderOptions,
): Promise<PostgresProvider> {
  return track(await PostgresProvider.connectWithSchema(pgUrl(), schema, options));
}

/** Registers a provider opened some other way, so it is closed after the test. */
export function track(provider: PostgresProvider): PostgresProvider {
  providers.push(provider);
  return provider;
}

/** A raw connection to inspect or tamper with the database; closed after the test. */
export async function rawClient(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: pgUrl() });
  client.on('error', () => undefined);
  await client.connect();
  clients.push(client);
  return client;
}
