/**
 * The determinism guard around the replay core, without a store: an ExecutionState built with
 * `createStepGuard(mode)` runs live turns and replays, as the runtime drives it. What each step
 * sees, what it leaves behind, and what each mode does with each guarded call.
 */
import nodeCrypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createStepGuard } from '../../../src/engine/determinism/guard.js';
import type { DeterminismMode } from '../../../src/engine/determinism/guard.js';
import { outsideSteps } from '../../../src/engine/determinism/globals.js';
import { executionSeed, SeededRandom } from '../../../src/engine/determinism/prng.js';
import { ExecutionState } from '../../../src/engine/replay/execution.js';
import type { OrchestrationHandler, TurnResult } from '../../../src/engine/replay/execution.js';
import type { OrchestrationContext } from '../../../src/engine/replay/context.js';
import { verifyHistory } from '../../../src/engine/verify-history.js';
import type { HistoryEvent } from '../../../src/core/history.js';
import {
  completeActivity,
  eventsOf,
  expectNondeterminism,
  failureOf,
  INSTANCE,
  loose,
  ORCH,
  START_MS,
  STEP_MS,
  VERSION,
} from '../../helpers/history-builders.js';

// The originals, captured when this file loads (outside any step).
const RealDate = Date;
const realNow = Date.now;
const realRandom = Math.random;
const realWebUuid = globalThis.crypto.randomUUID;
const realNodeUuid = nodeCrypto.randomUUID;
const realSetTimeout = globalThis.setTimeout;
const realSetInterval = globalThis.setInterval;
const realSetImmediate = globalThis.setImmediate;
const realFetch = globalThis.fetch;

/** Every guarded slot holds its original. */
function expectOriginals(): void {
  expect(globalThis.Date).toBe(RealDate);
  expect(RealDate.now).toBe(realNow);
  expect(Math.random).toBe(realRandom);
  expect(globalThis.crypto.randomUUID).toBe(realWebUuid);
  expect(Object.hasOwn(globalThis.crypto, 'randomUUID')).toBe(false);
  expect(nodeCrypto.randomUUID).toBe(realNodeUuid);
  expect(globalThis.setTimeout).toBe(realSetTimeout);
  expect(globalThis.setInterval).toBe(realSetInterval);
  expect(globalThis.setImmediate).toBe(realSetImmediate);
  expect(globalThis.fetch).toBe(realFetch);
}

/** Whether the globals were the originals at the moment this ran. */
function originalsInPlace(): boolean {
  return (
    globalThis.Date === RealDate &&
    RealDate.now === realNow &&
    Math.random === realRandom &&
    globalThis.crypto.randomUUID === realWebUuid &&
    nodeCrypto.randomUUID === realNodeUuid &&
    globalThis.setTimeout === realSetTimeout &&
    globalThis.fetch === realFetch
  );
}

afterEach(() => expectOriginals());

interface Sample {
  now: number;
  date: number;
  dateString: string;
  random: number;
  webUuid: string;
  nodeUuid: string;
}

function sample(): Sample {
  return {
    now: Date.now(),
    date: new Date().getTime(),
    dateString: Date(),
    random: Math.random(),
    webUuid: crypto.randomUUID(),
    nodeUuid: nodeCrypto.randomUUID(),
  };
}

/** Samples at the start and after each of two activities; each activity's input is the sample. */
function* stamps(ctx: OrchestrationContext): Generator<unknown, Sample[], unknown> {
  const samples = [sample()];
  yield ctx.scheduleActivity('A', samples[0]);
  samples.push(sample());
  yield ctx.scheduleActivity('B', samples[1]);
  samples.push(sample());
  return samples;
}

const startFields = { name: ORCH, version: VERSION, input: 'null' };

function newExecution(
  handler: OrchestrationHandler,
  mode: DeterminismMode = 'guard',
  warn?: (message: string, fields: Record<string, unknown>) => void,
): ExecutionState {
  const guard = createStepGuard(mode, warn);
  return new ExecutionState({ instanceId: INSTANCE, executionId: 1, handler, ...(guard ? { guard } : {}) });
}

