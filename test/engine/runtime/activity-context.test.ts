/**
 * ActivityContext's cancellation state: its AbortController is made only when an activity reads
 * `signal`, so the signal must look the same whether it was read before or after the cancel.
 */
import { describe, expect, it } from 'vitest';
import { ActivityContext } from '../../../src/engine/runtime/activity-context.js';
import type { ActivityExecuteItem } from '../../../src/core/history.js';
import type { Client } from '../../../src/engine/client.js';
import type { Logger } from '../../../src/engine/logger.js';

const ITEM: ActivityExecuteItem = {
  type: 'ActivityExecute',
  instance: 'i-1',
  execution_id: 1,
  id: 2,
  name: 'Act',
  input: '"x"',
};

function context(): ActivityContext {
  const noLogs: Logger = { log: () => {}, enabled: () => false };
  return new ActivityContext(ITEM, 'work-0-test', noLogs, () => ({}) as Client);
}

describe('ActivityContext cancellation', () => {
  it('aborts a signal read before the cancel, with the cancel reason', () => {
    const ctx = context();
    const signal = ctx.signal;
    const seen: unknown[] = [];
    signal.addEventListener('abort', () => seen.push(signal.reason));
    expect(ctx.isCancelled()).toBe(false);
    ctx.cancel('lost the race');
    expect(ctx.isCancelled()).toBe(true);
    expect(seen).toEqual(['lost the race']);
    expect(ctx.signal).toBe(signal);
  });

  it('hands out an already-aborted signal when first read after the cancel', () => {
    const ctx = context();
    ctx.cancel('runtime shutting down');
    expect(ctx.signal.aborted).toBe(true);
    expect(ctx.signal.reason).toBe('runtime shutting down');
  });

  it('calls the dispatcher hook once, also when registered after the cancel', () => {
    const before = context();
    let calls = 0;
    before.whenCancelled(() => calls++);
    before.cancel('first');
    before.cancel('second');
    expect(calls).toBe(1);
    expect(before.signal.reason).toBe('first');

    const after = context();
    after.cancel('already');
    let late = 0;
    after.whenCancelled(() => late++);
    expect(late).toBe(1);
  });
});
