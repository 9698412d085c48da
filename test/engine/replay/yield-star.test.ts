/**
 * `yield*` on tasks in the replay core: a committed history recorded by `yield` code replays and
 * re-enacts exactly with a rewrite that uses definitions and `yield*`, and failures, races and
 * branches behave the same through `yield*` as through `yield`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defineActivity, defineOrchestration } from '../../../src/engine/definitions.js';
import type { OrchestrationContext } from '../../../src/engine/replay/context.js';
import { ExecutionState } from '../../../src/engine/replay/execution.js';
import type { Task } from '../../../src/engine/replay/tasks.js';
import type { HistoryFile, RecordedExecution } from '../../fixtures/histories/recordings.js';
import type { Order } from '../../fixtures/orchestrations/order-fulfillment.js';
import {
  TurnDriver,
  completeActivity,
  failActivity,
  guidsOfTurn,
  messagesOfTurn,
  normalize,
  splitTurns,
} from '../../helpers/history-builders.js';

const never = async (): Promise<never> => {
  throw new Error('activities do not run in replay tests');
};
const validateOrder = defineActivity('ValidateOrder', (_ctx, _order: Order): Promise<boolean> => never());
const reserveItem = defineActivity(
  'ReserveItem',
  (_ctx, _r: { orderId: string; item: string }): Promise<string> => never(),
);
const chargeCard = defineActivity(
  'ChargeCard',
  (_ctx, _c: { orderId: string; amount: number }): Promise<string> => never(),
);
const releaseItems = defineActivity('ReleaseItems', (_ctx, _orderId: string): Promise<void> => never());
const shipOrder = defineOrchestration(
  'ShipOrder',
  function* (_ctx, _s: { orderId: string; trackingId: string }) {
    return 'shipped';
  },
);

/**
 * test/fixtures/orchestrations/order-fulfillment.ts rewritten with definitions and `yield*`
 * (one plain `yield` left in: the styles mix).
 */
const typedOrderFulfillment = defineOrchestration('OrderFulfillment', function* (ctx, order: Order) {
  ctx.setCustomStatus('validating');
  const receivedAt = yield* ctx.utcNow();
  const trackingId = yield* ctx.newGuid();
  const valid = yield* ctx.run(validateOrder, order);
  if (!valid) return { status: 'rejected', orderId: order.id };
  ctx.setValue('tracking', trackingId);

  const reservations = yield* ctx.all(
    order.items.map((item) => ctx.run(reserveItem, { orderId: order.id, item })),
  );
  const backordered = order.items.filter((_, i) => reservations[i]?.err !== undefined);
  ctx.setValue('backordered', String(backordered.length));

  ctx.setCustomStatus('charging');
  const payment = yield* ctx.race(
    ctx.run(chargeCard, { orderId: order.id, amount: order.amount }),
    ctx.scheduleTimer(30_000),
  );
  if (payment.index === 1) {
    yield* ctx.run(releaseItems, order.id);
    ctx.setCustomStatus('payment timed out');
    return { status: 'payment-timeout', orderId: order.id };
  }

  ctx.setCustomStatus('shipping');
  const shipment = yield* ctx.runSubOrchestration(shipOrder, { orderId: order.id, trackingId });
  yield ctx.startOrchestration('SendReceipt', `receipt-${order.id}`, {
    orderId: order.id,
    charge: payment.value,
  });
  ctx.setCustomStatus('done');
  return { status: 'shipped', orderId: order.id, receivedAt, trackingId, backordered, shipment };
});

const file = JSON.parse(
  readFileSync(
    fileURLToPath(new URL('../../fixtures/histories/order-fulfillment.json', import.meta.url)),
    'utf8',
  ),
) as HistoryFile;

function newExecution(execution: RecordedExecution): ExecutionState {
  return new ExecutionState({
    instanceId: file.instanceId,
    executionId: execution.executionId,
    handler: typedOrderFulfillment.handler,
  });
}

