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
import type { ActivityContext, Clock, Provider, RuntimeOptions } from '../../src/index.js';
import type { HistoryEvent, OrchestratorWorkItem } from '../../src/core/history.js';
import { eventually } from './eventually.js';

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
  /**
   * Resolves once the store has nothing in progress — no visible message, no turn or activity
   * leased — so whatever was already set in motion has run its course and what remains waits on
   * time or on something new. Await it before asserting that something did not happen.
   */
  idle(): Promise<void>;
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
    idle: () => storeIdle(provider),
  };
}

/** See `Harness.idle`. */
export async function storeIdle(provider: Provider): Promise<void> {
  const activity = provider.getStoreActivity?.bind(provider);
  if (activity === undefined) throw new Error(`${provider.name} does not implement getStoreActivity`);
  await eventually(async () => (await activity()).inProgress === 0, 'the store to have nothing in progress');
}

/** What the store answered to one `ackWorkItem` (an activity's result handed in). */
export interface ActivityAck {
  completion: OrchestratorWorkItem | null;
  accepted: boolean;
}

/**
 * Records every activity result a runtime hands to `provider` (call before the runtime
 * starts): a test waits for the ack of a withdrawn activity instead of sleeping, and sees
 * whether the store took its result.
 */
export function recordActivityAcks(provider: Provider): ActivityAck[] {
  const acks: ActivityAck[] = [];
  const ackWorkItem = provider.ackWorkItem.bind(provider);
  provider.ackWorkItem = async (lockToken, completion) => {
    try {
      await ackWorkItem(lockToken, completion);
      acks.push({ completion, accepted: true });
    } catch (err) {
      acks.push({ completion, accepted: false });
      throw err;
    }
  };
  return acks;
}

/**
 * Resolves `true` when the activity is cancelled (its `signal` aborts; `isCancelled()` then
 * says so too), or `false` after `maxMs` of wall time: an activity that cooperates with
 * cancellation, without polling.
 */
export function untilCancelled(ctx: ActivityContext, maxMs: number): Promise<boolean> {
  if (ctx.isCancelled()) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(ctx.isCancelled()), maxMs);
    ctx.signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve(ctx.isCancelled());
      },
      { once: true },
    );
  });
}
