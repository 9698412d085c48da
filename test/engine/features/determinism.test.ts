/**
 * The determinism guard in a running runtime (runtime option `determinism`): orchestration code
 * that reads the clock and randomness gets replay-stable values across turns, restarts and cache
 * misses; strict mode fails the instance naming the call; guard mode warns once per call site;
 * `off` leaves the globals alone; activities and the application always see the originals.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { executionSeed, SeededRandom } from '../../../src/engine/determinism/prng.js';
import { compileRuntimeOptions } from '../../../src/engine/runtime/runtime-options.js';
import type { EventOf, HistoryEvent } from '../../../src/core/history.js';
import type { OrchestrationContext, Runtime } from '../../../src/index.js';
import { eventually } from '../../helpers/eventually.js';
import { createHarness, TEST_PROVIDER } from '../../helpers/runtime-harness.js';
import type { Harness } from '../../helpers/runtime-harness.js';

const RealDate = Date;
const realNow = Date.now;
const realRandom = Math.random;
const realUuid = globalThis.crypto.randomUUID;
const realSetTimeout = globalThis.setTimeout;
const realFetch = globalThis.fetch;

function originalsInPlace(): boolean {
  return (
    globalThis.Date === RealDate &&
    RealDate.now === realNow &&
    Math.random === realRandom &&
    globalThis.crypto.randomUUID === realUuid &&
    globalThis.setTimeout === realSetTimeout &&
    globalThis.fetch === realFetch
  );
}

afterEach(() => {
  expect(originalsInPlace()).toBe(true);
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

interface Sample {
  label: string;
  now: number;
  date: number;
  random: number;
  uuid: string;
}

/**
 * `Stamps` samples the clock and randomness at its start and after an activity, a timer and an
 * event, and records each sample as it goes (KV, written to history in the turn that took it).
 */
function registerStamps(runtime: Runtime, activitySawOriginals: boolean[]): void {
  runtime.registerActivity('Check', async (_ctx, n: number) => {
    activitySawOriginals.push(originalsInPlace());
    return n + 1;
  });
  runtime.registerOrchestration('Stamps', function* (ctx: OrchestrationContext) {
    const samples: Sample[] = [];
    const take = (label: string): void => {
      const sample = {
        label,
        now: Date.now(),
        date: new Date().getTime(),
        random: Math.random(),
        uuid: crypto.randomUUID(),
      };
      samples.push(sample);
      ctx.setValue(label, JSON.stringify(sample));
    };
    take('started');
    yield ctx.scheduleActivity('Check', 1);
    take('activity');
    yield ctx.scheduleTimer(5);
    take('timer');
    yield ctx.waitForEvent('go');
    take('event');
    return samples;
  });
}

function only<K extends HistoryEvent['type']>(history: HistoryEvent[], type: K): EventOf<K> {
  const found = history.filter((e) => e.type === type) as EventOf<K>[];
  expect(found, type).toHaveLength(1);
  return found[0]!;
}

/** The output is what each step recorded live, the resuming events' times and the seeded sequence. */
async function expectStableStamps(h: Harness, id: string, output: unknown): Promise<void> {
  const history = await h.history(id);
  const samples = output as Sample[];
  expect(samples.map((s) => s.label)).toEqual(['started', 'activity', 'timer', 'event']);

  // Identical to what each turn recorded when it ran live.
  const recorded = history
    .filter((e): e is EventOf<'KeyValueSet'> => e.type === 'KeyValueSet')
    .map((e) => JSON.parse(e.value) as Sample);
  expect(samples).toEqual(recorded);

  // The clock: the timestamp of the event that resumed each step.
  const resumedBy = [
    only(history, 'OrchestrationStarted'),
    only(history, 'ActivityCompleted'),
    only(history, 'TimerFired'),
    only(history, 'ExternalEvent'),
  ].map((e) => e.timestamp_ms);
  expect(samples.map((s) => s.now)).toEqual(resumedBy);
  expect(samples.map((s) => s.date)).toEqual(resumedBy);

  // Randomness: one sequence per execution, seeded from history, continued across turns.
  const random = new SeededRandom(executionSeed(id, 1, resumedBy[0]!));
  for (const sample of samples) {
    expect(sample.random).toBe(random.nextDouble());
    expect(sample.uuid).toBe(random.nextUuid());
  }
}

const waiting = (h: Harness, id: string) => async () => (await h.kinds(id)).includes('ExternalSubscribed');

