import { describe, expect, it } from 'vitest';
import { createTestSchema, openPostgresProvider as openProvider, rawClient } from '../../helpers/postgres.js';
import {
  activityItem,
  completionItem,
  elapsed,
  externalItem,
  fetchWork,
  startAck,
  startItem,
  watch,
} from './helpers.js';
import { firstWakeAtOrAfter } from '../shared/wake-timing.js';

/**
 * Bound for "the wait ended because of a wake-up, not its 10 s timeout". Generous: an enqueue
 * or a connect alone takes hundreds of milliseconds on a loaded machine.
 */
const WOKEN_WITHIN_MS = 5000;

describe('waitForWork in one provider', () => {
  it('resolves promptly when work is enqueued', async () => {
    const provider = await openProvider();
    const wait = provider.waitForWork('orchestrator', 10_000);
    setTimeout(() => void provider.enqueueOrchestratorWork(startItem('i1')), 20);
    expect(await elapsed(wait)).toBeLessThan(WOKEN_WITHIN_MS);
  });

  it('does not lose a notification that arrived before the wait', async () => {
    const provider = await openProvider();
    await provider.enqueueWorkerWork(activityItem('i1', 1));
    expect(await elapsed(provider.waitForWork('worker', 10_000))).toBeLessThan(WOKEN_WITHIN_MS);
    // The pending notification is consumed once.
    expect(await elapsed(provider.waitForWork('worker', 50))).toBeGreaterThanOrEqual(40);
  });

  it('times out and honours an abort signal', async () => {
    const provider = await openProvider();
    expect(await elapsed(provider.waitForWork('orchestrator', 60))).toBeGreaterThanOrEqual(50);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    expect(await elapsed(provider.waitForWork('orchestrator', 10_000, controller.signal))).toBeLessThan(
      WOKEN_WITHIN_MS,
    );
    expect(await elapsed(provider.waitForWork('orchestrator', 10_000, controller.signal))).toBeLessThan(
      WOKEN_WITHIN_MS,
    );
  });

  it('wakes at the visible time of a delayed message', async () => {
    const provider = await openProvider();
    // The delay counts from the call: measured from there, as a slow enqueue uses some of it up.
    const started = Date.now();
    await provider.enqueueOrchestratorWork(externalItem('i1'), 200);
    await provider.waitForWork('orchestrator', 10_000);
    const woke = Date.now() - started;
    expect(woke).toBeGreaterThanOrEqual(200);
    expect(woke).toBeLessThan(WOKEN_WITHIN_MS);
    expect(await provider.fetchOrchestrationItem(1000)).not.toBeNull();
  });

  it('wakes for each delayed message in turn', async () => {
    const provider = await openProvider();
    const started = Date.now();
    await provider.enqueueOrchestratorWork(externalItem('late'), 1500);
    await provider.enqueueOrchestratorWork(externalItem('early'), 100);
    const first = await firstWakeAtOrAfter(provider, started, 100);
    // Woken for the early message, not only for the late one.
    expect(first).toBeLessThan(1500);
    const second = await firstWakeAtOrAfter(provider, started, 1500);
    expect(second).toBeLessThan(WOKEN_WITHIN_MS);
  });

  it('wakes worker waiters when an ack schedules activities', async () => {
    const provider = await openProvider();
    await provider.enqueueOrchestratorWork(startItem('i1'));
    const item = await provider.fetchOrchestrationItem(30_000);
    await provider.waitForWork('orchestrator', 0);
    const wait = provider.waitForWork('worker', 10_000);
    await provider.ackOrchestrationItem(
      item!.lockToken,
      startAck('i1', { workerItems: [activityItem('i1', 2)] }),
    );
    expect(await elapsed(wait)).toBeLessThan(WOKEN_WITHIN_MS);
  });

  it('wakes the orchestrator queue when an ack releases messages that waited for the lease', async () => {
    const provider = await openProvider();
    await provider.enqueueOrchestratorWork(startItem('i1'));
    const item = await provider.fetchOrchestrationItem(30_000);
    await provider.enqueueOrchestratorWork(externalItem('i1'));
    await provider.waitForWork('orchestrator', 0);
    const wait = provider.waitForWork('orchestrator', 10_000);
    await provider.ackOrchestrationItem(item!.lockToken, startAck('i1'));
    expect(await elapsed(wait)).toBeLessThan(WOKEN_WITHIN_MS);
  });
});

