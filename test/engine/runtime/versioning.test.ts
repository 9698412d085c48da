import { describe, expect, it } from 'vitest';
import { createHarness } from '../../helpers/runtime-harness.js';
import { eventually } from '../../helpers/eventually.js';

describe('versioning', () => {
  it('starts the latest version, pins explicit versions and upgrades on continue-as-new (scenario 36)', async () => {
    const h = await createHarness();
    h.runtime.registerOrchestration('Work', function* (ctx, n: number) {
      if (n === 0) return yield ctx.continueAsNew(1);
      return `v1 n=${n}`;
    });
    h.runtime.registerOrchestrationVersioned('Work', '2.0.0', function* (ctx, n: number) {
      return `v2 n=${n} version=${ctx.orchestrationVersion}`;
    });
    await h.runtime.start();
    await h.client.startOrchestration('latest', 'Work', 5);
    expect(await h.client.waitForOrchestration('latest', 10_000)).toMatchObject({
      output: 'v2 n=5 version=2.0.0',
    });
    expect((await h.history('latest'))[0]).toMatchObject({ version: '2.0.0' });

    await h.client.startOrchestrationVersioned('pinned', 'Work', 0, '1.0.0');
    expect(await h.client.waitForOrchestration('pinned', 10_000)).toMatchObject({
      output: 'v2 n=1 version=2.0.0',
    });
    expect((await h.history('pinned', 1))[0]).toMatchObject({ version: '1.0.0' });
    expect((await h.history('pinned', 2))[0]).toMatchObject({ version: '2.0.0' });
  });

  it('keeps a running instance on its version after a newer one is deployed (scenario 37)', async () => {
    const h = await createHarness();
    h.runtime.registerOrchestration('Flow', function* (ctx) {
      yield ctx.waitForEvent('go');
      return 'ran v1';
    });
    await h.runtime.start();
    await h.client.startOrchestration('f', 'Flow');
    await eventually(async () => (await h.kinds('f')).includes('ExternalSubscribed'));
    await h.runtime.shutdown(200);

    const upgraded = h.newRuntime();
    upgraded.registerOrchestration('Flow', function* (ctx) {
      yield ctx.waitForEvent('go');
      return 'ran v1';
    });
    upgraded.registerOrchestrationVersioned('Flow', '2.0.0', function* () {
      return 'ran v2';
    });
    await upgraded.start();
    await h.client.raiseEvent('f', 'go');
    expect(await h.client.waitForOrchestration('f', 10_000)).toMatchObject({ output: 'ran v1' });
  });

  it('fails with NONDETERMINISM naming the event when deployed code changed incompatibly (scenario 39)', async () => {
    const h = await createHarness({ orchestrationCacheSize: 0 });
    h.runtime.registerActivity('A1', async () => 'a1');
    h.runtime.registerActivity('B1', async () => 'b1');
    h.runtime.registerOrchestration('Changing', function* (ctx) {
      yield ctx.scheduleActivity('A1');
      yield ctx.waitForEvent('next');
      return 'v1';
    });
    await h.runtime.start();
    await h.client.startOrchestration('n', 'Changing');
    await eventually(async () => (await h.kinds('n')).includes('ExternalSubscribed'));
    await h.runtime.shutdown(200);

    const changed = h.newRuntime();
    changed.registerActivity('B1', async () => 'b1');
    changed.registerOrchestration('Changing', function* (ctx) {
      yield ctx.scheduleActivity('B1');
      yield ctx.waitForEvent('next');
      return 'v2';
    });
    await changed.start();
    await h.client.raiseEvent('n', 'next');
    const status = await h.client.waitForOrchestration('n', 10_000);
    expect(status.status).toBe('Failed');
    expect(status.failureDetails).toMatchObject({ category: 'configuration', kind: 'Nondeterminism' });
    expect(status.error).toContain('nondeterministic: schedule mismatch');
    expect(status.error).toContain('"B1"');
    expect(status.error).toContain('"A1"');
    expect(status.error).toContain('event_id 2');
  });
});
