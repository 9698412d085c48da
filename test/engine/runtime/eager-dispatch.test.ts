/**
 * Eager dispatch (eager-dispatch.ts): a turn's new activities go to idle local worker slots
 * through `ackOrchestrationItemEager`, and only to slots that are idle.
 */
import { describe, expect, it } from 'vitest';
import type { WorkItemLease } from '../../../src/index.js';
import { EagerHandoff } from '../../../src/engine/runtime/eager-dispatch.js';
import { createHarness } from '../../helpers/runtime-harness.js';
import { operationLog, sequentialFixture } from './sequential-fixture.js';

function lease(id: number): WorkItemLease {
  return {
    item: { type: 'ActivityExecute', instance: 'i', execution_id: 1, id, name: 'A', input: '0' },
    lockToken: `t${id}`,
    attemptCount: 1,
  };
}

describe('EagerHandoff', () => {
  it('reserves only free slots, wakes idle ones on delivery and releases reservations', async () => {
    const handoff = new EagerHandoff();
    const stop = new AbortController();
    expect(handoff.reserve(3)).toBe(0);
    handoff.slotStarted();
    handoff.slotStarted();
    const woken: string[] = [];
    const waits = ['a', 'b'].map((name) =>
      handoff.idleWait(
        (signal) =>
          new Promise<void>((resolve) =>
            signal.addEventListener('abort', () => {
              woken.push(name);
              resolve();
            }),
          ),
        stop.signal,
      ),
    );
    expect(handoff.reserve(3)).toBe(2);
    expect(handoff.reserve(1)).toBe(0);
    expect(handoff.deliver([lease(1)], 2)).toEqual([]);
    await waits[0];
    expect(woken).toEqual(['a']);
    // Two slots, one lease not yet taken: one free.
    expect(handoff.reserve(2)).toBe(1);
    handoff.deliver([], 1);
    const taken = handoff.take()!;
    expect(taken.lockToken).toBe('t1');
    expect(handoff.reserve(1)).toBe(1);
    handoff.deliver([], 1);
    // A slot running an activity is not free; one in a fetch (not waiting) is.
    let finish!: () => void;
    const running = handoff.executing(() => new Promise<void>((resolve) => (finish = resolve)));
    expect(handoff.reserve(2)).toBe(1);
    handoff.deliver([], 1);
    finish();
    await running;
    expect(handoff.reserve(2)).toBe(2);
    handoff.deliver([], 2);
    stop.abort();
    await waits[1];
  });

  it('hands back what arrives or waits after close', () => {
    const handoff = new EagerHandoff();
    handoff.deliver([lease(1)], 0);
    expect(handoff.close().map((l) => l.lockToken)).toEqual(['t1']);
    expect(handoff.reserve(1)).toBe(0);
    expect(handoff.deliver([lease(2)], 0).map((l) => l.lockToken)).toEqual(['t2']);
  });
});

describe('eager dispatch in a runtime', () => {
  it('runs a turn’s activities on local slots through the eager ack', async () => {
    const { h, ops, run } = await sequentialFixture();
    // Both built-in providers dispatch eagerly: losing the capability must fail this test.
    expect(typeof h.provider.ackOrchestrationItemEager).toBe('function');
    for (let i = 0; i < 3; i++) expect((await run(`seq-${i}`, 5)).output).toBe(5);
    expect(ops.count('ack_orchestration_item_eager')).toBeGreaterThan(0);
    expect(ops.count('ack_orchestration_item_eager', false)).toBe(0);
    await h.idle();
  });

  it('is not used by a runtime without worker slots', async () => {
    const { observers, count } = operationLog();
    const h = await createHarness();
    const orchestrator = h.newRuntime({ workerConcurrency: 0, observers });
    orchestrator.registerOrchestration('One', function* (ctx) {
      return yield ctx.scheduleActivity('Inc', 1);
    });
    const worker = h.newRuntime({ orchestrationConcurrency: 0, observers });
    worker.registerActivity('Inc', async (_ctx, x: number) => x + 1);
    await orchestrator.start();
    await worker.start();
    await h.client.startOrchestration('one', 'One', null);
    expect((await h.client.waitForOrchestration('one', 10_000)).output).toBe(2);
    expect(count('ack_orchestration_item')).toBeGreaterThan(0);
    expect(count('ack_orchestration_item_eager') + count('ack_orchestration_item_eager', false)).toBe(0);
  });
});
