/**
 * The optional held-turn capability (`holdInstanceMs` + `ackHeldTurn`): an ack may keep the
 * instance lease for the one activity it locked, and the next turn then commits together with
 * that activity's result — or, when the lease is gone or other messages wait, the activity is
 * acked alone and the lease let go. Providers without `ackHeldTurn` pass these cases.
 */
import assert from 'node:assert/strict';
import type { EagerWorkRequest, OrchestrationAck, Provider, WorkItemLease } from '../../core/provider.js';
import type { HistoryEvent } from '../../core/history.js';
import {
  EXPIRY_WAIT_MS,
  LONG_LEASE_MS,
  SHORT_LEASE_MS,
  activityItem,
  assertNoBatch,
  assertNoWork,
  completedEvent,
  completionItem,
  emptyAck,
  expectLockLost,
  externalItem,
  fetchBatch,
  metadata,
  scheduledEvent,
  sleep,
  startItem,
  startedEvent,
  typesOf,
} from './builders.js';
import { casesOf } from './harness.js';
import type { ValidationCase } from './types.js';

const define = casesOf('capabilities');

/** An eager request that asks to keep the instance lease for `holdMs`. */
function holdRequest(holdMs = LONG_LEASE_MS, maxItems = 1): EagerWorkRequest {
  return {
    maxItems,
    lockTimeoutMs: LONG_LEASE_MS,
    tagFilter: { mode: 'defaultOnly' },
    holdInstanceMs: holdMs,
  };
}

/** The ActivityCompleted history event of activity `id`, recorded as event `eventId`. */
function activityCompletedEvent(instance: string, eventId: number, id: number): HistoryEvent {
  return {
    event_id: eventId,
    instance_id: instance,
    execution_id: 1,
    timestamp_ms: 1_700_000_000_000,
    type: 'ActivityCompleted',
    source_event_id: id,
    result: '"done"',
  };
}

interface Held {
  /** The kept instance lease. */
  lockToken: string;
  heldUntilMs: number | undefined;
  /** The lease of activity 2, locked by the first turn's ack. */
  lease: WorkItemLease;
}

/**
 * Starts `instance` with a first turn that schedules activity 2 and asks to keep the lease
 * for `holdMs`. Null when the provider lacks held turns.
 */
async function startHeld(provider: Provider, instance: string, holdMs = LONG_LEASE_MS): Promise<Held | null> {
  if (
    typeof provider.ackHeldTurn !== 'function' ||
    typeof provider.ackOrchestrationItemEager !== 'function'
  ) {
    return null;
  }
  await provider.enqueueOrchestratorWork(startItem(instance));
  const item = await fetchBatch(provider, instance);
  const result = await provider.ackOrchestrationItemEager(
    item.lockToken,
    emptyAck({
      historyDelta: [startedEvent(instance), scheduledEvent(instance, 2)],
      workerItems: [activityItem(instance, 2)],
      metadata: metadata(),
    }),
    holdRequest(holdMs),
  );
  assert.equal(result.leases.length, 1, 'the eager ack must lock the one activity');
  return { lockToken: item.lockToken, heldUntilMs: result.heldUntilMs, lease: result.leases[0]! };
}

/** The second turn: activity 2's result recorded, then `then` (default: completes). */
function secondTurn(instance: string, then: Partial<OrchestrationAck> = {}): OrchestrationAck {
  return emptyAck({
    historyDelta: [activityCompletedEvent(instance, 3, 2), completedEvent(instance, 4)],
    metadata: metadata({ status: 'Completed', output: '"done"' }),
    ...then,
  });
}

