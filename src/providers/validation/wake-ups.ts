/**
 * Wake-ups: an idle dispatcher waiting on one provider learns about work written through
 * another provider on the same store within WAKE_BOUND_MS, and delayed work wakes it near its
 * visible time. Waits may also end early ("work may have become available"), so each case runs
 * a dispatcher-like loop (fetch, else wait) and measures when it found the work.
 */
import assert from 'node:assert/strict';
import type { OrchestrationItem, Provider, QueueKind, WorkItemLease } from '../../core/provider.js';
import {
  DEFAULT_ONLY,
  WAKE_BOUND_MS,
  activityItem,
  completedEvent,
  completionItem,
  createInstance,
  emptyAck,
  externalItem,
  fetchBatch,
  fetchWork,
  metadata,
  sleep,
  startItem,
  timerItem,
} from './builders.js';
import { casesOf } from './harness.js';
import type { ValidationCase } from './types.js';

const define = casesOf('wake-ups');

/** How long a loop waits per call and in total before giving up. */
const LONG_WAIT_MS = 5_000;

/** Milliseconds until `promise` settles. */
async function elapsed(promise: Promise<unknown>): Promise<number> {
  const started = Date.now();
  await promise;
  return Date.now() - started;
}

/** A dispatcher loop: fetch, else wait for work; resolves with the time it found something. */
async function loopUntil<T>(
  provider: Provider,
  queue: QueueKind,
  fetch: () => Promise<T | null>,
): Promise<{ found: T; at: number }> {
  const deadline = Date.now() + LONG_WAIT_MS;
  for (;;) {
    const found = await fetch();
    if (found !== null) return { found, at: Date.now() };
    const left = deadline - Date.now();
    if (left <= 0) assert.fail(`no ${queue} work found within ${LONG_WAIT_MS} ms`);
    await provider.waitForWork(queue, left);
  }
}

function orchestratorLoop(provider: Provider): Promise<{ found: OrchestrationItem; at: number }> {
  return loopUntil(provider, 'orchestrator', () => provider.fetchOrchestrationItem(30_000));
}

function workerLoop(provider: Provider): Promise<{ found: WorkItemLease; at: number }> {
  return loopUntil(provider, 'worker', () => provider.fetchWorkItem(30_000, DEFAULT_ONLY));
}

/** Lets a loop reach its wait before the peer acts. */
const SETTLE_MS = 50;

function assertPrompt(tookMs: number, what: string): void {
  assert.ok(
    tookMs <= WAKE_BOUND_MS,
    `${what}: the waiter found the work after ${tookMs} ms (bound ${WAKE_BOUND_MS} ms)`,
  );
}

