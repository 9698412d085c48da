import { describe, expect, it } from 'vitest';
import type { OrchestrationContext } from '../../../src/engine/replay/context.js';
import { ExecutionState } from '../../../src/engine/replay/execution.js';
import type { TraceRecord } from '../../helpers/history-builders.js';
import {
  START_MS,
  TurnDriver,
  completeActivity,
  loose,
  replayThenTurn,
} from '../../helpers/history-builders.js';

function* steps(ctx: OrchestrationContext, log: [string, boolean][]) {
  log.push(['start', ctx.isReplaying]);
  ctx.traceInfo('starting');
  yield ctx.scheduleActivity('A');
  log.push(['after A', ctx.isReplaying]);
  ctx.traceWarn('A done');
  yield ctx.scheduleActivity('B');
  log.push(['after B', ctx.isReplaying]);
  ctx.traceError('B done');
  ctx.traceDebug('finishing');
  return 'end';
}

describe('isReplaying and trace suppression', () => {
  it('is false in live turns and true while re-running persisted history', () => {
    const log: [string, boolean][] = [];
    const handler = (ctx: OrchestrationContext) => steps(ctx, log);
    const driver = new TurnDriver(handler);
    driver.start();
    driver.turn([completeActivity(2)]);
    const persisted = [...driver.history];

    log.length = 0;
    const result = replayThenTurn(handler, persisted, [completeActivity(4)]);
    expect(log).toEqual([
      ['start', true],
      ['after A', true],
      ['after B', false],
    ]);
    expect(result.exec.ctx.isReplaying).toBe(false);
    // Only the live part traced.
    expect(result.traces).toEqual([
      { level: 'error', message: 'B done' },
      { level: 'debug', message: 'finishing' },
    ]);
  });

  it('the cached path traces each line once, in the turn where the code ran live', () => {
    const log: [string, boolean][] = [];
    const driver = new TurnDriver((ctx: OrchestrationContext) => steps(ctx, log));
    const t1 = driver.start();
    const t2 = driver.turn([completeActivity(2)]);
    const t3 = driver.turn([completeActivity(4)]);
    const lines = (traces: TraceRecord[]) => traces.map((t) => `${t.level}:${t.message}`);
    // The driver already checked that the full-replay path traced exactly the same per turn.
    expect(lines(t1.traces)).toEqual(['info:starting']);
    expect(lines(t2.traces)).toEqual(['warn:A done']);
    expect(lines(t3.traces)).toEqual(['error:B done', 'debug:finishing']);
  });

  it('the first turn of a new execution is live', () => {
    const seen: boolean[] = [];
    const exec = new ExecutionState({
      instanceId: 'i',
      executionId: 1,
      handler: function* (ctx: OrchestrationContext) {
        seen.push(ctx.isReplaying);
        yield ctx.scheduleTimer(1);
      },
    });
    expect(exec.ctx.isReplaying).toBe(true);
    exec.runTurn({
      now: START_MS,
      newGuid: () => 'g',
      messages: [],
      start: { name: 'N', version: '1', input: 'null' },
    });
    expect(seen).toEqual([false]);
    expect(exec.ctx.isReplaying).toBe(false);
  });

  it('without a trace sink, tracing is a no-op', () => {
    const exec = new ExecutionState({
      instanceId: 'i',
      executionId: 1,
      handler: function* (ctx: OrchestrationContext) {
        ctx.traceInfo('nobody listens');
        return 1;
      },
    });
    const r = exec.runTurn({
      now: START_MS,
      newGuid: () => 'g',
      messages: [],
      start: { name: 'N', version: '1', input: 'null' },
    });
    expect(r.outcome).toEqual({ status: 'Completed', output: '1' });
  });

  it('the trace sink receives the execution', () => {
    const got: [string, string, number][] = [];
    const exec = new ExecutionState({
      instanceId: 'inst-x',
      executionId: 4,
      handler: function* (ctx: OrchestrationContext) {
        ctx.traceInfo('hello');
        yield ctx.scheduleTimer(1);
      },
      trace: (level, message, execution) => got.push([level, message, execution.executionId]),
    });
    exec.runTurn({
      now: START_MS,
      newGuid: () => 'g',
      messages: [],
      start: { name: 'N', version: '1', input: 'null' },
    });
    expect(got).toEqual([['info', 'hello', 4]]);
  });

  it('replay() is allowed only before any turn', () => {
    const exec = new ExecutionState({ instanceId: 'i', executionId: 1, handler: loose(() => 1) });
    exec.runTurn({
      now: START_MS,
      newGuid: () => 'g',
      messages: [],
      start: { name: 'N', version: '1', input: 'null' },
    });
    expect(() => exec.replay([])).toThrow(/replay\(\) must run before any turn/);
  });
});