describe('waitForInstanceChange in one provider', () => {
  it('resolves when an ack, an enqueue or a completion touches the instance', async () => {
    const provider = await openProvider();
    await provider.enqueueOrchestratorWork(startItem('i1'));
    const item = await provider.fetchOrchestrationItem(30_000);
    let wait = provider.waitForInstanceChange('i1', 10_000);
    await provider.ackOrchestrationItem(
      item!.lockToken,
      startAck('i1', { workerItems: [activityItem('i1', 2)] }),
    );
    expect(await elapsed(wait)).toBeLessThan(WOKEN_WITHIN_MS);

    wait = provider.waitForInstanceChange('i1', 10_000);
    await provider.enqueueOrchestratorWork(externalItem('i1'));
    expect(await elapsed(wait)).toBeLessThan(WOKEN_WITHIN_MS);

    const lease = await fetchWork(provider);
    wait = provider.waitForInstanceChange('i1', 10_000);
    await provider.ackWorkItem(lease.lockToken, completionItem('i1', 2));
    expect(await elapsed(wait)).toBeLessThan(WOKEN_WITHIN_MS);
  });

  it('ignores changes of other instances', async () => {
    const provider = await openProvider();
    const controller = new AbortController();
    const quiet = watch(provider.waitForInstanceChange('quiet', 10_000, controller.signal));
    const marker = provider.waitForInstanceChange('marker', 10_000);
    await provider.enqueueOrchestratorWork(externalItem('busy'));
    // Signalled after 'busy': had that woken 'quiet', it would have done so by now.
    await provider.enqueueOrchestratorWork(externalItem('marker'));
    await marker;
    expect(quiet.settled).toBe(false);
    controller.abort();
    await quiet.done;
  });
});

/**
 * Two providers on one schema stand for two processes: each has its own pool and LISTEN
 * connection, and learns about the other's writes only through NOTIFY.
 */
