/**
 * The providers the shared provider tests run against: each fixture opens a fresh provider
 * (SQLite on a new temporary database file, PostgreSQL on a new schema), closed after the test,
 * and can run a raw SQL statement against that provider's store (unqualified table names).
 */
import type { Clock } from '../../../src/core/clock.js';
import type { Provider } from '../../../src/core/provider.js';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';
import { openPostgresProvider, quoteIdent, rawClient } from '../../helpers/postgres.js';
import { openProvider as openSqliteProvider, rawConnection, tempDbPath } from '../sqlite/helpers.js';

export interface ProviderFixture {
  /** Used in the describe title (`$name`). */
  readonly name: 'sqlite' | 'postgres';
  /**
   * A fresh, empty provider that is closed after the test; on `options.clock` when given (a
   * `VirtualClock` lets a test expire leases and delays without waiting).
   */
  open(options?: { clock?: Clock }): Promise<Provider>;
  /** Runs one raw SQL statement (no parameters) against the store of a provider from `open`. */
  execRaw(provider: Provider, sql: string): Promise<void>;
}

const sqlitePaths = new WeakMap<Provider, string>();

export const sqliteFixture: ProviderFixture = {
  name: 'sqlite',
  async open(options) {
    const path = tempDbPath();
    const provider = await openSqliteProvider(path, options);
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
  async open(options) {
    return openPostgresProvider(undefined, options);
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

/**
 * A fresh provider on a `VirtualClock` that starts at the wall-clock time: a test moves the
 * clock past a lease or a delay instead of sleeping through it.
 */
export async function openOnVirtualClock(
  fixture: ProviderFixture,
): Promise<{ provider: Provider; clock: VirtualClock }> {
  const clock = new VirtualClock(Date.now());
  return { provider: await fixture.open({ clock }), clock };
}
