/**
 * The providers the shared provider tests run against: each fixture opens a fresh provider
 * (SQLite on a new temporary database file, PostgreSQL on a new schema), closed after the test,
 * and can run a raw SQL statement against that provider's store (unqualified table names).
 */
import type { Provider } from '../../../src/core/provider.js';
import { openPostgresProvider, quoteIdent, rawClient } from '../../helpers/postgres.js';
import { openProvider as openSqliteProvider, rawConnection, tempDbPath } from '../sqlite/helpers.js';

export interface ProviderFixture {
  /** Used in the describe title (`$name`). */
  readonly name: 'sqlite' | 'postgres';
  /** A fresh, empty provider that is closed after the test. */
  open(): Promise<Provider>;
  /** Runs one raw SQL statement (no parameters) against the store of a provider from `open`. */
  execRaw(provider: Provider, sql: string): Promise<void>;
}

const sqlitePaths = new WeakMap<Provider, string>();

export const sqliteFixture: ProviderFixture = {
  name: 'sqlite',
  async open() {
    const path = tempDbPath();
    const provider = await openSqliteProvider(path);
    sqlitePaths.set(provider, path);
    return provider;
  },
  async execRaw(provider, sql) {
    const path = sqlitePaths.get(provider);
    if (path === undefined) throw new Error('not a provider opened by sqliteFixture');
    rawConnection(path).prepare(sql).run();
    return Promise.resolve();
  },
};

export const postgresFixture: ProviderFixture = {
  name: 'postgres',
  async open() {
    return openPostgresProvider();
  },
  async execRaw(provider, sql) {
    if (!('schema' in provider) || typeof provider.schema !== 'string') {
      throw new Error('not a provider opened by postgresFixture');
    }
    const client = await rawClient();
    await client.query(`SET search_path TO ${quoteIdent(provider.schema)}`);
    await client.query(sql);
  },
};

/** Every provider, for `describe.each(providerFixtures)('$name', (fixture) => …)`. */
export const providerFixtures: readonly ProviderFixture[] = [sqliteFixture, postgresFixture];
