/**
 * `client.waitForOrchestration(id, timeoutMs, { signal })`: an abort ends the wait at once — it
 * rejects with the signal's reason (an `AbortError` by default) and reads the store no more —
 * and leaves the instance alone; the two-parameter form (duroxide-node's) is unchanged.
 */
import { describe, expect, it } from 'vitest';
import { Client } from '../../../src/index.js';
import type { Provider } from '../../../src/index.js';
import { eventually } from '../../helpers/eventually.js';
import { createHarness } from '../../helpers/runtime-harness.js';
import type { Harness } from '../../helpers/runtime-harness.js';

/** A client whose status and KV reads are counted: how a wait's polling shows. */
function countingClient(provider: Provider): { client: Client; reads: () => number } {
  let reads = 0;
  const counted = new Proxy(provider, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (key === 'getInstanceInfo' || key === 'getKvValue') {
        return (...args: unknown[]) => {
          reads++;
          return method.apply(target, args);
        };
      }
      return method.bind(target);
    },
  });
  return { client: new Client(counted), reads: () => reads };
}

/** A harness running `Hold` (waits for the event `go`, returns its data) as instance `held`. */
async function heldInstance(): Promise<Harness> {
  const h = await createHarness();
  h.runtime.registerOrchestration('Hold', function* (ctx) {
    return yield ctx.waitForEvent('go');
  });
  await h.runtime.start();
  await h.client.startOrchestration('held', 'Hold', null);
  await eventually(async () => (await h.client.getStatus('held')).status === 'Running', 'held to run');
  return h;
}

describe('waitForOrchestration with a signal', () => {
  it('a wait on a running instance rejects soon after the abort; the instance runs on', async () => {
    const h = await heldInstance();
    const { client, reads } = countingClient(h.provider);
    const controller = new AbortController();
    let settled = false;
    const wait = client.waitForOrchestration('held', 60_000, { signal: controller.signal }).then(
      () => ((settled = true), null),
      (err: unknown) => ((settled = true), err),
    );
    await eventually(() => reads() >= 2, 'the wait to poll the store');
    expect(settled).toBe(false);

    const aborted = Date.now();
    controller.abort();
    const err = await wait;
    // Far inside the 60 s timeout: the abort, not the clock, ended it.
    expect(Date.now() - aborted).toBeLessThan(1_000);
    expect(err).toBeInstanceOf(DOMException);
    expect((err as DOMException).name).toBe('AbortError');

    expect((await h.client.getStatus('held')).status).toBe('Running');
    await h.client.raiseEvent('held', 'go', 7);
    expect((await h.client.waitForOrchestration('held', 10_000)).output).toBe(7);
  });

  it('rejects with the reason the caller aborted with', async () => {
    const h = await heldInstance();
    const controller = new AbortController();
    const wait = h.client.waitForOrchestration('held', 60_000, { signal: controller.signal });
    const reason = new Error('the caller left');
    controller.abort(reason);
    await expect(wait).rejects.toBe(reason);
  });

  it('an already aborted signal rejects without reading the store', async () => {
    const h = await heldInstance();
    const { client, reads } = countingClient(h.provider);
    await expect(
      client.waitForOrchestration('held', 60_000, { signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(reads()).toBe(0);
  });

  it('a signal that never aborts, or none (two parameters), changes nothing', async () => {
    const h = await heldInstance();
    await h.client.raiseEvent('held', 'go', 'done');
    const controller = new AbortController();
    const withSignal = await h.client.waitForOrchestration('held', 10_000, { signal: controller.signal });
    expect(withSignal).toMatchObject({ status: 'Completed', output: 'done' });
    expect(await h.client.waitForOrchestration('held', 10_000)).toEqual(withSignal);
    await expect(h.client.waitForOrchestration('held', 10_000, {})).resolves.toEqual(withSignal);
  });
});

describe('the other waits take the same signal', () => {
  it('waitForOrchestrationTyped, waitForStatusChange and waitForValue reject with its reason', async () => {
    const h = await heldInstance();
    const reason = new Error('the caller left');
    const controller = new AbortController();
    const { signal } = controller;
    const waits = [
      h.client.waitForOrchestrationTyped('held', 60_000, { signal }),
      h.client.waitForStatusChange('held', 0, 50, 60_000, { signal }),
      h.client.waitForValue('held', 'never-set', 60_000, { signal }),
    ];
    const settled = waits.map((wait) =>
      wait.then(
        () => 'resolved',
        (err: unknown) => err,
      ),
    );
    const aborted = Date.now();
    controller.abort(reason);
    for (const outcome of await Promise.all(settled)) expect(outcome).toBe(reason);
    expect(Date.now() - aborted).toBeLessThan(1_000);
    // A read-free rejection for a signal aborted before the call, on each of them.
    const { client, reads } = countingClient(h.provider);
    const gone = AbortSignal.abort(reason);
    await expect(client.waitForOrchestrationTyped('held', 60_000, { signal: gone })).rejects.toBe(reason);
    await expect(client.waitForStatusChange('held', 0, 50, 60_000, { signal: gone })).rejects.toBe(reason);
    await expect(client.waitForValue('held', 'never-set', 60_000, { signal: gone })).rejects.toBe(reason);
    expect(reads()).toBe(0);
    expect((await h.client.getStatus('held')).status).toBe('Running');
  });
});
