/**
 * `client.watchHistory`: events stream as they commit, woken by the provider's change signals
 * (SQLite's per-file in-process signal; PostgreSQL's LISTEN/NOTIFY between two providers), not
 * by polling; continue-as-new is followed; the iterator ends at the terminal event; `break` and
 * `return()` release the pending wait.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { Client, Runtime, SqliteProvider } from '../../src/index.js';
import type { Provider, WatchedEvent } from '../../src/index.js';
import { createTestSchema, openPostgresProvider } from '../helpers/postgres.js';
import { eventually } from '../helpers/eventually.js';

/** Far longer than any step may take: a watch woken within it was woken by a change signal. */
const POLL_MS = 10_000;
const STEPS = 8;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

interface Store {
  /** The provider the runtime writes through. */
  writer: Provider;
  /** Another provider on the same store, for the watching client. */
  reader: Provider;
}

async function sqliteStore(): Promise<Store> {
  const dir = mkdtempSync(join(tmpdir(), 'durox-watch-'));
  const path = join(dir, 'durox.db');
  const writer = await SqliteProvider.open(path);
  const reader = await SqliteProvider.open(path);
  cleanups.push(async () => {
    await reader.close();
    await writer.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { writer, reader };
}

async function postgresStore(): Promise<Store> {
  const schema = createTestSchema();
  // Two providers with their own LISTEN connections: the watcher hears the runtime's NOTIFYs.
  return { writer: await openPostgresProvider(schema), reader: await openPostgresProvider(schema) };
}

/** Commit times (end of the ack) of every event the runtime writes, by `<execution>:<event id>`. */
function recordCommits(provider: Provider): Map<string, number> {
  const committed = new Map<string, number>();
  const ack = provider.ackOrchestrationItem.bind(provider);
  provider.ackOrchestrationItem = async (token, item) => {
    await ack(token, item);
    const at = performance.now();
    for (const e of item.historyDelta) committed.set(`${item.executionId}:${e.event_id}`, at);
  };
  return committed;
}

async function startRuntime(store: Store): Promise<Runtime> {
  const runtime = new Runtime(store.writer, { logLevel: 'off', dispatcherPollIntervalMs: 20 });
  runtime.registerOrchestration('Steps', function* (ctx, steps: number) {
    for (let i = 0; i < steps; i++) yield ctx.waitForEvent('step');
    return steps;
  });
  runtime.registerOrchestration('Counter', function* (ctx, n: number) {
    yield ctx.scheduleTimer(1);
    if (n < 3) return yield ctx.continueAsNew(n + 1);
    return n;
  });
  runtime.registerOrchestration('Fails', function* (ctx) {
    yield ctx.scheduleTimer(1);
    throw new Error('boom');
  });
  await runtime.start();
  cleanups.push(() => runtime.shutdown(100));
  return runtime;
}

interface Seen extends WatchedEvent {
  at: number;
}

/** Runs a watch in the background, recording when each event was yielded. */
function collect(client: Client, id: string, options = {}): { seen: Seen[]; done: Promise<void> } {
  const seen: Seen[] = [];
  const done = (async () => {
    for await (const item of client.watchHistory(id, { pollIntervalMs: POLL_MS, ...options })) {
      seen.push({ ...item, at: performance.now() });
    }
  })();
  return { seen, done };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe.each([
  ['SQLite file', sqliteStore],
  ['PostgreSQL', postgresStore],
])('watchHistory on %s', (_name, openStore) => {
  it('yields each event within 100 ms of its commit (median), woken by the change signal, and ends at completion', async () => {
    const store = await openStore();
    const commits = recordCommits(store.writer);
    await startRuntime(store);
    const client = new Client(store.reader);
    await client.startOrchestration('steps', 'Steps', STEPS);
    const watch = collect(client, 'steps');
    const kindsSeen = (kind: string) => watch.seen.filter((s) => s.event.type === kind).length;
    await eventually(() => kindsSeen('ExternalSubscribed') === 1, 'the first subscription');
    for (let step = 1; step <= STEPS; step++) {
      await client.raiseEvent('steps', 'step', step);
      // The next subscription shows that the whole turn arrived (or the completion, at the end).
      await eventually(
        () => kindsSeen('ExternalEvent') === step,
        `step ${step} to be watched (seen: ${watch.seen.length})`,
      );
    }
    // Ends by itself after the terminal event, long before the 10 s poll could matter.
    const ended = await Promise.race([
      watch.done.then(() => true),
      new Promise((resolve) => setTimeout(() => resolve(false), 5_000)),
    ]);
    expect(ended).toBe(true);
    const kinds = watch.seen.map((s) => s.event.type);
    expect(kinds[0]).toBe('OrchestrationStarted');
    expect(kinds.at(-1)).toBe('OrchestrationCompleted');
    expect(watch.seen.map((s) => s.event.event_id)).toEqual(watch.seen.map((_, i) => i + 1));
    expect(new Set(watch.seen.map((s) => s.executionId))).toEqual(new Set([1]));

    const latencies = watch.seen
      .filter((s) => s.event.type === 'ExternalEvent')
      .map((s) => Math.max(0, s.at - commits.get(`1:${s.event.event_id}`)!));
    expect(latencies).toHaveLength(STEPS);
    expect(median(latencies), `latencies ${latencies.map(Math.round).join(', ')} ms`).toBeLessThanOrEqual(
      100,
    );
    // No step waited for the fallback poll.
    expect(Math.max(...latencies)).toBeLessThan(POLL_MS / 2);
  });

  it('follows continue-as-new into each new execution and ends with the last one', async () => {
    const store = await openStore();
    const client = new Client(store.reader);
    // Watched from Pending on: the first execution does not exist yet.
    await client.startOrchestration('counter', 'Counter', 1);
    const watch = collect(client, 'counter');
    await startRuntime(store);
    await watch.done;
    const byExecution = [1, 2, 3].map((x) =>
      watch.seen.filter((s) => s.executionId === x).map((s) => s.event.type),
    );
    expect(byExecution.map((kinds) => [kinds[0], kinds.at(-1)])).toEqual([
      ['OrchestrationStarted', 'OrchestrationContinuedAsNew'],
      ['OrchestrationStarted', 'OrchestrationContinuedAsNew'],
      ['OrchestrationStarted', 'OrchestrationCompleted'],
    ]);
    expect(watch.seen.every((s) => s.event.execution_id === s.executionId)).toBe(true);
  });
});

describe('watchHistory (SQLite)', () => {
  it('replays a finished chain from execution 1, or from an event id, and ends at a failure', async () => {
    const store = await sqliteStore();
    await startRuntime(store);
    const client = new Client(store.reader);
    await client.startOrchestration('chain', 'Counter', 2);
    await client.startOrchestration('fails', 'Fails');
    await client.waitForOrchestration('chain', 10_000);
    await client.waitForOrchestration('fails', 10_000);

    const all: WatchedEvent[] = [];
    for await (const item of client.watchHistory('chain', { executionId: 1 })) all.push(item);
    expect([...new Set(all.map((i) => i.executionId))]).toEqual([1, 2]);
    expect(all.at(-1)!.event.type).toBe('OrchestrationCompleted');

    const current: WatchedEvent[] = [];
    for await (const item of client.watchHistory('chain', { fromEventId: 3 })) current.push(item);
    expect(current.map((i) => [i.executionId, i.event.event_id])).toEqual(
      all.filter((i) => i.executionId === 2 && i.event.event_id >= 3).map((i) => [2, i.event.event_id]),
    );

    const failed: string[] = [];
    for await (const item of client.watchHistory('fails')) failed.push(item.event.type);
    expect(failed.at(-1)).toBe('OrchestrationFailed');
  });

  it('rejects an unknown instance with NOT_FOUND', async () => {
    const store = await sqliteStore();
    const client = new Client(store.reader);
    await expect(client.watchHistory('ghost').next()).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('break and return() release the pending change wait at once', async () => {
    const store = await sqliteStore();
    await startRuntime(store);
    let pending = 0;
    const wait = store.reader.waitForInstanceChange.bind(store.reader);
    store.reader.waitForInstanceChange = (id, ms, signal) => {
      pending++;
      return wait(id, ms, signal).finally(() => pending--);
    };
    const client = new Client(store.reader);
    await client.startOrchestration('idle', 'Steps', 1);
    await eventually(async () => (await store.reader.readHistory('idle')).length >= 2);

    for await (const item of client.watchHistory('idle', { pollIntervalMs: POLL_MS })) {
      expect(item.event.type).toBe('OrchestrationStarted');
      break;
    }
    await eventually(() => pending === 0, { what: 'the wait to be released', timeoutMs: 1_000 });

    // return() while a next() waits for a change that does not come.
    const iterator = client.watchHistory('idle', { pollIntervalMs: POLL_MS, fromEventId: 3 });
    const next = iterator.next();
    await eventually(() => pending === 1, 'the watch to wait');
    const started = performance.now();
    await expect(iterator.return!()).resolves.toEqual({ done: true, value: undefined });
    await expect(next).resolves.toEqual({ done: true, value: undefined });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(pending).toBe(0);

    // An abort signal ends the watch too.
    const controller = new AbortController();
    const watch = collect(client, 'idle', { signal: controller.signal, fromEventId: 3 });
    await eventually(() => pending === 1, 'the watch to wait');
    controller.abort();
    await watch.done;
    expect(pending).toBe(0);
  });
});