describe(`determinism guard in the runtime (${TEST_PROVIDER})`, () => {
  it('defaults to guard and validates the option', () => {
    expect(compileRuntimeOptions({}).determinism).toBe('guard');
    expect(compileRuntimeOptions({ determinism: 'strict' }).determinism).toBe('strict');
    expect(() => compileRuntimeOptions({ determinism: 'sometimes' as never })).toThrow(
      /runtime option determinism: /,
    );
  });

  it('uninterrupted: turns resume the cached execution; values are the recorded ones', async () => {
    const h = await createHarness();
    const activitySawOriginals: boolean[] = [];
    registerStamps(h.runtime, activitySawOriginals);
    await h.runtime.start();
    await h.client.startOrchestration('stamps-1', 'Stamps');
    await eventually(waiting(h, 'stamps-1'));
    await h.client.raiseEvent('stamps-1', 'go');
    const status = await h.client.waitForOrchestration('stamps-1', 10_000);
    expect(status.status).toBe('Completed');
    await expectStableStamps(h, 'stamps-1', status.output);
    // Later turns resumed the kept execution (on PostgreSQL a turn prefetched before the
    // previous one was cached may still replay).
    expect(h.runtime.cacheStats().hits).toBeGreaterThan(0);
    expect(activitySawOriginals).toEqual([true]);
  });

  it('a restart in the middle (cache miss, full replay) completes with the same values', async () => {
    const h = await createHarness();
    const activitySawOriginals: boolean[] = [];
    registerStamps(h.runtime, activitySawOriginals);
    await h.runtime.start();
    await h.client.startOrchestration('stamps-2', 'Stamps');
    await eventually(waiting(h, 'stamps-2'));
    await h.runtime.shutdown(1000);
    expect(originalsInPlace()).toBe(true);

    const restarted = h.newRuntime();
    registerStamps(restarted, activitySawOriginals);
    await restarted.start();
    await h.client.raiseEvent('stamps-2', 'go');
    const status = await h.client.waitForOrchestration('stamps-2', 10_000);
    expect(status.status).toBe('Completed');
    await expectStableStamps(h, 'stamps-2', status.output);
    // The new runtime replayed the history from scratch for the last turn.
    expect(restarted.cacheStats()).toMatchObject({ hits: 0, misses: 1 });
    expect(activitySawOriginals).toEqual([true]);
  });

  it('without an instance cache every turn replays, with the same values', async () => {
    const h = await createHarness({ orchestrationCacheSize: 0 });
    registerStamps(h.runtime, []);
    await h.runtime.start();
    await h.client.startOrchestration('stamps-3', 'Stamps');
    await eventually(waiting(h, 'stamps-3'));
    await h.client.raiseEvent('stamps-3', 'go');
    const status = await h.client.waitForOrchestration('stamps-3', 10_000);
    expect(status.status).toBe('Completed');
    await expectStableStamps(h, 'stamps-3', status.output);
    expect(h.runtime.cacheStats().hits).toBe(0);
  });

  it("with determinism 'off' the same restart diverges: the guard is what keeps the values", async () => {
    const h = await createHarness({ determinism: 'off' });
    registerStamps(h.runtime, []);
    await h.runtime.start();
    await h.client.startOrchestration('stamps-off', 'Stamps');
    // Any replay diverges, and the first runtime may replay too (on PostgreSQL a held turn that
    // the store released, or a prefetched turn, misses the cache): then it fails right there.
    const reached = await eventually(async () => {
      const kinds = await h.kinds('stamps-off');
      if (kinds.includes('OrchestrationFailed')) return 'failed';
      return kinds.includes('ExternalSubscribed') ? 'waiting' : false;
    });
    if (reached === 'waiting') {
      await h.runtime.shutdown(1000);
      const restarted = h.newRuntime();
      registerStamps(restarted, []);
      await restarted.start();
      await h.client.raiseEvent('stamps-off', 'go');
    }
    const status = await h.client.waitForOrchestration('stamps-off', 10_000);
    expect(status).toMatchObject({
      status: 'Failed',
      failureDetails: { category: 'configuration', kind: 'Nondeterminism' },
    });
    expect(status.error).toContain('KeyValueSet');
  });

  it("'off' leaves the globals alone inside steps", async () => {
    const h = await createHarness({ determinism: 'off' });
    h.runtime.registerOrchestration('Plain', function* () {
      return originalsInPlace();
    });
    await h.runtime.start();
    await h.client.startOrchestration('plain', 'Plain');
    expect(await h.client.waitForOrchestration('plain', 10_000)).toMatchObject({
      status: 'Completed',
      output: true,
    });
  });

  it('globals are the originals after a step that throws, and after shutdown', async () => {
    const h = await createHarness();
    let patchedInStep = false;
    h.runtime.registerOrchestration('Throws', function* () {
      patchedInStep = !originalsInPlace();
      Date.now();
      throw new Error('after reading the clock');
    });
    await h.runtime.start();
    await h.client.startOrchestration('throws', 'Throws');
    const status = await h.client.waitForOrchestration('throws', 10_000);
    expect(status).toMatchObject({ status: 'Failed', error: expect.stringContaining('after reading') });
    expect(patchedInStep).toBe(true);
    expect(originalsInPlace()).toBe(true);
    await h.runtime.shutdown(1000);
    expect(originalsInPlace()).toBe(true);
  });

  it('strict mode fails the instance with a NondeterminismError naming the call, even if caught', async () => {
    const h = await createHarness({ determinism: 'strict' });
    const calls: Record<string, () => unknown> = {
      'Date.now()': () => Date.now(),
      'new Date()': () => new Date(),
      'Math.random()': () => Math.random(),
      'crypto.randomUUID()': () => crypto.randomUUID(),
      'setTimeout()': () => setTimeout(() => undefined, 0),
      'fetch()': () => fetch('http://127.0.0.1:9/never'),
    };
    h.runtime.registerActivity('Never', async () => 'ran');
    h.runtime.registerOrchestration('Sneaky', function* (ctx: OrchestrationContext, call: string) {
      try {
        calls[call]!();
      } catch {
        // Swallowed: the turn fails anyway.
      }
      return yield ctx.scheduleActivity('Never');
    });
    await h.runtime.start();
    const names = Object.keys(calls);
    for (const [i, call] of names.entries()) await h.client.startOrchestration(`sneaky-${i}`, 'Sneaky', call);
    for (const [i, call] of names.entries()) {
      const status = await h.client.waitForOrchestration(`sneaky-${i}`, 10_000);
      expect(status).toMatchObject({
        status: 'Failed',
        failureDetails: { category: 'configuration', kind: 'Nondeterminism' },
      });
      expect(status.error).toContain(`${call} called in orchestration "Sneaky"`);
      expect(status.error).toContain("(determinism: 'strict')");
      expect(await h.kinds(`sneaky-${i}`)).toEqual(['OrchestrationStarted', 'OrchestrationFailed']);
    }
  });

  it('guard mode warns once per call site, naming the orchestration and the call; timers still run', async () => {
    vi.stubEnv('DUROX_LOG', 'warn');
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    // No cache: every turn replays the earlier steps, which call again from the same sites.
    const h = await createHarness({ logLevel: 'warn', orchestrationCacheSize: 0 });
    let timerFired = false;
    h.runtime.registerActivity('Step', async (_ctx, n: number) => n + 1);
    h.runtime.registerOrchestration('Noisy', function* (ctx: OrchestrationContext) {
      let total = 0;
      for (let i = 0; i < 3; i++) total += Date.now();
      total += Math.random();
      setTimeout(() => (timerFired = true), 1);
      fetch('not a url').catch(() => undefined);
      yield ctx.scheduleActivity('Step', 1);
      yield ctx.scheduleActivity('Step', 2);
      return total > 0;
    });
    await h.runtime.start();
    await h.client.startOrchestration('noisy-1', 'Noisy');
    await h.client.startOrchestration('noisy-2', 'Noisy');
    for (const id of ['noisy-1', 'noisy-2'])
      expect(await h.client.waitForOrchestration(id, 10_000)).toMatchObject({ status: 'Completed' });
    await eventually(() => timerFired);

    const warnings = lines.filter((line) => line.includes('called in orchestration'));
    const calls = warnings.map((line) => /durox: (\S+) called/.exec(line)?.[1]).sort();
    expect(calls).toEqual(['Date.now()', 'Math.random()', 'fetch()', 'setTimeout()']);
    for (const line of warnings) {
      expect(line).toMatch(
        /^WARN durox: \S+ called in orchestration "Noisy" at .*determinism\.test\.ts:\d+:\d+/,
      );
      expect(line).toContain('orchestration_name=Noisy');
    }
    expect(warnings.find((line) => line.includes('Date.now()'))).toContain('use yield ctx.utcNow()');
    expect(warnings.find((line) => line.includes('setTimeout()'))).toContain(
      'use yield ctx.scheduleTimer(ms)',
    );
    expect(warnings.find((line) => line.includes('fetch()'))).toContain('an activity');
  });
});
