/**
 * `Client.listWorkers` and `Client.getUnrunnableWork`: the live registrations of a store, and
 * the orchestrations of Pending and Running instances that none of them knows.
 */
import { describe, expect, it } from 'vitest';
import { Client } from '../../src/index.js';
import type { Provider } from '../../src/index.js';
import { createHarness } from '../helpers/runtime-harness.js';
import { eventually } from '../helpers/eventually.js';

describe('Client worker registry reads', () => {
  it('lists the live workers and the orchestrations none of them knows, by name and version', async () => {
    const h = await createHarness();
    h.runtime.registerActivity('Greet', async (_ctx, name: string) => `hello ${name}`);
    h.runtime.registerOrchestrationVersioned('Hello', '1.0.0', function* (ctx) {
      return yield ctx.waitForEvent('go');
    });
    await h.runtime.start();
    await eventually(async () => ((await h.client.listWorkers()) ?? []).length === 1);

    const [worker] = (await h.client.listWorkers())!;
    expect(worker).toMatchObject({ orchestrations: { Hello: ['1.0.0'] }, activities: ['Greet'] });
    expect(worker!.expiresAt).toBeGreaterThan(Date.now());

    await h.client.startOrchestration('known', 'Hello');
    await h.client.startOrchestration('typo-1', 'Helo');
    await h.client.startOrchestration('typo-2', 'Helo');
    await h.client.startOrchestrationVersioned('future', 'Hello', null, '2.0.0');
    await eventually(async () => (await h.client.getStatus('known')).status === 'Running');

    expect(await h.client.getUnrunnableWork()).toEqual({
      workers: [worker],
      orchestrations: [
        { name: 'Helo', version: null, instances: 2 },
        { name: 'Hello', version: '2.0.0', instances: 1 },
      ],
      complete: true,
    });

    // Once the worker is gone, its running instance is unrunnable too (at its resolved version).
    await h.runtime.shutdown(100);
    const after = await h.client.getUnrunnableWork();
    expect(after?.workers).toEqual([]);
    expect(after?.orchestrations).toContainEqual({ name: 'Hello', version: '1.0.0', instances: 1 });
  });

  it('terminal instances are not reported', async () => {
    const h = await createHarness();
    await h.client.startOrchestration('gone', 'Helo');
    await h.client.deleteInstance('gone');
    expect((await h.client.getUnrunnableWork())?.orchestrations).toEqual([]);
  });

  it('answers null when the provider keeps no worker registry', async () => {
    const h = await createHarness();
    // The same provider without the optional registry methods.
    const bare = new Proxy(h.provider, {
      get: (target, key, receiver) =>
        key === 'listWorkers' || key === 'registerWorker' ? undefined : Reflect.get(target, key, receiver),
    }) as Provider;
    const client = new Client(bare);
    await client.startOrchestration('typo', 'Helo');
    expect(await client.listWorkers()).toBeNull();
    expect(await client.getUnrunnableWork()).toBeNull();
  });
});