/** Runs turns on one execution (the cached path): start, then one activity completion per turn. */
function runLive(
  exec: ExecutionState,
  turns: number,
): { history: HistoryEvent[]; results: TurnResult[]; times: number[] } {
  const history: HistoryEvent[] = [];
  const results: TurnResult[] = [];
  const times: number[] = [];
  for (let i = 0; i < turns; i++) {
    const now = START_MS + i * STEP_MS;
    const scheduled = eventsOf(history, 'ActivityScheduled').at(-1);
    const result = exec.runTurn({
      now,
      newGuid: () => `guid-${i}`,
      messages: i === 0 ? [] : [completeActivity(scheduled!.event_id, i)],
      ...(i === 0 ? { start: startFields } : {}),
    });
    history.push(...result.delta);
    results.push(result);
    times.push(now);
    if (result.outcome.status !== 'Running') break;
  }
  return { history, results, times };
}

/** What the guard must give: the turn's time and the execution's sequence, in call order. */
function expectedSamples(times: number[]): Sample[] {
  const random = new SeededRandom(executionSeed(INSTANCE, 1, times[0]!));
  return times.map((t) => ({
    now: t,
    date: t,
    dateString: new RealDate(t).toString(),
    random: random.nextDouble(),
    webUuid: random.nextUuid(),
    nodeUuid: random.nextUuid(),
  }));
}

describe('the guard gives replay-stable values', () => {
  it('the turn time and the seeded sequence, identical live (cached) and on a full replay', () => {
    const live = runLive(newExecution(stamps), 3);
    expect(live.results.at(-1)!.outcome.status).toBe('Completed');
    const output = JSON.parse((live.results.at(-1)!.outcome as { output: string }).output) as Sample[];
    expect(output).toEqual(expectedSamples(live.times));
    // Each step saw the timestamp of the event that resumed it.
    const resumedBy = [
      eventsOf(live.history, 'OrchestrationStarted')[0]!,
      ...eventsOf(live.history, 'ActivityCompleted'),
    ];
    expect(output.map((s) => s.now)).toEqual(resumedBy.map((e) => e.timestamp_ms));

    // A cache miss: a new execution replays the whole history from scratch.
    const fresh = newExecution(stamps);
    fresh.replay(live.history);
    expect(fresh.replayFailure).toBeNull();
    expect(fresh.codeOutcome).toEqual({ kind: 'returned', value: output });

    // A cache miss in the middle: replay the first two turns, then run the last one live.
    const middle = newExecution(stamps);
    const firstTwo = live.history.filter((e) => e.timestamp_ms < live.times[2]!);
    middle.replay(firstTwo);
    const scheduled = eventsOf(firstTwo, 'ActivityScheduled').at(-1)!;
    const last = middle.runTurn({
      now: live.times[2]!,
      newGuid: () => 'guid',
      messages: [completeActivity(scheduled.event_id, 2)],
    });
    expect(last.outcome).toEqual(live.results.at(-1)!.outcome);
  });

  it('is what makes the history verify: off diverges, strict names the call', () => {
    const live = runLive(newExecution(stamps), 3);
    expect(verifyHistory(stamps, live.history)).toMatchObject({ ok: true, warnings: [] });
    const off = verifyHistory(stamps, live.history, undefined, { determinism: 'off' });
    expect(off.ok).toBe(false);
    expect(off.divergence?.recorded).toContain('ActivityScheduled');
    const strict = verifyHistory(stamps, live.history, undefined, { determinism: 'strict' });
    expect(strict.ok).toBe(false);
    expect(strict.divergence?.message).toContain(`Date.now() called in orchestration "${ORCH}"`);
  });

  it('leaves the code outside steps alone: durox code inside a step, and steps of unguarded executions', () => {
    const seen: { inside: number; outside: number; unguarded: boolean }[] = [];
    const before = realNow();
    runLive(
      newExecution(
        loose(function* () {
          seen.push({ inside: Date.now(), outside: outsideSteps(() => Date.now()), unguarded: false });
        }),
      ),
      1,
    );
    runLive(
      newExecution(
        loose(function* () {
          seen.push({ inside: 0, outside: 0, unguarded: originalsInPlace() });
        }),
        'off',
      ),
      1,
    );
    expect(seen[0]!.inside).toBe(START_MS);
    expect(seen[0]!.outside).toBeGreaterThanOrEqual(before);
    expect(seen[1]!.unguarded).toBe(true);
    expect(createStepGuard('off')).toBeUndefined();
  });
});

