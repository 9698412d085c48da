/**
 * A bundled example module, used by `durox demo` and usable with
 * `durox worker run --module <durox>/dist/examples/order-workflow.js`.
 *
 * It has the shape every `--module` may have: named exports `orchestrations` (name → generator
 * function, or name → `{ versions: { '<version>': generator function } }`) and `activities`
 * (name → async function). It imports nothing at run time, so a copy of it runs anywhere.
 */
import type { ActivityContext, OrchestrationContext, Task } from '../index.js';

export interface OrderInput {
  id: string;
  items: { sku: string; qty: number; price: number }[];
  /** How long the order may wait for the `approval` event (default 60 s). */
  approvalTimeoutMs?: number;
  /** The durable pause before shipping (default 500 ms). */
  packingDelayMs?: number;
  /** Extra time ValidateOrder takes (to watch a slow activity; default 0). */
  validationDelayMs?: number;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Validates, charges, waits for an approval event (or a deadline), pauses, ships. */
function* processOrder(ctx: OrchestrationContext, order: OrderInput): Generator<Task, unknown, any> {
  ctx.setCustomStatus('validating');
  const validated: { total: number } = yield ctx.scheduleActivity('ValidateOrder', order);
  const charge: { chargeId: string; amount: number } = yield ctx.scheduleActivity('ChargePayment', {
    orderId: order.id,
    amount: validated.total,
  });

  ctx.setCustomStatus('awaiting approval');
  const approval = yield ctx.race(
    ctx.waitForEvent('approval'),
    ctx.scheduleTimer(order.approvalTimeoutMs ?? 60_000),
  );
  if (approval.index === 1) {
    yield ctx.scheduleActivity('RefundPayment', charge);
    ctx.setCustomStatus('cancelled: not approved in time');
    return { orderId: order.id, status: 'cancelled', reason: 'not approved in time' };
  }

  ctx.setCustomStatus('packing');
  yield ctx.scheduleTimer(order.packingDelayMs ?? 500);
  const shipment: { trackingNumber: string } = yield ctx.scheduleActivity('ShipOrder', {
    orderId: order.id,
    items: order.items.map((i) => i.sku),
  });
  ctx.setCustomStatus('shipped');
  return {
    orderId: order.id,
    status: 'shipped',
    charged: charge.amount,
    approvedBy: (approval.value as { by?: string } | null)?.by ?? 'unknown',
    trackingNumber: shipment.trackingNumber,
  };
}

/** Greets: the smallest orchestration. */
function* hello(ctx: OrchestrationContext, name: string | null): Generator<Task, unknown, any> {
  return yield ctx.scheduleActivity('Greet', name ?? 'world');
}

export const orchestrations = {
  OrderWorkflow: processOrder,
  Hello: hello,
};

export const activities = {
  ValidateOrder: async (ctx: ActivityContext, order: OrderInput): Promise<{ total: number }> => {
    if (!Array.isArray(order?.items) || order.items.length === 0) throw new Error('an order needs items');
    if (order.validationDelayMs) await pause(order.validationDelayMs, ctx.signal);
    return { total: order.items.reduce((sum, i) => sum + i.qty * i.price, 0) };
  },
  ChargePayment: async (
    _ctx: ActivityContext,
    input: { orderId: string; amount: number },
  ): Promise<{ chargeId: string; amount: number }> => ({
    chargeId: `ch_${input.orderId}`,
    amount: input.amount,
  }),
  RefundPayment: async (
    _ctx: ActivityContext,
    charge: { chargeId: string },
  ): Promise<{ refunded: string }> => ({
    refunded: charge.chargeId,
  }),
  ShipOrder: async (
    _ctx: ActivityContext,
    input: { orderId: string; items: string[] },
  ): Promise<{ trackingNumber: string }> => ({
    trackingNumber: `TRK-${input.orderId.toUpperCase()}-${input.items.length}`,
  }),
  Greet: async (_ctx: ActivityContext, name: string): Promise<string> => `Hello, ${name}!`,
};