export const heldTurnCases: readonly ValidationCase[] = [
  define(
    'an eager ack with holdInstanceMs keeps the instance lease for its one locked activity',
    async (provider) => {
      const before = Date.now();
      const held = await startHeld(provider, 'held-keep');
      if (held === null) return;
      assert.ok(held.heldUntilMs !== undefined, 'heldUntilMs must be reported when the lease is kept');
      assert.ok(
        held.heldUntilMs >= before + LONG_LEASE_MS - 1000,
        'heldUntilMs must be about now + holdInstanceMs',
      );
      // Kept: a message for the instance is not fetchable while the lease lives.
      await provider.enqueueOrchestratorWork(externalItem('held-keep'));
      await assertNoBatch(provider, 'a held instance must not be fetchable');
      assert.deepEqual(typesOf(await provider.readHistory('held-keep')), [
        'OrchestrationStarted',
        'ActivityScheduled',
      ]);
    },
  ),

  define('an ack keeps no lease when it did not lock exactly its one activity', async (provider) => {
    if (
      typeof provider.ackHeldTurn !== 'function' ||
      typeof provider.ackOrchestrationItemEager !== 'function'
    ) {
      return;
    }
    await provider.enqueueOrchestratorWork(startItem('held-none'));
    const item = await fetchBatch(provider, 'held-none');
    const result = await provider.ackOrchestrationItemEager(
      item.lockToken,
      emptyAck({
        historyDelta: [startedEvent('held-none'), scheduledEvent('held-none', 2)],
        workerItems: [activityItem('held-none', 2)],
        metadata: metadata(),
      }),
      holdRequest(LONG_LEASE_MS, 0),
    );
    assert.deepEqual(result.leases, []);
    assert.equal(result.heldUntilMs, undefined, 'nothing locked: the lease must be released');
    await provider.enqueueOrchestratorWork(externalItem('held-none'));
    assert.equal((await fetchBatch(provider, 'held-none')).messages.length, 1);
  }),

  define('ackHeldTurn commits the turn with the activity result in one go', async (provider) => {
    const held = await startHeld(provider, 'held-commit');
    if (held === null) return;
    const result = await provider.ackHeldTurn!(
      held.lockToken,
      secondTurn('held-commit'),
      { workLockToken: held.lease.lockToken, completion: completionItem('held-commit', 2) },
      holdRequest(),
    );
    assert.equal(result.outcome, 'committed');
    assert.deepEqual(typesOf(await provider.readHistory('held-commit')), [
      'OrchestrationStarted',
      'ActivityScheduled',
      'ActivityCompleted',
      'OrchestrationCompleted',
    ]);
    const info = await provider.getInstanceInfo('held-commit');
    assert.equal(info?.status, 'Completed');
    // The result was consumed, never queued; the activity item is gone; the lease is free.
    await assertNoBatch(provider, 'the held result must not be queued');
    await assertNoWork(provider);
    await expectLockLost(
      provider.ackWorkItem(held.lease.lockToken, completionItem('held-commit', 2)),
      'ack of the consumed activity',
    );
    await provider.enqueueOrchestratorWork(externalItem('held-commit'));
    assert.equal((await fetchBatch(provider, 'held-commit')).messages.length, 1, 'the lease was released');
  }),

  define('ackHeldTurn can keep the lease again for the next turn’s activity', async (provider) => {
    const held = await startHeld(provider, 'held-chain');
    if (held === null) return;
    const result = await provider.ackHeldTurn!(
      held.lockToken,
      emptyAck({
        historyDelta: [activityCompletedEvent('held-chain', 3, 2), scheduledEvent('held-chain', 4)],
        workerItems: [activityItem('held-chain', 4)],
        metadata: metadata(),
      }),
      { workLockToken: held.lease.lockToken, completion: completionItem('held-chain', 2) },
      holdRequest(),
    );
    assert.equal(result.outcome, 'committed');
    if (result.outcome !== 'committed') return;
    assert.deepEqual(
      result.leases.map((l) => l.item.id),
      [4],
    );
    assert.ok(result.heldUntilMs !== undefined, 'the lease must be kept again');
    await provider.enqueueOrchestratorWork(externalItem('held-chain'));
    await assertNoBatch(provider, 'the instance is held again');
    const last = await provider.ackHeldTurn!(
      held.lockToken,
      secondTurn('held-chain', {
        historyDelta: [activityCompletedEvent('held-chain', 5, 4), completedEvent('held-chain', 6)],
      }),
      { workLockToken: result.leases[0]!.lockToken, completion: completionItem('held-chain', 4) },
      holdRequest(),
    );
    // The external event waits: the store refuses the turn and lets the lease go.
    assert.equal(last.outcome, 'released');
    const batch = await fetchBatch(provider, 'held-chain');
    assert.deepEqual(batch.messages, [externalItem('held-chain'), completionItem('held-chain', 4)]);
  }),

  define(
    'ackHeldTurn with messages waiting acks the activity alone and releases the lease',
    async (provider) => {
      const held = await startHeld(provider, 'held-busy');
      if (held === null) return;
      await provider.enqueueOrchestratorWork(externalItem('held-busy'));
      const result = await provider.ackHeldTurn!(
        held.lockToken,
        secondTurn('held-busy'),
        { workLockToken: held.lease.lockToken, completion: completionItem('held-busy', 2) },
        holdRequest(),
      );
      assert.equal(result.outcome, 'released');
      assert.deepEqual(typesOf(await provider.readHistory('held-busy')), [
        'OrchestrationStarted',
        'ActivityScheduled',
      ]);
      await assertNoWork(provider, undefined, 'the activity item must be acked');
      const batch = await fetchBatch(provider, 'held-busy');
      assert.deepEqual(batch.messages, [externalItem('held-busy'), completionItem('held-busy', 2)]);
    },
  ),

  define('ackHeldTurn after the kept lease expired acks the activity alone', async (provider) => {
    const held = await startHeld(provider, 'held-expired', SHORT_LEASE_MS);
    if (held === null) return;
    await sleep(EXPIRY_WAIT_MS);
    const result = await provider.ackHeldTurn!(
      held.lockToken,
      secondTurn('held-expired'),
      { workLockToken: held.lease.lockToken, completion: completionItem('held-expired', 2) },
      holdRequest(),
    );
    assert.equal(result.outcome, 'released');
    assert.equal((await provider.readHistory('held-expired')).length, 2, 'nothing of the turn was written');
    const batch = await fetchBatch(provider, 'held-expired');
    assert.deepEqual(batch.messages, [completionItem('held-expired', 2)]);
    await assertNoWork(provider);
  }),

  define('ackHeldTurn with a lost activity lease writes nothing', async (provider) => {
    const held = await startHeld(provider, 'held-lost');
    if (held === null) return;
    // Another holder's view: the activity's item is withdrawn (acked without a result).
    await provider.ackWorkItem(held.lease.lockToken, null);
    await expectLockLost(
      provider.ackHeldTurn!(
        held.lockToken,
        secondTurn('held-lost'),
        { workLockToken: held.lease.lockToken, completion: completionItem('held-lost', 2) },
        holdRequest(),
      ),
      'held turn with a lost activity lease',
    );
    assert.equal((await provider.readHistory('held-lost')).length, 2, 'nothing of the turn was written');
    // The instance lease is still the holder's to give back.
    await provider.abandonOrchestrationItem(held.lockToken, 0, true);
    await assertNoBatch(provider, 'no message was queued for the lost result');
  }),
];
