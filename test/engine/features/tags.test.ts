/**
 * Activity tag routing across runtimes sharing one SQLite file (duroxide-core §4.5, §10.2
 * scenario 57).
 */
import { describe, expect, it } from 'vitest';
import { createHarness } from '../../helpers/runtime-harness.js';
import type { Runtime } from '../../../src/index.js';

interface Where {
  runtime: string;
  tag: string | null;
}

/** Registers 'Where' on `rt`: reports the runtime label and the activity's tag; logs each run. */
function registerWhere(rt: Runtime, label: string, log: Where[]): void {
  rt.registerActivity('Where', async (ctx): Promise<Where> => {
    const where = { runtime: label, tag: ctx.tag() };
    log.push(where);
    return where;
  });
}

describe('activity tags (file SQLite)', () => {
  it('57: tagged activities run on the tag runtime, untagged ones on the default runtime', async () => {
    const log: Where[] = [];
    const h = await createHarness(); // defaultOnly, runs orchestrations
    const gpu = h.newRuntime({ workerTagFilter: { tags: ['gpu'] }, orchestrationConcurrency: 0 });
    registerWhere(h.runtime, 'default', log);
    registerWhere(gpu, 'gpu', log);
    h.runtime.registerOrchestration('Mixed', function* (ctx) {
      const out: Where[] = [];
      for (let i = 0; i < 2; i++) {
        out.push(yield ctx.scheduleActivity('Where').withTag('gpu'));
        out.push(yield ctx.scheduleActivity('Where'));
        out.push(yield ctx.scheduleActivity('Where', null, { tag: 'gpu' }));
      }
      return out;
    });
    await h.runtime.start();
    await gpu.start();
    await h.client.startOrchestration('t57', 'Mixed');
    const status = await h.client.waitForOrchestration('t57', 10_000);
    expect(status.status).toBe('Completed');
    const gpuRun = { runtime: 'gpu', tag: 'gpu' };
    const defaultRun = { runtime: 'default', tag: null };
    expect(status.output).toEqual([gpuRun, defaultRun, gpuRun, gpuRun, defaultRun, gpuRun]);
    expect(log).toHaveLength(6);
    const scheduled = (await h.history('t57')).filter((e) => e.type === 'ActivityScheduled');
    expect(scheduled.map((e) => e.tag)).toEqual(['gpu', undefined, 'gpu', 'gpu', undefined, 'gpu']);
  });

  it("57: an orchestrator-only runtime ('none') runs no activities; a tag nobody serves never runs", async () => {
    const log: Where[] = [];
    const h = await createHarness({ workerTagFilter: 'none' });
    const gpu = h.newRuntime({ workerTagFilter: { tags: ['gpu'] }, orchestrationConcurrency: 0 });
    registerWhere(h.runtime, 'none', log);
    registerWhere(gpu, 'gpu', log);
    h.runtime.registerOrchestration('Routed', function* (ctx) {
      const onGpu = yield ctx.scheduleActivity('Where').withTag('gpu');
      const untagged = yield ctx.race(ctx.scheduleActivity('Where'), ctx.scheduleTimer(200));
      const unserved = yield ctx.race(ctx.scheduleActivity('Where').withTag('tpu'), ctx.scheduleTimer(200));
      return { onGpu, untagged: untagged.index, unserved: unserved.index };
    });
    await h.runtime.start();
    await gpu.start();
    await h.client.startOrchestration('t57b', 'Routed');
    expect(await h.client.waitForOrchestration('t57b', 10_000)).toMatchObject({
      status: 'Completed',
      output: { onGpu: { runtime: 'gpu', tag: 'gpu' }, untagged: 1, unserved: 1 },
    });
    expect(log).toEqual([{ runtime: 'gpu', tag: 'gpu' }]);
    const history = await h.history('t57b');
    const cancels = history.filter((e) => e.type === 'ActivityCancelRequested');
    expect(cancels.map((e) => [e.source_event_id, e.reason])).toEqual([
      [4, 'dropped_future'],
      [8, 'dropped_future'],
    ]);
    expect(history.find((e) => e.event_id === 8)).toMatchObject({ type: 'ActivityScheduled', tag: 'tpu' });
  });

  it("57: a 'defaultAnd' runtime serves untagged work and its listed tags only", async () => {
    const log: Where[] = [];
    const h = await createHarness({ workerTagFilter: { defaultAnd: ['gpu'] } });
    registerWhere(h.runtime, 'mixed', log);
    h.runtime.registerOrchestration('DefaultAnd', function* (ctx) {
      const plain = yield ctx.scheduleActivity('Where');
      const onGpu = yield ctx.scheduleActivity('Where').withTag('gpu');
      const other = yield ctx.race(ctx.scheduleActivity('Where').withTag('tpu'), ctx.scheduleTimer(150));
      return { plain: plain.tag, onGpu: onGpu.tag, other: other.index };
    });
    await h.runtime.start();
    await h.client.startOrchestration('t57c', 'DefaultAnd');
    expect(await h.client.waitForOrchestration('t57c', 10_000)).toMatchObject({
      status: 'Completed',
      output: { plain: null, onGpu: 'gpu', other: 1 },
    });
    expect(log).toHaveLength(2);
  });

  it('57: a retried activity with a tag routes every attempt to the tag runtime', async () => {
    const h = await createHarness();
    const gpu = h.newRuntime({ workerTagFilter: { tags: ['gpu'] }, orchestrationConcurrency: 0 });
    const calls: string[] = [];
    h.runtime.registerActivity('Flaky', async () => {
      calls.push('default');
      return 'default answered';
    });
    gpu.registerActivity('Flaky', async (ctx) => {
      calls.push(`gpu:${ctx.tag()}`);
      if (calls.length < 3) throw new Error(`attempt ${calls.length} failed`);
      return 'gpu answered';
    });
    h.runtime.registerOrchestration('RetryTagged', function* (ctx) {
      return yield ctx
        .scheduleActivityWithRetry('Flaky', null, { maxAttempts: 3, backoff: { kind: 'fixed', delayMs: 10 } })
        .withTag('gpu');
    });
    await h.runtime.start();
    await gpu.start();
    await h.client.startOrchestration('t57d', 'RetryTagged');
    expect(await h.client.waitForOrchestration('t57d', 10_000)).toMatchObject({
      status: 'Completed',
      output: 'gpu answered',
    });
    expect(calls).toEqual(['gpu:gpu', 'gpu:gpu', 'gpu:gpu']);
    const scheduled = (await h.history('t57d')).filter((e) => e.type === 'ActivityScheduled');
    expect(scheduled.map((e) => e.tag)).toEqual(['gpu', 'gpu', 'gpu']);
  });
});
