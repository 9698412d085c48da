/**
 * Workers with different registrations on one store (real child processes): each takes only
 * work it can run, so with two delivery attempts and a 5 ms unregistered backoff nothing is
 * poisoned; work no running worker knows still fails as poison, naming the missing code.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Client, SqliteProvider } from '../../src/index.js';
import type { Provider } from '../../src/core/provider.js';
import { createTestSchema, openPostgresProvider, pgUrl } from '../helpers/postgres.js';
import { fixtureScript, startWorker, stopWorker } from '../helpers/processes.js';

const SCRIPT = fixtureScript('specialised-worker.mjs');
const PER_FLOW = 120;

interface Store {
  url: string;
  env: Record<string, string>;
  open(): Promise<Provider>;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function sqliteStore(): Store {
  const dir = mkdtempSync(join(tmpdir(), 'durox-specialised-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'durox.db');
  return { url: path, env: {}, open: () => SqliteProvider.open(path) };
}

function postgresStore(): Store {
  const schema = createTestSchema();
  return { url: pgUrl(), env: { DUROX_SCHEMA: schema }, open: () => openPostgresProvider(schema) };
}

type FlowOutput = { flow: string; pid: number; steps: { role: string; pid: number }[] };

describe.each([
  ['SQLite file', sqliteStore],
  ['PostgreSQL', postgresStore],
])('two workers with different registrations on one %s store', (_label, makeStore) => {
  it(`completes ${2 * PER_FLOW} mixed orchestrations without poisoning any`, async () => {
    const store = makeStore();
    const provider = await store.open();
    cleanups.push(() => provider.close());
    const client = new Client(provider);
    const a = await startWorker(store.url, { ...store.env, ROLE: 'a' }, SCRIPT);
    const b = await startWorker(store.url, { ...store.env, ROLE: 'b' }, SCRIPT);
    cleanups.push(() => Promise.all([stopWorker(a), stopWorker(b)]).then(() => undefined));

    const ids = Array.from({ length: PER_FLOW }, (_, i) => [`fa-${i}`, `fb-${i}`]).flat();
    await Promise.all(
      ids.map((id, i) => client.startOrchestration(id, id.startsWith('fa') ? 'FlowA' : 'FlowB', i)),
    );

    for (const id of ids) {
      const status = await client.waitForOrchestration(id, 60_000);
      expect(status.error, id).toBeUndefined();
      expect(status.status).toBe('Completed');
      const role = id.startsWith('fa') ? 'A' : 'B';
      const output = status.output as FlowOutput;
      const pids = { A: a.pid, B: b.pid } as Record<string, number | undefined>;
      // Every piece ran on the worker that registers it.
      expect(output.pid).toBe(pids[role]);
      expect(output.steps.map((s) => [s.role, s.pid])).toEqual([
        [role, pids[role]],
        [role === 'A' ? 'B' : 'A', pids[role === 'A' ? 'B' : 'A']],
      ]);
    }
    // Every runtime also registers the built-in schedule orchestration (docs/schedules.md).
    const workers = (await provider.listWorkers!())
      .map((w) => Object.keys(w.orchestrations).filter((name) => !name.startsWith('__durox_syscall:')))
      .sort();
    expect(workers).toEqual([['FlowA'], ['FlowB']]);
  }, 120_000);

  it('still poisons work no running worker knows, and the failure names it', async () => {
    const store = makeStore();
    const provider = await store.open();
    cleanups.push(() => provider.close());
    const client = new Client(provider);
    const a = await startWorker(store.url, { ...store.env, ROLE: 'a' }, SCRIPT);
    const b = await startWorker(store.url, { ...store.env, ROLE: 'b' }, SCRIPT);
    cleanups.push(() => Promise.all([stopWorker(a), stopWorker(b)]).then(() => undefined));

    await client.startOrchestration('typo-1', 'FlowC');
    const status = await client.waitForOrchestration('typo-1', 30_000);
    expect(status.status).toBe('Failed');
    expect(status.failureDetails).toMatchObject({ category: 'poison', max_attempts: 2 });
    expect(status.error).toContain("orchestration 'FlowC' is not registered on any running worker");
  }, 60_000);
});
