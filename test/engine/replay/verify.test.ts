import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { verifyHistory } from '../../../src/engine/replay/verify.js';
import type { HistoryEvent } from '../../../src/core/history.js';
import type { OrchestrationHandler } from '../../../src/engine/replay/execution.js';
import { orderFulfillment } from '../../fixtures/orchestrations/order-fulfillment.js';
import { approvalWorkflow } from '../../fixtures/orchestrations/approval-workflow.js';

interface Recording {
  executions: { executionId: number; events: HistoryEvent[] }[];
}

function load(name: string): HistoryEvent[] {
  const file = new URL(`../../fixtures/histories/${name}.json`, import.meta.url);
  const recording = JSON.parse(readFileSync(file, 'utf8')) as Recording;
  return recording.executions[0]!.events;
}

const fixtures: [string, OrchestrationHandler][] = [
  ['order-fulfillment', orderFulfillment as OrchestrationHandler],
  ['approval-workflow', approvalWorkflow as OrchestrationHandler],
];

describe('verifyHistory (offline replay against current code)', () => {
  it.each(fixtures)('accepts the committed %s history with the unchanged code', (name, handler) => {
    const report = verifyHistory(handler, load(name));
    expect(report.divergence).toBeUndefined();
    expect(report.ok).toBe(true);
  });

  it.each(fixtures)('reports the first divergence of the altered %s history', (name, handler) => {
    const report = verifyHistory(handler, load(`${name}.altered`));
    expect(report.ok).toBe(false);
    expect(report.divergence!.eventId).toBeGreaterThan(1);
    expect(report.divergence!.message).toMatch(/schedule mismatch|no emitted action|finishes before/);
    expect(report.divergence!.recorded).not.toBe(report.divergence!.actual);
  });

  it('reports code that no longer reaches the recorded ending', () => {
    const events = load('order-fulfillment');
    const waiting: OrchestrationHandler = function* (ctx) {
      yield ctx.waitForEvent('never');
    };
    const report = verifyHistory(waiting, events);
    expect(report.ok).toBe(false);
    expect(report.divergence!.eventId).toBe(2);
  });

  it('reports code that finishes before the recorded steps', () => {
    const events = load('order-fulfillment');
    const quick: OrchestrationHandler = function* () {
      return 'done';
    };
    const report = verifyHistory(quick, events);
    expect(report.ok).toBe(false);
    expect(report.divergence!.actual).toContain('already finished');
  });
});

describe('code that finishes during replay', () => {
  it('matches the actions it emitted on the way out instead of recording them again', async () => {
    const { ExecutionState } = await import('../../../src/engine/replay/execution.js');
    const v1: OrchestrationHandler = function* (ctx) {
      ctx.setCustomStatus('x');
      yield ctx.waitForEvent('e');
      return 1;
    };
    const first = new ExecutionState({ instanceId: 'i', executionId: 1, handler: v1 });
    const start = { name: 'O', version: '1.0.0', input: 'null' };
    const { delta } = first.runTurn({ now: 1, newGuid: () => 'g', messages: [], start });
    expect(delta.map((e) => e.type)).toEqual([
      'OrchestrationStarted',
      'CustomStatusUpdated',
      'ExternalSubscribed',
    ]);

    const v2: OrchestrationHandler = function* (ctx) {
      ctx.setCustomStatus('x');
      return 2;
    };
    const replayed = new ExecutionState({ instanceId: 'i', executionId: 1, handler: v2 });
    replayed.replay(delta);
    expect(replayed.finishedBefore).toMatchObject({ eventId: 3 });
    const turn = replayed.runTurn({ now: 2, newGuid: () => 'g', messages: [] });
    expect(turn.delta.map((e) => [e.event_id, e.type])).toEqual([[4, 'OrchestrationCompleted']]);
    expect(turn.outcome).toMatchObject({ status: 'Completed', output: '2' });
  });
});
