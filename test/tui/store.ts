/**
 * Stores for the TUI tests: a real SQLite file in a temporary directory, populated through a
 * real Runtime with a few orchestrations that produce every kind of thing the screens show
 * (activities, a failure, timers, a sub-orchestration, custom status, KV, continue-as-new, a
 * waiting instance), or with many trivial instances through the provider's ack API.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Runtime, SqliteProvider } from '../../src/index.js';
import type { OrchestrationContext } from '../../src/index.js';
import type { OrchestrationAck } from '../../src/core/provider.js';
import { eventually } from '../helpers/eventually.js';

export interface TestStore {
  dir: string;
  dbPath: string;
  provider: SqliteProvider;
  client: Client;
  /** Present while a runtime works the store. */
  runtime: Runtime | null;
  close(): Promise<void>;
}

/** The store label the tests show (the temporary path would make frames differ per run). */
export const STORE_LABEL = 'sqlite:/tmp/durox-tui/durox.db';

export async function openStore(): Promise<TestStore> {
  const dir = mkdtempSync(join(tmpdir(), 'durox-tui-test-'));
  const dbPath = join(dir, 'durox.db');
  const provider = await SqliteProvider.open(dbPath);
  const store: TestStore = {
    dir,
    dbPath,
    provider,
    client: new Client(provider),
    runtime: null,
    close: async () => {
      await store.runtime?.shutdown(200);
      await provider.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return store;
}

function register(runtime: Runtime): void {
  runtime.registerActivity('Charge', async (_ctx, order: { amount: number }) => {
    if (order.amount > 100) throw new Error('card declined');
    return { charged: order.amount };
  });
  runtime.registerActivity('Ship', async (_ctx, address: string) => `shipped to ${address}`);
  runtime.registerOrchestrationVersioned(
    'Shipping',
    '1.0.0',
    function* (ctx: OrchestrationContext, address: string) {
      ctx.setCustomStatus('packing');
      return yield ctx.scheduleActivity('Ship', address);
    },
  );
  runtime.registerOrchestrationVersioned(
    'OrderWorkflow',
    '1.0.0',
    function* (ctx: OrchestrationContext, order: { id: string; amount: number }) {
      ctx.setCustomStatus('charging');
      const receipt = yield ctx.scheduleActivity('Charge', order);
      ctx.setValue('receipt', JSON.stringify(receipt));
      ctx.setCustomStatus('shipping');
      yield ctx.scheduleTimer(5);
      const shipped = yield ctx.scheduleSubOrchestrationWithId('Shipping', `${order.id}-ship`, 'Main St 1');
      ctx.setValue('stage', 'done');
      ctx.setCustomStatus('done');
      return { ok: true, shipped };
    },
  );
  runtime.registerOrchestrationVersioned('Approval', '1.0.0', function* (ctx: OrchestrationContext) {
    ctx.setCustomStatus('waiting for approval');
    ctx.setValue('requested', 'yes');
    const approval = yield ctx.waitForEvent('approve');
    ctx.setCustomStatus('approved');
    return approval;
  });
  runtime.registerOrchestrationVersioned(
    'Counter',
    '1.0.0',
    function* (ctx: OrchestrationContext, n: number) {
      ctx.setCustomStatus(`round ${n}`);
      if (n < 2) return yield ctx.continueAsNew(n + 1);
      return yield ctx.waitForEvent('stop');
    },
  );
}

/**
 * The store the screens are tested on (created in this order, newest last):
 * - `order-1` OrderWorkflow, Completed, with sub-orchestration `order-1-ship` (Shipping) and KV;
 * - `order-2` OrderWorkflow, Failed ("card declined");
 * - `approval-1` Approval, Running, waiting for the `approve` event;
 * - `counter-1` Counter, Running in its third execution (two continue-as-new), waiting for `stop`.
 *
 * With `keepRunning` the runtime keeps working the store (actions take effect); otherwise it is
 * shut down so that the frames stay the same.
 */
export async function populatedStore(options: { keepRunning?: boolean } = {}): Promise<TestStore> {
  const store = await openStore();
  const runtime = new Runtime(store.provider, { dispatcherPollIntervalMs: 10, logLevel: 'off' });
  store.runtime = runtime;
  register(runtime);
  await runtime.start();
  const { client } = store;
  await client.startOrchestration('order-1', 'OrderWorkflow', { id: 'order-1', amount: 42 });
  await client.waitForOrchestration('order-1', 10_000);
  await client.startOrchestration('order-2', 'OrderWorkflow', { id: 'order-2', amount: 500 });
  await client.waitForOrchestration('order-2', 10_000);
  await client.startOrchestration('approval-1', 'Approval');
  await eventually(
    async () => (await client.getStatus('approval-1')).customStatus === 'waiting for approval',
  );
  await eventually(async () =>
    (await client.readExecutionHistory('approval-1', 1)).some((e) => e.kind === 'ExternalSubscribed'),
  );
  await client.startOrchestration('counter-1', 'Counter', 0);
  await eventually(async () => {
    const executions = await client.listExecutions('counter-1');
    if (executions.length < 3) return false;
    return (await client.readExecutionHistory('counter-1', 3)).some((e) => e.kind === 'ExternalSubscribed');
  });
  if (!options.keepRunning) {
    await runtime.shutdown(200);
    store.runtime = null;
  }
  return store;
}

/** The ack that creates an instance of `Trivial` in its first turn: Completed, every tenth Failed. */
function creatingAck(instanceId: string, index: number): OrchestrationAck {
  const envelope = { instance_id: instanceId, execution_id: 1, timestamp_ms: Date.now() };
  const failed = index % 10 === 0;
  const details = {
    category: 'application',
    kind: 'OrchestrationFailed',
    message: 'boom',
    retryable: false,
  } as const;
  return {
    executionId: 1,
    historyDelta: [
      {
        ...envelope,
        type: 'OrchestrationStarted',
        event_id: 1,
        name: 'Trivial',
        version: '1.0.0',
        input: String(index),
      },
      failed
        ? { ...envelope, type: 'OrchestrationFailed', event_id: 2, details }
        : { ...envelope, type: 'OrchestrationCompleted', event_id: 2, output: String(index) },
    ],
    orchestratorItems: [],
    workerItems: [],
    cancelledActivities: [],
    kvMutations: [],
    metadata: {
      orchestrationName: 'Trivial',
      orchestrationVersion: '1.0.0',
      status: failed ? 'Failed' : 'Completed',
      output: failed ? JSON.stringify(details) : String(index),
    },
  };
}

/**
 * Adds `count` trivial instances (`bulk-00000`…) through the provider's queue and ack API, the
 * way the engine creates them, with `concurrency` fetch/ack loops (they group-commit).
 */
export async function seedInstances(store: TestStore, count: number, concurrency = 32): Promise<void> {
  const { provider } = store;
  const id = (i: number): string => `bulk-${String(i).padStart(5, '0')}`;
  const index = new Map<string, number>();
  for (let i = 0; i < count; i++) index.set(id(i), i);
  await Promise.all(
    [...index.keys()].map((instance) =>
      provider.enqueueOrchestratorWork({
        type: 'StartOrchestration',
        instance,
        orchestration: 'Trivial',
        input: '0',
        execution_id: 1,
      }),
    ),
  );
  let remaining = count;
  const loop = async (): Promise<void> => {
    while (remaining > 0) {
      const item = await provider.fetchOrchestrationItem(30_000);
      if (item === null) {
        // The other loops hold the rest: yield to them (a spin, not a wait on time).
        await new Promise((resolve) => setTimeout(resolve, 1));
        continue;
      }
      await provider.ackOrchestrationItem(
        item.lockToken,
        creatingAck(item.instanceId, index.get(item.instanceId)!),
      );
      remaining--;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
}

/**
 * A store with schedules, worked by a runtime that registers `Report` (completes at once):
 * - `nightly-report`, cron `30 2 * * *` in Europe/Berlin, with three runs backfilled for
 *   2030-01-01…03 (Completed, ids from their times);
 * - `sync`, every 15 minutes, paused with the note "maintenance window".
 *
 * With `keepRunning` the runtime keeps working the store (actions take effect); otherwise it is
 * shut down, and a schedule created afterwards (`late-report`, through a second handle on the
 * file, so no runtime of this process claims it) waits for a worker.
 */
export async function scheduleStore(options: { keepRunning?: boolean } = {}): Promise<TestStore> {
  const store = await openStore();
  const runtime = new Runtime(store.provider, { dispatcherPollIntervalMs: 10, logLevel: 'off' });
  store.runtime = runtime;
  runtime.registerOrchestrationVersioned('Report', '1.0.0', function* (_ctx, input: unknown) {
    return input;
  });
  await runtime.start();
  const { client } = store;
  await client.createSchedule({
    id: 'nightly-report',
    cron: '30 2 * * *',
    timezone: 'Europe/Berlin',
    orchestration: 'Report',
    input: { region: 'eu' },
  });
  await client.createSchedule({ id: 'sync', interval: '15m', orchestration: 'Report' });
  await client.backfillSchedule('nightly-report', {
    from: '2030-01-01T00:00:00Z',
    to: '2030-01-03T23:00:00Z',
  });
  await client.pauseSchedule('sync', 'maintenance window');
  await eventually(async () => {
    const [nightly, sync] = await Promise.all([
      client.describeSchedule('nightly-report'),
      client.describeSchedule('sync'),
    ]);
    return (
      sync.state.paused &&
      nightly.recentRuns.length === 3 &&
      nightly.recentRuns.every((r) => r.status === 'Completed')
    );
  }, 'the backfilled runs to complete and sync to pause');
  if (!options.keepRunning) {
    await runtime.shutdown(200);
    store.runtime = null;
    const other = await SqliteProvider.open(store.dbPath);
    try {
      await new Client(other).createSchedule({
        id: 'late-report',
        cron: '0 * * * *',
        orchestration: 'Report',
        allowUnknownOrchestration: true,
      });
    } finally {
      await other.close();
    }
  }
  return store;
}
