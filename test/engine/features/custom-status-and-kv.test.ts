/**
 * Custom status and per-instance KV state through the real runtime on a SQLite file
 * (duroxide-core §1.12–1.13, §1.15, §10.2 scenarios 51–54).
 */
import { describe, expect, it } from 'vitest';
import {
  MAX_CUSTOM_STATUS_BYTES,
  MAX_KV_KEYS,
  MAX_KV_VALUE_BYTES,
  MAX_TAG_NAME_BYTES,
  isDuroxError,
} from '../../../src/index.js';
import type { OrchestrationContext, Task } from '../../../src/index.js';
import { createHarness } from '../../helpers/runtime-harness.js';
import { eventually } from '../../helpers/eventually.js';
import type { Harness } from '../../helpers/runtime-harness.js';

async function subscribed(h: Harness, id: string, count: number, exec?: number): Promise<void> {
  await eventually(
    async () => (await h.kinds(id, exec)).filter((k) => k === 'ExternalSubscribed').length >= count,
  );
}

describe('custom status (file SQLite)', () => {
  it('51: status versions rise per turn, reset clears, the value survives continue-as-new', async () => {
    const h = await createHarness();
    h.runtime.registerOrchestration('Status', function* (ctx, input: { phase: number }) {
      if (input.phase === 0) {
        ctx.setCustomStatus('v1');
        yield ctx.waitForEvent('next');
        ctx.setCustomStatus('v2');
        yield ctx.waitForEvent('next');
        ctx.resetCustomStatus();
        yield ctx.waitForEvent('next');
        ctx.setCustomStatus('carried');
        return yield ctx.continueAsNew({ phase: 1 });
      }
      const seen = ctx.getCustomStatus();
      yield ctx.waitForEvent('next');
      return seen;
    });
    await h.runtime.start();
    await h.client.startOrchestration('s51', 'Status', { phase: 0 });

    const s1 = await h.client.waitForStatusChange('s51', 0, 10, 5000);
    expect(s1).toMatchObject({ status: 'Running', customStatus: 'v1' });
    expect(s1.customStatusVersion).toBeGreaterThanOrEqual(1);

    await subscribed(h, 's51', 1);
    await h.client.raiseEvent('s51', 'next');
    const s2 = await h.client.waitForStatusChange('s51', s1.customStatusVersion, 10, 5000);
    expect(s2).toMatchObject({ status: 'Running', customStatus: 'v2' });
    expect(s2.customStatusVersion).toBeGreaterThanOrEqual(2);

    await subscribed(h, 's51', 2);
    await h.client.raiseEvent('s51', 'next');
    const s3 = await h.client.waitForStatusChange('s51', s2.customStatusVersion, 10, 5000);
    expect(s3.status).toBe('Running');
    expect(s3.customStatus).toBeUndefined();
    expect(s3.customStatusVersion).toBeGreaterThan(s2.customStatusVersion);

    await subscribed(h, 's51', 3);
    await h.client.raiseEvent('s51', 'next');
    const s4 = await h.client.waitForStatusChange('s51', s3.customStatusVersion, 10, 5000);
    expect(s4.customStatus).toBe('carried');

    // Execution 2 starts with the carried status and sees it through ctx.getCustomStatus().
    await subscribed(h, 's51', 1, 2);
    expect((await h.history('s51', 2))[0]).toMatchObject({
      type: 'OrchestrationStarted',
      initial_custom_status: 'carried',
    });
    const during = await h.client.getStatus('s51');
    expect(during.customStatus).toBe('carried');
    expect(during.customStatusVersion).toBeGreaterThanOrEqual(s4.customStatusVersion);
    await h.client.raiseEvent('s51', 'next');
    const final = await h.client.waitForOrchestration('s51', 10_000);
    expect(final).toMatchObject({ status: 'Completed', output: 'carried', customStatus: 'carried' });
    expect(final.customStatusVersion).toBeGreaterThanOrEqual(during.customStatusVersion);
  });

  it('51: waitForStatusChange times out when nothing changes', async () => {
    const h = await createHarness();
    h.runtime.registerOrchestration('Quiet', function* (ctx) {
      ctx.setCustomStatus('only');
      yield ctx.waitForEvent('never');
    });
    await h.runtime.start();
    await h.client.startOrchestration('s51q', 'Quiet');
    const s = await h.client.waitForStatusChange('s51q', 0, 10, 5000);
    const err = await h.client.waitForStatusChange('s51q', s.customStatusVersion, 10, 150).catch((e) => e);
    expect(isDuroxError(err, 'TIMEOUT')).toBe(true);
  });

  it('51: a status of exactly 256 KiB is fine, one byte more fails the orchestration', async () => {
    const h = await createHarness();
    h.runtime.registerOrchestration('BigStatus', function* (ctx, size: number) {
      ctx.setCustomStatus('x'.repeat(size));
      yield ctx.scheduleTimer(1);
      return 'ok';
    });
    await h.runtime.start();
    await h.client.startOrchestration('s-at', 'BigStatus', MAX_CUSTOM_STATUS_BYTES);
    await h.client.startOrchestration('s-over', 'BigStatus', MAX_CUSTOM_STATUS_BYTES + 1);
    const at = await h.client.waitForOrchestration('s-at', 10_000);
    expect(at.status).toBe('Completed');
    expect(at.customStatus).toHaveLength(MAX_CUSTOM_STATUS_BYTES);
    const over = await h.client.waitForOrchestration('s-over', 10_000);
    expect(over.status).toBe('Failed');
    expect(over.failureDetails).toMatchObject({ category: 'application', kind: 'OrchestrationFailed' });
    expect(over.error).toContain('custom status exceeds limit');
    // The turn's events are kept for the record, but its timer was never dispatched.
    expect(await h.kinds('s-over')).toEqual([
      'OrchestrationStarted',
      'CustomStatusUpdated',
      'TimerCreated',
      'OrchestrationFailed',
    ]);
  });
});

