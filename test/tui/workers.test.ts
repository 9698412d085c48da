/**
 * The overview's worker line: how many workers are live on the store, and a warning naming
 * the orchestrations of waiting instances that no running worker knows (never the built-in
 * schedule orchestration: schedules have their own screen).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Runtime, SCHEDULE_ORCHESTRATION } from '../../src/index.js';
import { renderTui } from './render.js';
import { openStore } from './store.js';
import { eventually } from '../helpers/eventually.js';
import type { TestStore } from './store.js';

const stores: TestStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

async function storeWithHelloWorker(): Promise<TestStore> {
  const store = await openStore();
  stores.push(store);
  const runtime = new Runtime(store.provider, { dispatcherPollIntervalMs: 10, logLevel: 'off' });
  store.runtime = runtime;
  runtime.registerOrchestration('Hello', function* () {
    return 'hello';
  });
  await runtime.start();
  await eventually(async () => ((await store.client.listWorkers()) ?? []).length === 1);
  return store;
}

describe('overview: workers', () => {
  it('shows the live worker count and warns about an orchestration no running worker knows', async () => {
    const store = await storeWithHelloWorker();
    await store.client.startOrchestration('typo-1', 'Helo');
    await store.client.startOrchestration('typo-2', 'Helo');
    const t = renderTui({ client: store.client });
    const frame = await t.waitFor('no running worker knows');
    expect(frame).toMatch(/^Workers +1 live$/m);
    expect(frame).toMatch(/^ {2}⚠ no running worker knows Helo \(2\)$/m);
  });

  it('shows no warning while every waiting instance has a worker', async () => {
    const store = await storeWithHelloWorker();
    await store.client.startOrchestration('hello-1', 'Hello');
    await store.client.waitForOrchestration('hello-1', 5_000);
    const t = renderTui({ client: store.client });
    // Once the overview has read the workers, the warning would be drawn in the same frame.
    const frame = await t.waitFor((f) => /^Workers +1 live$/m.test(f) && f.includes('orchestrator 0'));
    expect(frame).not.toContain('no running worker knows');
  });
});

describe('overview: workers and schedules', () => {
  it('does not name the built-in schedule orchestration when no worker runs', async () => {
    const store = await openStore();
    stores.push(store);
    const runtime = new Runtime(store.provider, { dispatcherPollIntervalMs: 10, logLevel: 'off' });
    runtime.registerOrchestration('Hello', function* () {
      return 'hello';
    });
    await runtime.start();
    await store.client.createSchedule({ id: 'hourly', cron: '0 * * * *', orchestration: 'Hello' });
    await runtime.shutdown(200);
    await eventually(async () => ((await store.client.listWorkers()) ?? []).length === 0);
    // The store reports the schedule's instance as work no running worker knows…
    const work = await store.client.getUnrunnableWork();
    expect(work?.orchestrations.map((o) => o.name)).toEqual([SCHEDULE_ORCHESTRATION]);
    // …which the overview leaves out.
    const t = renderTui({ client: store.client });
    let frame = await t.waitFor((f) => /^Workers +0 live$/m.test(f) && f.includes('orchestrator'));
    expect(frame).not.toContain('no running worker knows');
    await store.client.startOrchestration('typo-1', 'Helo');
    frame = await t.waitFor('no running worker knows');
    expect(frame).toMatch(/^ {2}⚠ no running worker knows Helo \(1\)$/m);
    expect(frame).not.toContain(SCHEDULE_ORCHESTRATION);
  });
});