describe('wake-ups across providers (LISTEN/NOTIFY)', () => {
  it('wakes an idle orchestrator dispatcher of another provider within milliseconds', async () => {
    const schema = createTestSchema();
    const writer = await openProvider(schema);
    const reader = await openProvider(schema);
    const wait = watch(reader.waitForWork('orchestrator', 10_000));
    // Nothing but the writer's NOTIFY may end the wait: it is still open once the event loop ran.
    await new Promise((resolve) => setImmediate(resolve));
    expect(wait.settled).toBe(false);
    const started = Date.now();
    await writer.enqueueOrchestratorWork(startItem('i1'));
    await wait.done;
    expect(Date.now() - started).toBeLessThan(WOKEN_WITHIN_MS);
    expect((await reader.fetchOrchestrationItem(30_000))?.instanceId).toBe('i1');
  });

  it('wakes worker waiters and status waiters of another provider on an ack', async () => {
    const schema = createTestSchema();
    const runtimeSide = await openProvider(schema);
    const clientSide = await openProvider(schema);
    const workerSide = await openProvider(schema);
    await clientSide.enqueueOrchestratorWork(startItem('i1'));
    const item = await runtimeSide.fetchOrchestrationItem(30_000);
    await workerSide.waitForWork('worker', 0);
    const statusWait = clientSide.waitForInstanceChange('i1', 10_000);
    const workerWait = workerSide.waitForWork('worker', 10_000);
    const started = Date.now();
    await runtimeSide.ackOrchestrationItem(
      item!.lockToken,
      startAck('i1', { workerItems: [activityItem('i1', 2)] }),
    );
    await Promise.all([statusWait, workerWait]);
    expect(Date.now() - started).toBeLessThan(WOKEN_WITHIN_MS);
  });

  it('wakes the orchestrator side when another provider completes an activity', async () => {
    const schema = createTestSchema();
    const orchestratorSide = await openProvider(schema);
    const workerSide = await openProvider(schema);
    await workerSide.enqueueWorkerWork(activityItem('i1', 2));
    const lease = await fetchWork(workerSide);
    await orchestratorSide.waitForWork('orchestrator', 0);
    const wait = orchestratorSide.waitForWork('orchestrator', 10_000);
    const started = Date.now();
    await workerSide.ackWorkItem(lease.lockToken, completionItem('i1', 2));
    await wait;
    expect(Date.now() - started).toBeLessThan(WOKEN_WITHIN_MS);
  });

  it('arms a timer for delayed work written by another provider', async () => {
    const schema = createTestSchema();
    const writer = await openProvider(schema);
    const reader = await openProvider(schema);
    await reader.waitForWork('orchestrator', 0);
    const wait = reader.waitForWork('orchestrator', 10_000);
    await writer.enqueueOrchestratorWork(externalItem('i1'), 250);
    // The announcement of a delayed message must not wake anyone before it is due.
    const took = await elapsed(wait);
    expect(took).toBeGreaterThanOrEqual(200);
    expect(took).toBeLessThan(WOKEN_WITHIN_MS);
    expect(await reader.fetchOrchestrationItem(30_000)).not.toBeNull();
  });

  it('arms timers for delayed work already stored when it connects', async () => {
    const schema = createTestSchema();
    const writer = await openProvider(schema);
    const started = Date.now();
    await writer.enqueueOrchestratorWork(externalItem('i1'), 1000);
    const reader = await openProvider(schema);
    await reader.waitForWork('orchestrator', 10_000);
    const woke = Date.now() - started;
    expect(woke).toBeGreaterThanOrEqual(1000);
    expect(woke).toBeLessThan(WOKEN_WITHIN_MS);
    expect(await reader.fetchOrchestrationItem(30_000)).not.toBeNull();
  });

  it('wakes the first waiter for work already visible when it connects', async () => {
    // The writer's announcements went out before the reader listened, as with a connect
    // slower than a message's delay.
    const schema = createTestSchema();
    const writer = await openProvider(schema);
    await writer.enqueueOrchestratorWork(externalItem('i1'));
    await writer.enqueueWorkerWork(activityItem('i1', 1));
    const reader = await openProvider(schema);
    expect(await elapsed(reader.waitForWork('orchestrator', 10_000))).toBeLessThan(WOKEN_WITHIN_MS);
    expect(await elapsed(reader.waitForWork('worker', 10_000))).toBeLessThan(WOKEN_WITHIN_MS);
    expect(await reader.fetchOrchestrationItem(30_000)).not.toBeNull();
    expect((await fetchWork(reader)).item.instance).toBe('i1');
  });

  it('keeps schemas apart: work in one schema wakes nobody in another', async () => {
    const a = await openProvider();
    const schema = createTestSchema();
    const b = await openProvider(schema);
    const bWriter = await openProvider(schema);
    const controller = new AbortController();
    const quiet = watch(b.waitForWork('orchestrator', 10_000, controller.signal));
    const marker = b.waitForWork('worker', 10_000);
    await a.enqueueOrchestratorWork(startItem('x'));
    // PostgreSQL delivers notifications in commit order: had b heard a's schema, it would
    // have heard it before this.
    await bWriter.enqueueWorkerWork(activityItem('m', 1));
    await marker;
    expect(quiet.settled).toBe(false);
    controller.abort();
    await quiet.done;
  });

  it('re-listens after the LISTEN connection is killed, waking waiters once', async () => {
    const schema = createTestSchema();
    const writer = await openProvider(schema);
    const reader = await openProvider(schema);
    const admin = await rawClient();
    const killed = await admin.query(
      `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
       WHERE query = $1 AND pid <> pg_backend_pid()`,
      [`LISTEN ${await channelOf(admin, schema)}`],
    );
    expect(killed.rows.length).toBeGreaterThanOrEqual(1);
    // The reconnect itself wakes everyone (notifications may have been missed meanwhile).
    await reader.waitForWork('orchestrator', 5000);
    await writer.waitForWork('orchestrator', 5000);
    const wait = reader.waitForWork('orchestrator', 10_000);
    await writer.enqueueOrchestratorWork(startItem('after'));
    expect(await elapsed(wait)).toBeLessThan(WOKEN_WITHIN_MS);
  });
});

async function channelOf(
  client: { query: (text: string, values: unknown[]) => Promise<{ rows: { channel: string }[] }> },
  schema: string,
): Promise<string> {
  const result = await client.query("SELECT 'durox_' || left(md5($1::text), 24) AS channel", [schema]);
  return result.rows[0]!.channel;
}
