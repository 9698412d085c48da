import { describe, expect, it } from 'vitest';
import type { OrchestrationContext } from '../../../src/engine/replay/context.js';
import type { KvValue } from '../../../src/engine/replay/execution.js';
import {
  MAX_CUSTOM_STATUS_BYTES,
  MAX_KV_KEYS,
  MAX_KV_VALUE_BYTES,
  MAX_TAG_NAME_BYTES,
} from '../../../src/engine/replay/limits.js';
import { TurnDriver, completeActivity, kinds } from '../../helpers/history-builders.js';

function limitFailure(message: string) {
  return {
    status: 'Failed',
    dispatch: false,
    details: { category: 'application', kind: 'OrchestrationFailed', message, retryable: false },
  };
}

function snapshotOf(count: number): Record<string, KvValue> {
  return Object.fromEntries(
    Array.from({ length: count }, (_, i) => [`old${i}`, { value: 'v', lastUpdatedAtMs: 0 }]),
  );
}

describe('limits (checked at the end of every turn)', () => {
  it(`fails when more than ${MAX_KV_KEYS} KV keys are held; no work of the turn is dispatched (scenario 54)`, () => {
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      yield ctx.scheduleActivity('First');
      for (let i = 0; i <= MAX_KV_KEYS; i++) ctx.setValue(`k${i}`, 'v');
      yield ctx.scheduleActivity('Never dispatched');
    });
    driver.start();
    const t2 = driver.turn([completeActivity(2)]);
    expect(t2.outcome).toEqual(
      limitFailure(`KV key count ${MAX_KV_KEYS + 1} exceeds limit of ${MAX_KV_KEYS} keys`),
    );
    // The turn's events are still recorded (the schedule, then a terminal cancellation for it).
    expect(kinds(t2.delta).slice(-3)).toEqual([
      [MAX_KV_KEYS + 5, 'ActivityScheduled'],
      [MAX_KV_KEYS + 6, 'ActivityCancelRequested', MAX_KV_KEYS + 5],
      [MAX_KV_KEYS + 7, 'OrchestrationFailed'],
    ]);
    expect(t2.delta.at(-2)).toMatchObject({ reason: 'orchestration_terminal_failed' });
  });

  it('counts keys from previous executions, after this turn’s clears', () => {
    const over = new TurnDriver(
      function* (ctx: OrchestrationContext) {
        ctx.setValue('new', 'v');
      },
      { kvSnapshot: snapshotOf(MAX_KV_KEYS) },
    ).start();
    expect(over.outcome).toMatchObject(
      limitFailure(`KV key count ${MAX_KV_KEYS + 1} exceeds limit of ${MAX_KV_KEYS} keys`),
    );

    const atLimit = new TurnDriver(
      function* (ctx: OrchestrationContext) {
        ctx.clearValue('old0');
        ctx.setValue('new', 'v');
        return ctx.getKvLength();
      },
      { kvSnapshot: snapshotOf(MAX_KV_KEYS) },
    ).start();
    expect(atLimit.outcome).toEqual({ status: 'Completed', output: String(MAX_KV_KEYS) });
  });

  it(`fails on a KV value over ${MAX_KV_VALUE_BYTES} UTF-8 bytes; exactly at the limit is fine`, () => {
    const at = new TurnDriver(function* (ctx: OrchestrationContext) {
      ctx.setValue('k', 'x'.repeat(MAX_KV_VALUE_BYTES));
      return 'ok';
    }).start();
    expect(at.outcome).toEqual({ status: 'Completed', output: '"ok"' });

    // 'é' is 2 bytes: half the characters, one byte over.
    const over = new TurnDriver(function* (ctx: OrchestrationContext) {
      ctx.setValue('big', 'é'.repeat(MAX_KV_VALUE_BYTES / 2) + 'x');
      return 'ok';
    }).start();
    expect(over.outcome).toEqual(
      limitFailure(`KV value for key "big" exceeds limit of ${MAX_KV_VALUE_BYTES} bytes`),
    );
  });

  it('a too large value fails even if it is cleared again in the same turn', () => {
    const t = new TurnDriver(function* (ctx: OrchestrationContext) {
      ctx.setValue('big', 'x'.repeat(MAX_KV_VALUE_BYTES + 1));
      ctx.clearValue('big');
    }).start();
    expect(t.outcome).toMatchObject({ status: 'Failed', dispatch: false });
  });

  it(`fails on a custom status over ${MAX_CUSTOM_STATUS_BYTES} bytes; exactly at the limit is fine`, () => {
    const at = new TurnDriver(function* (ctx: OrchestrationContext) {
      ctx.setCustomStatus('s'.repeat(MAX_CUSTOM_STATUS_BYTES));
      yield ctx.scheduleActivity('A');
    }).start();
    expect(at.outcome).toEqual({ status: 'Running' });

    const over = new TurnDriver(function* (ctx: OrchestrationContext) {
      ctx.setCustomStatus('s'.repeat(MAX_CUSTOM_STATUS_BYTES + 1));
      yield ctx.scheduleActivity('A');
    }).start();
    expect(over.outcome).toEqual(
      limitFailure(`custom status exceeds limit of ${MAX_CUSTOM_STATUS_BYTES} bytes`),
    );
    expect(kinds(over.delta)).toEqual([
      [1, 'OrchestrationStarted'],
      [2, 'CustomStatusUpdated'],
      [3, 'ActivityScheduled'],
      [4, 'ActivityCancelRequested', 3],
      [5, 'OrchestrationFailed'],
    ]);
  });

  it(`fails on an activity tag over ${MAX_TAG_NAME_BYTES} bytes; exactly at the limit is fine`, () => {
    const at = new TurnDriver(function* (ctx: OrchestrationContext) {
      yield ctx.scheduleActivity('A').withTag('t'.repeat(MAX_TAG_NAME_BYTES));
    }).start();
    expect(at.outcome).toEqual({ status: 'Running' });

    const over = new TurnDriver(function* (ctx: OrchestrationContext) {
      yield ctx.scheduleActivity('A').withTag('t'.repeat(MAX_TAG_NAME_BYTES + 1));
    }).start();
    expect(over.outcome).toEqual(limitFailure(`activity tag exceeds limit of ${MAX_TAG_NAME_BYTES} bytes`));
  });

  it('a limit failure replaces the normal outcome of the turn', () => {
    const t = new TurnDriver(function* (ctx: OrchestrationContext) {
      ctx.setValue('big', 'x'.repeat(MAX_KV_VALUE_BYTES + 1));
      return 'would have completed';
    }).start();
    expect(t.outcome).toMatchObject({ status: 'Failed', dispatch: false });
    expect(t.delta.map((e) => e.type)).toEqual([
      'OrchestrationStarted',
      'KeyValueSet',
      'OrchestrationFailed',
    ]);
  });
});
