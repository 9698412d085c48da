/**
 * Instance locking: a fetch leases one whole instance; nobody else gets it until the lease is
 * acked, abandoned or expires, and the ack touches only what the fetch tagged.
 */
import assert from 'node:assert/strict';
import {
  LONG_LEASE_MS,
  assertNoBatch,
  createInstance,
  emptyAck,
  expectLockLost,
  externalItem,
  fetchBatch,
  metadata,
  startItem,
  startedEvent,
} from './builders.js';
import { casesOf } from './harness.js';
import type { ValidationCase } from './types.js';

const define = casesOf('instance-locking');

export const instanceLockingCases: readonly ValidationCase[] = [
  define('a leased instance is not fetched again, even with new messages', async (provider) => {
    await provider.enqueueOrchestratorWork(startItem('lock-excl'));
    await fetchBatch(provider, 'lock-excl');
    await assertNoBatch(provider, 'the leased instance must not be fetched twice');
    await provider.enqueueOrchestratorWork(externalItem('lock-excl'));
    await assertNoBatch(provider, 'new messages of a leased instance must wait for the lease');
  }),

  define('lock tokens are unique across instances and re-fetches', async (provider) => {
    await provider.enqueueOrchestratorWork(startItem('lock-tok-a'));
    await provider.enqueueOrchestratorWork(startItem('lock-tok-b'));
    const a = await fetchBatch(provider, 'lock-tok-a');
    const b = await fetchBatch(provider, 'lock-tok-b');
    await provider.abandonOrchestrationItem(a.lockToken);
    const again = await fetchBatch(provider, 'lock-tok-a');
    const tokens = new Set([a.lockToken, b.lockToken, again.lockToken]);
    assert.equal(tokens.size, 3, 'every fetch must hand out a new token');
  }),

  define('invalid tokens are rejected with LOCK_LOST by ack, renew and abandon', async (provider) => {
    await provider.enqueueOrchestratorWork(startItem('lock-bogus'));
    const item = await fetchBatch(provider, 'lock-bogus');
    for (const token of ['', 'bogus', `${item.lockToken}x`, 'x'.repeat(36) + ':lock-bogus']) {
      await expectLockLost(provider.ackOrchestrationItem(token, emptyAck()), `ack with token '${token}'`);
      await expectLockLost(provider.renewOrchestrationItemLock(token, 1000), `renew with token '${token}'`);
      await expectLockLost(provider.abandonOrchestrationItem(token), `abandon with token '${token}'`);
    }
    // The real lease is untouched.
    await provider.ackOrchestrationItem(
      item.lockToken,
      emptyAck({ historyDelta: [startedEvent('lock-bogus')], metadata: metadata() }),
    );
  }),

  define('a token is dead once acked or abandoned', async (provider) => {
    await provider.enqueueOrchestratorWork(startItem('lock-used'));
    const first = await fetchBatch(provider, 'lock-used');
    await provider.abandonOrchestrationItem(first.lockToken);
    await expectLockLost(provider.ackOrchestrationItem(first.lockToken, emptyAck()), 'ack after abandon');
    await expectLockLost(provider.abandonOrchestrationItem(first.lockToken), 'abandon twice');
    const second = await fetchBatch(provider, 'lock-used');
    await provider.ackOrchestrationItem(
      second.lockToken,
      emptyAck({ historyDelta: [startedEvent('lock-used')], metadata: metadata() }),
    );
    await expectLockLost(provider.ackOrchestrationItem(second.lockToken, emptyAck()), 'ack twice');
    await expectLockLost(provider.renewOrchestrationItemLock(second.lockToken, 1000), 'renew after ack');
    await expectLockLost(provider.abandonOrchestrationItem(second.lockToken), 'abandon after ack');
  }),

  define('concurrent fetchers never get the same instance', async (provider, env) => {
    const ids = Array.from({ length: 6 }, (_, i) => `lock-conc-${i}`);
    for (const id of ids) {
      await provider.enqueueOrchestratorWork(startItem(id));
      await provider.enqueueOrchestratorWork(externalItem(id));
    }
    // Several connections when the factory can open peers, as several processes would fetch.
    const fetchers = env.hasPeer ? [provider, await env.openPeer(), await env.openPeer()] : [provider];
    const fetched = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        fetchers[i % fetchers.length]!.fetchOrchestrationItem(LONG_LEASE_MS),
      ),
    );
    const got = fetched.filter((item) => item !== null);
    // A fetcher that lost a race may come back empty; whatever is left is fetched afterwards.
    for (let item = await provider.fetchOrchestrationItem(LONG_LEASE_MS); item !== null;) {
      got.push(item);
      item = await provider.fetchOrchestrationItem(LONG_LEASE_MS);
    }
    const gotIds = got.map((item) => item.instanceId);
    assert.equal(
      new Set(gotIds).size,
      gotIds.length,
      `an instance was handed out twice: ${gotIds.join(', ')}`,
    );
    assert.deepEqual([...gotIds].sort(), [...ids].sort(), 'every instance must be handed out once');
    for (const item of got) assert.equal(item.messages.length, 2, `batch of ${item.instanceId}`);
  }),

  define('messages that arrive during a lease wait for the next fetch', async (provider) => {
    await provider.enqueueOrchestratorWork(startItem('lock-during'));
    const item = await fetchBatch(provider, 'lock-during');
    await provider.enqueueOrchestratorWork(externalItem('lock-during', '"during"'));
    assert.deepEqual(item.messages, [startItem('lock-during')], 'the batch is fixed at fetch time');
    await assertNoBatch(provider);
    await provider.ackOrchestrationItem(
      item.lockToken,
      emptyAck({ historyDelta: [startedEvent('lock-during')], metadata: metadata() }),
    );
    const next = await fetchBatch(provider, 'lock-during');
    assert.deepEqual(
      next.messages,
      [externalItem('lock-during', '"during"')],
      'ack must delete only tagged messages',
    );
  }),

  define('other instances stay fetchable while one is leased', async (provider) => {
    await provider.enqueueOrchestratorWork(startItem('lock-iso-a'));
    await provider.enqueueOrchestratorWork(startItem('lock-iso-b'));
    const a = await fetchBatch(provider, 'lock-iso-a');
    await provider.enqueueOrchestratorWork(externalItem('lock-iso-a'));
    const b = await fetchBatch(provider, 'lock-iso-b');
    assert.deepEqual(b.messages, [startItem('lock-iso-b')]);
    await provider.enqueueOrchestratorWork(startItem('lock-iso-c'));
    await fetchBatch(provider, 'lock-iso-c');
    assert.notEqual(a.lockToken, b.lockToken);
  }),

  define("acking one instance leaves other instances' messages alone", async (provider) => {
    await provider.enqueueOrchestratorWork(startItem('lock-scope-a'));
    await provider.enqueueOrchestratorWork(startItem('lock-scope-b'));
    const a = await fetchBatch(provider, 'lock-scope-a');
    await provider.ackOrchestrationItem(
      a.lockToken,
      emptyAck({ historyDelta: [startedEvent('lock-scope-a')], metadata: metadata() }),
    );
    const b = await fetchBatch(provider, 'lock-scope-b');
    assert.deepEqual(b.messages, [startItem('lock-scope-b')]);
    assert.equal(b.attemptCount, 1);
  }),

  define('abandon releases the batch; the next fetch includes later messages', async (provider) => {
    await createInstance(provider, 'lock-abandon');
    await provider.enqueueOrchestratorWork(externalItem('lock-abandon', '"1"'));
    const item = await fetchBatch(provider, 'lock-abandon');
    await provider.enqueueOrchestratorWork(externalItem('lock-abandon', '"2"'));
    await provider.abandonOrchestrationItem(item.lockToken);
    const next = await fetchBatch(provider, 'lock-abandon');
    assert.deepEqual(next.messages, [
      externalItem('lock-abandon', '"1"'),
      externalItem('lock-abandon', '"2"'),
    ]);
  }),

  define('a batch holds every visible message of the instance, in enqueue order', async (provider) => {
    await provider.enqueueOrchestratorWork(startItem('lock-batch'));
    await provider.enqueueOrchestratorWork(externalItem('lock-other'));
    await provider.enqueueOrchestratorWork(externalItem('lock-batch', '"1"'));
    await provider.enqueueOrchestratorWork(externalItem('lock-batch', '"2"'));
    const item = await fetchBatch(provider, 'lock-batch');
    assert.deepEqual(item.messages, [
      startItem('lock-batch'),
      externalItem('lock-batch', '"1"'),
      externalItem('lock-batch', '"2"'),
    ]);
    const other = await fetchBatch(provider, 'lock-other');
    assert.deepEqual(other.messages, [externalItem('lock-other')]);
  }),
];