export const wakeUpCases: readonly ValidationCase[] = [
  define('waits resolve by their timeout when nothing happens', async (provider) => {
    const took = await elapsed(provider.waitForWork('orchestrator', 150));
    assert.ok(took <= 150 + WAKE_BOUND_MS, `waited ${took} ms for a 150 ms timeout`);
    const tookWorker = await elapsed(provider.waitForWork('worker', 150));
    assert.ok(tookWorker <= 150 + WAKE_BOUND_MS, `waited ${tookWorker} ms for a 150 ms timeout`);
    const tookChange = await elapsed(provider.waitForInstanceChange('wk-quiet', 150));
    assert.ok(tookChange <= 150 + WAKE_BOUND_MS, `waited ${tookChange} ms for a 150 ms timeout`);
  }),

  define('waitForWork and waitForInstanceChange end when their signal aborts', async (provider) => {
    const controller = new AbortController();
    const work = elapsed(provider.waitForWork('orchestrator', 10_000, controller.signal));
    const change = elapsed(provider.waitForInstanceChange('wk-abort', 10_000, controller.signal));
    await sleep(SETTLE_MS);
    controller.abort();
    assert.ok((await work) <= SETTLE_MS + WAKE_BOUND_MS, 'waitForWork must end on abort');
    assert.ok((await change) <= SETTLE_MS + WAKE_BOUND_MS, 'waitForInstanceChange must end on abort');
    assert.ok((await elapsed(provider.waitForWork('worker', 10_000, controller.signal))) <= WAKE_BOUND_MS);
  }),

  define('an enqueue on the same provider wakes its orchestrator waiter', async (provider) => {
    const loop = orchestratorLoop(provider);
    await sleep(SETTLE_MS);
    const sent = Date.now();
    await provider.enqueueOrchestratorWork(startItem('wk-self'));
    const { found, at } = await loop;
    assert.equal(found.instanceId, 'wk-self');
    assertPrompt(at - sent, 'same-provider enqueue');
  }),

  define(
    'an orchestrator enqueue through a peer wakes the waiter',
    async (provider, env) => {
      const peer = await env.openPeer();
      const loop = orchestratorLoop(provider);
      await sleep(SETTLE_MS);
      const sent = Date.now();
      await peer.enqueueOrchestratorWork(startItem('wk-peer'));
      const { found, at } = await loop;
      assert.equal(found.instanceId, 'wk-peer');
      assertPrompt(at - sent, 'peer enqueue');
    },
    { requiresPeer: true },
  ),

  define(
    'a worker enqueue through a peer wakes the waiter',
    async (provider, env) => {
      const peer = await env.openPeer();
      const loop = workerLoop(provider);
      await sleep(SETTLE_MS);
      const sent = Date.now();
      await peer.enqueueWorkerWork(activityItem('wk-peer-w', 1));
      const { found, at } = await loop;
      assert.equal(found.item.instance, 'wk-peer-w');
      assertPrompt(at - sent, 'peer worker enqueue');
    },
    { requiresPeer: true },
  ),

  define(
    'activities scheduled by a peer ack wake the worker waiter',
    async (provider, env) => {
      const peer = await env.openPeer();
      await peer.enqueueOrchestratorWork(startItem('wk-sched'));
      const item = await fetchBatch(peer, 'wk-sched');
      const loop = workerLoop(provider);
      await sleep(SETTLE_MS);
      const sent = Date.now();
      await peer.ackOrchestrationItem(
        item.lockToken,
        emptyAck({ workerItems: [activityItem('wk-sched', 2)], metadata: metadata() }),
      );
      const { found, at } = await loop;
      assert.equal(found.item.id, 2);
      assertPrompt(at - sent, 'peer ack with activities');
    },
    { requiresPeer: true },
  ),

  define(
    'a completion acked by a peer worker wakes the orchestrator waiter',
    async (provider, env) => {
      const peer = await env.openPeer();
      await peer.enqueueWorkerWork(activityItem('wk-done', 1));
      const lease = await fetchWork(peer);
      const loop = orchestratorLoop(provider);
      await sleep(SETTLE_MS);
      const sent = Date.now();
      await peer.ackWorkItem(lease.lockToken, completionItem('wk-done', 1));
      const { found, at } = await loop;
      assert.deepEqual(found.messages, [completionItem('wk-done', 1)]);
      assertPrompt(at - sent, 'peer worker ack');
    },
    { requiresPeer: true },
  ),

  define(
    'a delayed message from a peer wakes the waiter near its visible time',
    async (provider, env) => {
      const peer = await env.openPeer();
      const delay = 400;
      const loop = orchestratorLoop(provider);
      await sleep(SETTLE_MS);
      const sent = Date.now();
      await peer.enqueueOrchestratorWork(externalItem('wk-delay'), delay);
      const { found, at } = await loop;
      assert.equal(found.instanceId, 'wk-delay');
      assert.ok(at - sent >= delay - 5, `delivered after ${at - sent} ms, before its ${delay} ms delay`);
      assertPrompt(at - sent - delay, 'delayed peer enqueue (time past the delay)');
    },
    { requiresPeer: true },
  ),

  define(
    'a timer written by a peer ack wakes the waiter near its fire time',
    async (provider, env) => {
      const peer = await env.openPeer();
      await peer.enqueueOrchestratorWork(startItem('wk-timer'));
      const item = await fetchBatch(peer, 'wk-timer');
      const fireAt = Date.now() + 400;
      await peer.ackOrchestrationItem(
        item.lockToken,
        emptyAck({
          orchestratorItems: [{ item: timerItem('wk-timer', 2, fireAt), visibleAtMs: fireAt }],
          metadata: metadata(),
        }),
      );
      const { found, at } = await orchestratorLoop(provider);
      assert.deepEqual(found.messages, [timerItem('wk-timer', 2, fireAt)]);
      assert.ok(at >= fireAt - 5, 'the timer was delivered before its fire time');
      assertPrompt(at - fireAt, 'peer timer (time past the fire time)');
    },
    { requiresPeer: true },
  ),

  ...(['any', 'end'] as const).map((filter) =>
    define(
      `waitForInstanceChange (filter '${filter}') resolves after a peer acks the instance's completion`,
      async (provider, env) => {
        const id = `wk-change-${filter}`;
        const peer = await env.openPeer();
        await createInstance(peer, id);
        await peer.enqueueOrchestratorWork(externalItem(id));
        const item = await fetchBatch(peer, id);
        const watcher = (async () => {
          const deadline = Date.now() + LONG_WAIT_MS;
          for (;;) {
            const info = await provider.getInstanceInfo(id);
            if (info?.status === 'Completed') return Date.now();
            const left = deadline - Date.now();
            if (left <= 0) assert.fail('the completion was not observed');
            await provider.waitForInstanceChange(id, left, undefined, filter);
          }
        })();
        await sleep(SETTLE_MS);
        const sent = Date.now();
        await peer.ackOrchestrationItem(
          item.lockToken,
          emptyAck({
            historyDelta: [completedEvent(id, 2)],
            metadata: metadata({ status: 'Completed', output: '"done"' }),
          }),
        );
        const seen = await watcher;
        assertPrompt(seen - sent, 'instance change by a peer ack');
      },
      { requiresPeer: true },
    ),
  ),
];
