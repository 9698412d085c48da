/**
 * Test harness: a runtime and client over a real SQLite file in a temp directory, closed
 * after each test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { Client, PostgresProvider, Runtime, SqliteProvider } from '../../src/index.js';
import { createTestSchema, pgUrl } from './postgres.js';
import type { Clock, Provider, RuntimeOptions } from '../../src/index.js';
import type { HistoryEvent } from '../../src/core/history.js';

export interface Harness {
  dir: string;
  /** The SQLite file (unused when the suite runs on PostgreSQL). */
  dbPath: string;
  provider: Provider;
  client: Client;
  runtime: Runtime;
  /** Opens another runtime on the same file (e.g. after a restart). */
  newRuntime(options?: RuntimeOptions): Runtime;
  history(instanceId: string, executionId?: number): Promise<HistoryEvent[]>;
  kinds(instanceId: string, executionId?: number): Promise<string[]>;
}

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** Fast-polling defaults so tests do not wait on idle intervals. */
export const TEST_OPTIONS: RuntimeOptions = { dispatcherPollIntervalMs: 20, logLevel: 'off' };

/** The provider under test: SQLite by default, PostgreSQL when `DUROX_TEST_PROVIDER=postgres`. */
export const TEST_PROVIDER = process.env.DUROX_TEST_PROVIDER === 'postgres' ? 'postgres' : 'sqlite';

async function openTestProvider(dbPath: string, clock: Clock | undefined): Promise<Provider> {
  const options = clock === undefined ? {} : { clock };
  if (TEST_PROVIDER === 'sqlite') return SqliteProvider.open(dbPath, options);
  // A fresh schema per harness; the helper drops it after the test file.
  return PostgresProvider.connectWithSchema(pgUrl(), createTestSchema(), options);
}

export async function createHarness(options: RuntimeOptions = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'durox-test-'));
  const dbPath = join(dir, 'durox.db');
  // A runtime option `clock` is the store's clock too.
  const provider = await openTestProvider(dbPath, options.clock);
  const runtimes: Runtime[] = [];
  const newRuntime = (opts: RuntimeOptions = {}): Runtime => {
    const rt = new Runtime(provider, { ...TEST_OPTIONS, ...options, ...opts });
    runtimes.push(rt);
    return rt;
  };
  const runtime = newRuntime();
  cleanups.push(async () => {
    for (const rt of runtimes) await rt.shutdown(100);
    await provider.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const history = (id: string, exec?: number) => provider.readHistory(id, exec);
  return {
    dir,
    dbPath,
    provider,
    client: new Client(provider),
    runtime,
    newRuntime,
    history,
    kinds: async (id, exec) => (await history(id, exec)).map((e) => e.type),
  };
}