describe('the globals during and after a step', () => {
  it('are patched only while the step runs, and restored after a step that throws', () => {
    const inside: Record<string, boolean> = {};
    let madeInside: Date | undefined;
    const madeOutside = new RealDate(5);
    const exec = newExecution(
      loose(function* (ctx: OrchestrationContext) {
        inside.patched = globalThis.Date !== RealDate && Math.random !== realRandom;
        inside.outsideDateIsADate = madeOutside instanceof Date;
        madeInside = new Date();
        inside.insideDateIsADate = madeInside instanceof Date && madeInside instanceof RealDate;
        inside.withArgumentsUntouched = new Date(7).getTime() === 7 && Date.UTC(1970, 0, 1) === 0;
        yield ctx.scheduleActivity('A');
        Date.now();
        throw new Error('boom after reading the clock');
      }),
    );
    const { results } = runLive(exec, 1);
    expect(results[0]!.outcome.status).toBe('Running');
    expect(inside).toEqual({
      patched: true,
      outsideDateIsADate: true,
      insideDateIsADate: true,
      withArgumentsUntouched: true,
    });
    expectOriginals();
    expect(madeInside).toBeInstanceOf(RealDate);
    expect(madeInside!.getTime()).toBe(START_MS);

    const scheduled = eventsOf(results[0]!.delta, 'ActivityScheduled')[0]!;
    const thrown = exec.runTurn({
      now: START_MS + STEP_MS,
      newGuid: () => 'guid',
      messages: [completeActivity(scheduled.event_id)],
    });
    expect(failureOf(thrown.outcome)).toMatchObject({ message: 'boom after reading the clock' });
    expectOriginals();
  });

  it('flagged timers still run in guard mode, their callbacks outside the step', async () => {
    const fired = new Promise<boolean>((resolve) => {
      runLive(
        newExecution(
          loose(function* () {
            setTimeout(() => resolve(originalsInPlace()), 1);
          }),
        ),
        1,
      );
    });
    expect(await fired).toBe(true);
  });

  it('an async function fails clearly; its synchronous start ran guarded and nothing leaks', async () => {
    let sawDuringStart = 0;
    const [result] = runLive(
      newExecution(
        loose(async () => {
          sawDuringStart = Date.now();
          await Promise.resolve();
          return Date.now();
        }),
      ),
      1,
    ).results;
    expect(sawDuringStart).toBe(START_MS);
    expect(failureOf(result!.outcome)).toMatchObject({
      message: `orchestration "${ORCH}" returned a Promise: orchestrations must be generator functions (function*), which durox can replay`,
    });
    // Let the abandoned async body resume (a microtask) outside the step, then check.
    await new Promise((resolve) => setImmediate(resolve));
    expectOriginals();
  });

  it('an async generator function fails with a message saying so', () => {
    const [result] = runLive(
      newExecution(
        loose(async function* () {
          yield 1;
        }),
      ),
      1,
    ).results;
    expect(failureOf(result!.outcome)).toMatchObject({
      message: expect.stringContaining(`orchestration "${ORCH}" is an async generator function`),
    });
  });

  it('a global that cannot be patched fails the turn naming the option, and the rest is put back', () => {
    const descriptor = Object.getOwnPropertyDescriptor(Math, 'random')!;
    Object.defineProperty(Math, 'random', { ...descriptor, writable: false });
    let result: TurnResult | undefined;
    try {
      result = runLive(
        newExecution(
          loose(function* () {
            return 1;
          }),
        ),
        1,
      ).results[0];
      expect(globalThis.Date).toBe(RealDate);
      expect(RealDate.now).toBe(realNow);
    } finally {
      Object.defineProperty(Math, 'random', descriptor);
    }
    expect(failureOf(result!.outcome)).toMatchObject({
      message: expect.stringContaining("set the runtime option determinism: 'off'"),
    });
  });
});