describe('a history recorded with yield, run by yield* code', () => {
  const execution = file.executions[0]!;

  it('replays in full and reaches the recorded outcome', () => {
    const exec = newExecution(execution);
    exec.replay(execution.events);
    const last = execution.events.at(-1)!;
    const { outcome } = exec.runTurn({ now: last.timestamp_ms, newGuid: () => 'unused', messages: [] });
    expect(normalize(outcome)).toEqual(execution.outcome);
  });

  it('re-enacts every recorded turn exactly, on the full-replay path and on the cached path', () => {
    const turns = splitTurns(execution.events);
    const cached = newExecution(execution);
    const {
      event_id: _i,
      instance_id: _n,
      execution_id: _e,
      timestamp_ms: _t,
      durox_version: _v,
      type: _y,
      ...start
    } = execution.events[0] as Extract<(typeof execution.events)[number], { type: 'OrchestrationStarted' }>;
    let before: typeof execution.events = [];
    turns.forEach((turn, index) => {
      const input = (exec: ExecutionState) =>
        exec.runTurn({
          now: turn[0]!.timestamp_ms,
          newGuid: guidsOfTurn(turn, before),
          messages: messagesOfTurn(turn, before),
          ...(index === 0 ? { start } : {}),
        });
      const fresh = newExecution(execution);
      fresh.replay(before);
      expect(normalize(input(fresh).delta), `turn ${index} (full replay)`).toEqual(turn);
      expect(normalize(input(cached).delta), `turn ${index} (cached)`).toEqual(turn);
      before = [...before, ...turn];
    });
  });
});

describe('yield* semantics', () => {
  it('a failed activity throws at the yield*, and the code can catch it', () => {
    const act = defineActivity('A', (): Promise<number> => never());
    const driver = new TurnDriver(function* (ctx: OrchestrationContext) {
      try {
        return yield* ctx.run(act);
      } catch (err) {
        return `caught: ${(err as Error).message}`;
      }
    });
    driver.start();
    driver.turn([failActivity(2, 'A broke')]);
    expect(driver.outcome).toEqual({ status: 'Completed', output: '"caught: A broke"' });
  });

  it('race, all and generator branches give the same values as with yield', () => {
    function* untyped(ctx: OrchestrationContext): Generator<Task, unknown, any> {
      function* branch(name: string): Generator<Task, string, any> {
        const value: string = yield ctx.scheduleActivity(name);
        return `${value}!`;
      }
      const raced = yield ctx.race(ctx.scheduleActivity('R1'), ctx.scheduleActivity('R2'));
      const joined = yield ctx.all([branch('B1'), ctx.scheduleActivity('B2')]);
      return { raced, joined };
    }
    function* typed(ctx: OrchestrationContext) {
      function* branch(name: string) {
        const value = yield* ctx.scheduleActivity<string>(name);
        return `${value}!`;
      }
      const raced = yield* ctx.race(ctx.scheduleActivity('R1'), ctx.scheduleActivity('R2'));
      const joined = yield* ctx.all([branch('B1'), ctx.scheduleActivity('B2')]);
      return { raced, joined };
    }
    const [a, b] = [untyped, typed].map((handler) => {
      const driver = new TurnDriver(handler);
      const deltas = [driver.start().delta];
      deltas.push(driver.turn([failActivity(3, 'R2 broke')]).delta);
      deltas.push(driver.turn([completeActivity(6, 'b1'), failActivity(7, 'B2 broke')]).delta);
      return { deltas, outcome: driver.outcome };
    });
    expect(b).toEqual(a);
    expect(b!.outcome).toEqual({
      status: 'Completed',
      output: JSON.stringify({
        raced: { index: 1, value: 'R2 broke' },
        joined: [{ ok: 'b1!' }, { err: 'B2 broke' }],
      }),
    });
  });
});
