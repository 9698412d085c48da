/**
 * `client.readExecutionHistory()` on real runs: `data` as duroxide-node gives it (payloads as
 * JSON values inside the JSON text). Every kind's exact shape is in test/engine/event-view.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { HistoryEventView } from '../../../src/index.js';
import { createHarness, TEST_PROVIDER } from '../../helpers/runtime-harness.js';
import { eventually } from '../../helpers/eventually.js';

function dataOf(events: HistoryEventView[], kind: string): unknown {
  const found = events.find((e) => e.kind === kind);
  expect(found, `a ${kind} event`).toBeDefined();
  expect(typeof found!.data).toBe('string');
  return JSON.parse(found!.data!);
}

describe(`readExecutionHistory data (${TEST_PROVIDER})`, () => {
  it("gives duroxide-node's data for a start, an activity and the output", async () => {
    const h = await createHarness();
    h.runtime.registerActivity('reverse', async (_ctx, input: object) => ({ reversed: true, ...input }));
    h.runtime.registerOrchestration('H', function* (ctx, input: object) {
      return yield ctx.scheduleActivity('reverse', input);
    });
    await h.runtime.start();
    await h.client.startOrchestration('hv-1', 'H', { greeting: 'hello' });
    await h.client.waitForOrchestration('hv-1', 10_000);

    const events = await h.client.readExecutionHistory('hv-1', 1);
    expect(events.map((e) => [e.kind, e.data])).toEqual([
      ['OrchestrationStarted', '{"name":"H","version":"1.0.0","input":{"greeting":"hello"}}'],
      ['ActivityScheduled', '{"name":"reverse","input":{"greeting":"hello"}}'],
      ['ActivityCompleted', '{"reversed":true,"greeting":"hello"}'],
      ['OrchestrationCompleted', '{"reversed":true,"greeting":"hello"}'],
    ]);
    expect(events[2]).toMatchObject({ eventId: 3, sourceEventId: 2 });
  });

  it('embeds event, queue, timer, child and failure payloads as values', async () => {
    const h = await createHarness();
    h.runtime.registerActivity('Fail', async () => {
      throw new TypeError('bad input');
    });
    h.runtime.registerOrchestration('Kid', function* (_ctx, input: { n: number }) {
      return { doubled: input.n * 2 };
    });
    h.runtime.registerOrchestration('Views', function* (ctx) {
      const approval: unknown = yield ctx.race(ctx.waitForEvent('approve'), ctx.scheduleTimer(60_000));
      const message: unknown = yield ctx.dequeueEvent('inbox');
      const child: unknown = yield ctx.scheduleSubOrchestration('Kid', { n: 21 });
      try {
        yield ctx.scheduleActivity('Fail', [1, 2]);
      } catch {
        // recorded as ActivityFailed
      }
      return { approval, message, child };
    });
    await h.runtime.start();
    await h.client.startOrchestration('hv-2', 'Views');
    await eventually(async () => (await h.kinds('hv-2')).includes('ExternalSubscribed'));
    await h.client.enqueueEvent('hv-2', 'inbox', { text: 'hi' });
    await h.client.raiseEvent('hv-2', 'approve', { by: 'ann' });
    const status = await h.client.waitForOrchestration('hv-2', 10_000);
    expect(status.status).toBe('Completed');

    const events = await h.client.readExecutionHistory('hv-2', 1);
    expect(dataOf(events, 'ExternalSubscribed')).toEqual({ name: 'approve' });
    expect(dataOf(events, 'ExternalEvent')).toEqual({ name: 'approve', data: { by: 'ann' } });
    expect(dataOf(events, 'TimerCreated')).toEqual({ fireAtMs: expect.any(Number) as number });
    expect(dataOf(events, 'QueueSubscribed')).toEqual({ name: 'inbox' });
    expect(dataOf(events, 'QueueEventDelivered')).toEqual({ name: 'inbox', data: { text: 'hi' } });
    expect(dataOf(events, 'SubOrchestrationScheduled')).toEqual({
      name: 'Kid',
      instance: expect.any(String) as string,
      input: { n: 21 },
    });
    expect(dataOf(events, 'SubOrchestrationCompleted')).toEqual({ doubled: 42 });
    expect(dataOf(events, 'ActivityScheduled')).toEqual({ name: 'Fail', input: [1, 2] });
    expect(dataOf(events, 'ActivityFailed')).toMatchObject({
      category: 'application',
      kind: 'ActivityFailed',
      type: 'TypeError',
      message: 'bad input',
    });
    expect(dataOf(events, 'OrchestrationCompleted')).toEqual({
      approval: { index: 0, value: { by: 'ann' } },
      message: { text: 'hi' },
      child: { doubled: 42 },
    });
  });
});