describe('strict mode', () => {
  const calls: [string, () => unknown][] = [
    ['Date.now()', () => Date.now()],
    ['new Date()', () => new Date()],
    ['Date()', () => Date()],
    ['Math.random()', () => Math.random()],
    ['crypto.randomUUID()', () => crypto.randomUUID()],
    ['crypto.randomUUID()', () => nodeCrypto.randomUUID()],
    ['setTimeout()', () => setTimeout(() => undefined, 0)],
    ['setInterval()', () => setInterval(() => undefined, 1000)],
    ['setImmediate()', () => setImmediate(() => undefined)],
    ['fetch()', () => fetch('http://127.0.0.1:9/never')],
  ];

  it.each(calls)('fails the turn naming %s, even when the code catches the error', (call, act) => {
    const caught: unknown[] = [];
    const [result] = runLive(
      newExecution(
        loose(function* (ctx: OrchestrationContext) {
          try {
            act();
          } catch (error) {
            caught.push(error);
          }
          // The code goes on as if nothing happened; the turn still fails after the step.
          yield ctx.scheduleActivity('After');
        }),
        'strict',
      ),
      1,
    ).results;
    expect(caught).toHaveLength(1);
    expect(caught[0]).toMatchObject({ code: 'NONDETERMINISM' });
    const message = expectNondeterminism(
      result!.outcome,
      `${call} called in orchestration "${ORCH}" at `,
      "(determinism: 'strict')",
      'use ',
    );
    // The call site is this file.
    expect(message).toContain('guard.test.ts');
    expect(eventsOf(result!.delta, 'ActivityScheduled')).toEqual([]);
  });

  it('a call the code does not catch fails the turn the same way', () => {
    const [result] = runLive(
      newExecution(
        loose(function* () {
          return Math.random();
        }),
        'strict',
      ),
      1,
    ).results;
    expectNondeterminism(result!.outcome, 'Math.random() called in orchestration', 'yield ctx.newGuid()');
  });
});

describe('guard mode warnings', () => {
  it('warn once per call site, naming the orchestration, the call, the site and the alternative', () => {
    const warnings: { message: string; fields: Record<string, unknown> }[] = [];
    const warn = (message: string, fields: Record<string, unknown>): void => {
      warnings.push({ message, fields });
    };
    const handler = loose(function* (ctx: OrchestrationContext) {
      for (let i = 0; i < 3; i++) Date.now(); // one site, three calls
      const a = Math.random();
      const b = Math.random(); // a second site
      yield ctx.scheduleActivity('A', a + b);
      Date.now(); // another site
      return new Date().getTime();
    });
    const guard = createStepGuard('guard', warn)!;
    const run = (): void => {
      const exec = new ExecutionState({ instanceId: INSTANCE, executionId: 1, handler, guard });
      runLive(exec, 2);
    };
    run();
    run(); // a second instance of the same code: no new warnings
    expect(warnings.map((w) => w.fields.call)).toEqual([
      'Date.now()',
      'Math.random()',
      'Math.random()',
      'Date.now()',
      'new Date()',
    ]);
    const [first] = warnings;
    expect(first!.message).toMatch(
      new RegExp(
        `^Date\\.now\\(\\) called in orchestration "${ORCH}" at .*guard\\.test\\.ts:\\d+:\\d+.*: it got the turn's recorded time; use yield ctx\\.utcNow\\(\\)$`,
      ),
    );
    expect(first!.fields).toMatchObject({ instance_id: INSTANCE, execution_id: 1, orchestration_name: ORCH });
    expect(String(first!.fields.site)).toContain('guard.test.ts');
    expect(new Set(warnings.map((w) => w.fields.site)).size).toBe(5);
  });
});
