import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isDuroxError } from '../../../src/core/errors.js';
import { eventually } from '../../helpers/eventually.js';
import {
  activityItem,
  errorOf,
  openProvider,
  rawConnection,
  startAck,
  startItem,
  tempDbPath,
} from './helpers.js';

describe('group commit', () => {
  it('commits operations issued together, and a failing one rolls back alone', async () => {
    const path = tempDbPath();
    const provider = await openProvider(path);
    await provider.enqueueOrchestratorWork(startItem('a'));
    await provider.enqueueOrchestratorWork(startItem('b'));
    const a = (await provider.fetchOrchestrationItem(5000))!;
    const b = (await provider.fetchOrchestrationItem(5000))!;
    // Same tick: a good ack, an ack with a bogus token, an enqueue and a worker item.
    const results = await Promise.allSettled([
      provider.ackOrchestrationItem(a.lockToken, startAck('a')),
      provider.ackOrchestrationItem(`${b.lockToken}-bogus`, startAck('b')),
      provider.enqueueOrchestratorWork(startItem('c')),
      provider.enqueueWorkerWork(activityItem('a', 2)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(isDuroxError((results[1] as PromiseRejectedResult).reason, 'LOCK_LOST')).toBe(true);
    // What committed is visible to another connection; the failed ack wrote nothing.
    const raw = rawConnection(path);
    const instances = raw.prepare('SELECT instance_id FROM instances ORDER BY instance_id').pluck().all();
    expect(instances).toEqual(['a']);
    expect(raw.prepare('SELECT count(*) FROM worker_queue').pluck().get()).toBe(1);
    // b's lease is untouched by the failed ack and can still be acked.
    await provider.ackOrchestrationItem(b.lockToken, startAck('b'));
    expect(await provider.getInstanceInfo('b')).not.toBeNull();
  });

  it('rejects operations issued after close', async () => {
    const provider = await openProvider();
    await provider.close();
    expect(isDuroxError(await errorOf(provider.enqueueOrchestratorWork(startItem('x'))), 'PROVIDER')).toBe(
      true,
    );
  });
});

describe('background checkpoints', () => {
  it('copies WAL frames into the database file from a worker thread', async () => {
    const path = tempDbPath();
    const provider = await openProvider(path);
    // The thread's first checkpoints copy what opening the store wrote: wait until the file
    // holds every page, so that growth below can only come from the new frames.
    const raw = rawConnection(path);
    const logicalSize = (): number =>
      (raw.pragma('page_count', { simple: true }) as number) *
      (raw.pragma('page_size', { simple: true }) as number);
    await eventually(
      () => statSync(path).size === logicalSize(),
      'the pages written at open to be checkpointed',
    );
    const before = statSync(path).size;
    // Far fewer frames than the inline autocheckpoint threshold: only the thread can copy them.
    for (let i = 0; i < 300; i++) await provider.enqueueOrchestratorWork(startItem(`instance-${i}`));
    await eventually(() => statSync(path).size > before, {
      what: 'the checkpoint thread to copy the new frames into the file',
      timeoutMs: 5000,
    });
    expect(raw.prepare('SELECT count(*) FROM orchestrator_queue').pluck().get()).toBe(300);
  });
});