describe('KV state (file SQLite)', () => {
  it('52: a read-modify-write counter replays without nondeterminism; the client sees each step', async () => {
    const h = await createHarness({ orchestrationCacheSize: 0 });
    const observed: (string | null)[] = [];
    h.runtime.registerActivity('Step', async (ctx, n: number) => {
      observed.push(await ctx.getClient().getValue(ctx.instanceId, 'counter'));
      return n;
    });
    h.runtime.registerOrchestration('Counter', function* (ctx) {
      for (let i = 0; i < 5; i++) {
        const next = Number(ctx.getValue('counter') ?? '0') + 1;
        ctx.setValue('counter', String(next));
        yield ctx.scheduleActivity('Step', next);
      }
      return ctx.getValue('counter');
    });
    await h.runtime.start();
    await h.client.startOrchestration('kv52', 'Counter');
    expect(await h.client.waitForOrchestration('kv52', 10_000)).toMatchObject({
      status: 'Completed',
      output: '5',
    });
    expect(observed).toEqual(['1', '2', '3', '4', '5']);
    expect(await h.client.getValue('kv52', 'counter')).toBe('5');
    expect(await h.client.getKvAllValues('kv52')).toEqual({ counter: '5' });
    const sets = (await h.history('kv52')).filter((e) => e.type === 'KeyValueSet');
    expect(sets.map((e) => e.value)).toEqual(['1', '2', '3', '4', '5']);
  });

  it('53: KV values survive continue-as-new', async () => {
    const h = await createHarness({ orchestrationCacheSize: 0 });
    h.runtime.registerOrchestration('KvCan', function* (ctx, phase: number) {
      if (phase === 0) {
        ctx.setValue('a', '1');
        ctx.setValue('b', '2');
        ctx.setValue('gone', 'x');
        ctx.clearValue('gone');
        yield ctx.scheduleTimer(1);
        return yield ctx.continueAsNew(1);
      }
      const inherited = ctx.getKvAllValues();
      ctx.setValue('c', String(Number(ctx.getValue('a')) + Number(ctx.getValue('b'))));
      yield ctx.scheduleTimer(1);
      return { inherited, keys: ctx.getKvAllKeys().sort(), length: ctx.getKvLength() };
    });
    await h.runtime.start();
    await h.client.startOrchestration('kv53', 'KvCan', 0);
    expect(await h.client.waitForOrchestration('kv53', 10_000)).toMatchObject({
      status: 'Completed',
      output: { inherited: { a: '1', b: '2' }, keys: ['a', 'b', 'c'], length: 3 },
    });
    expect(await h.client.getKvAllValues('kv53')).toEqual({ a: '1', b: '2', c: '3' });
    expect(await h.client.getValue('kv53', 'gone')).toBeNull();
    expect(await h.client.getValue('kv53', 'a')).toBe('1');
  });

  /** Each case breaks one limit in the same turn that schedules the 'Side' activity. */
  const limitCases: [string, (ctx: OrchestrationContext) => Task[], string][] = [
    [
      'too many keys',
      (ctx) => {
        for (let i = 0; i <= MAX_KV_KEYS; i++) ctx.setValue(`k${i}`, 'v');
        return [];
      },
      `KV key count ${MAX_KV_KEYS + 1} exceeds limit of ${MAX_KV_KEYS} keys`,
    ],
    [
      'value too large',
      (ctx) => {
        ctx.setValue('big', 'x'.repeat(MAX_KV_VALUE_BYTES + 1));
        return [];
      },
      `KV value for key "big" exceeds limit of ${MAX_KV_VALUE_BYTES} bytes`,
    ],
    [
      'tag too long',
      (ctx) => [ctx.scheduleActivity('Side', 'tagged').withTag('g'.repeat(MAX_TAG_NAME_BYTES + 1))],
      `activity tag exceeds limit of ${MAX_TAG_NAME_BYTES} bytes`,
    ],
  ];

  it('54: exceeding a KV or tag limit fails with an application error and dispatches nothing', async () => {
    const h = await createHarness({ workerTagFilter: 'any' });
    const ran: string[] = [];
    h.runtime.registerActivity('Side', async (_ctx, what: string) => {
      ran.push(what);
      return what;
    });
    limitCases.forEach(([, breakLimit], i) => {
      h.runtime.registerOrchestration(`Limit${i}`, function* (ctx) {
        const extra = breakLimit(ctx);
        return yield ctx.all([...extra, ctx.scheduleActivity('Side', 'untagged')]);
      });
    });
    await h.runtime.start();
    for (let i = 0; i < limitCases.length; i++) await h.client.startOrchestration(`kv54-${i}`, `Limit${i}`);
    for (let i = 0; i < limitCases.length; i++) {
      const status = await h.client.waitForOrchestration(`kv54-${i}`, 10_000);
      expect(status.status, limitCases[i]![0]).toBe('Failed');
      expect(status.failureDetails).toMatchObject({
        category: 'application',
        kind: 'OrchestrationFailed',
        retryable: false,
      });
      expect(status.error).toBe(limitCases[i]![2]);
    }
    await h.idle();
    expect(ran).toEqual([]);
  });

  it('54: exactly at the key and value limits is fine', async () => {
    const h = await createHarness();
    h.runtime.registerOrchestration('AtLimits', function* (ctx) {
      for (let i = 0; i < MAX_KV_KEYS - 1; i++) ctx.setValue(`k${i}`, 'v');
      ctx.setValue('big', 'x'.repeat(MAX_KV_VALUE_BYTES));
      yield ctx.scheduleTimer(1);
      return ctx.getKvLength();
    });
    await h.runtime.start();
    await h.client.startOrchestration('kv54-ok', 'AtLimits');
    expect(await h.client.waitForOrchestration('kv54-ok', 10_000)).toMatchObject({
      status: 'Completed',
      output: MAX_KV_KEYS,
    });
    expect(await h.client.getValue('kv54-ok', 'big')).toHaveLength(MAX_KV_VALUE_BYTES);
  });

  it('getValueFromInstance reads another instance and replays the recorded value', async () => {
    const h = await createHarness({ orchestrationCacheSize: 0 });
    h.runtime.registerOrchestration('Source', function* (ctx) {
      ctx.setValue('color', 'blue');
      yield ctx.waitForEvent('repaint');
      ctx.setValue('color', 'red');
      yield ctx.waitForEvent('never');
    });
    h.runtime.registerOrchestration('Reader', function* (ctx) {
      const first = yield ctx.getValueFromInstance('src', 'color');
      const missing = yield ctx.getValueFromInstance('src', 'nope');
      const unknown = yield ctx.getValueFromInstance('no-such-instance', 'color');
      yield ctx.waitForEvent('go');
      const second = yield ctx.getValueFromInstance('src', 'color');
      return { first, missing, unknown, second };
    });
    await h.runtime.start();
    await h.client.startOrchestration('src', 'Source');
    expect(await h.client.waitForValue('src', 'color', 5000)).toBe('blue');
    await h.client.startOrchestration('reader', 'Reader');
    await subscribed(h, 'reader', 1);
    await subscribed(h, 'src', 1);
    await h.client.raiseEvent('src', 'repaint');
    await eventually(async () => (await h.client.getValue('src', 'color')) === 'red');
    await h.client.raiseEvent('reader', 'go');
    expect(await h.client.waitForOrchestration('reader', 10_000)).toMatchObject({
      status: 'Completed',
      output: { first: 'blue', missing: null, unknown: null, second: 'red' },
    });
  });

  it('client.waitForValue waits for a key and times out on a missing one', async () => {
    const h = await createHarness();
    h.runtime.registerOrchestration('SetLater', function* (ctx) {
      yield ctx.scheduleTimer(100);
      ctx.setValue('ready', 'yes');
      yield ctx.waitForEvent('never');
    });
    await h.runtime.start();
    await h.client.startOrchestration('wv', 'SetLater');
    expect(await h.client.getValue('wv', 'ready')).toBeNull();
    const startedAt = Date.now();
    expect(await h.client.waitForValue('wv', 'ready', 5000)).toBe('yes');
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(50);
    const err = await h.client.waitForValue('wv', 'never-set', 100).catch((e: unknown) => e);
    expect(isDuroxError(err, 'TIMEOUT')).toBe(true);
    expect(await h.client.getKvAllValues('wv')).toEqual({ ready: 'yes' });
    expect(await h.client.getKvAllValues('no-such-instance')).toEqual({});
  });
});
