// The durox quick start in the typed style: the order workflow of quickstart.mjs with typed
// definitions, `yield*` and a zod schema, on a SQLite file. Run it with `npm run example:typed`
// (after `npm install`); in your own project the import below is the same.
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { defineActivity, defineOrchestration, Runtime, SqliteProvider } from 'durox';

const Order = z.object({
  sku: z.string().min(1),
  qty: z.number().int().positive(),
  amount: z.number().positive(),
  address: z.string().min(1),
});
type Order = z.infer<typeof Order>;

interface Charge {
  chargeId: string;
  amount: number;
}

const reserveStock = defineActivity(
  'ReserveStock',
  async (_ctx, order: Order) => `reserved ${order.qty} x ${order.sku}`,
);

let attempts = 0;
const chargeCard = defineActivity('ChargeCard', async (_ctx, order: Order): Promise<Charge> => {
  attempts += 1;
  if (attempts === 1) throw new Error('payment gateway timeout');
  return { chargeId: `ch-${order.sku}-${attempts}`, amount: order.amount };
});

const ship = defineActivity('Ship', async (_ctx, order: Order) => `shipped to ${order.address}`);

// The input schema checks every start; `order` is typed from it.
const processOrder = defineOrchestration({ name: 'ProcessOrder', input: Order }, function* (ctx, order) {
  const reserved = yield* ctx.run(reserveStock, order); // string
  const charge = yield* ctx.run(chargeCard, order, { retry: { maxAttempts: 3, backoff: 'fixed' } }); // Charge
  ctx.setCustomStatus('waiting for warehouse approval');
  // Queue messages wait until dequeued, so an approval sent early is never lost.
  const approval = yield* ctx.race(ctx.dequeueEvent<{ by: string }>('approvals'), ctx.scheduleTimer(30_000));
  if (approval.index === 1) return { reserved, chargeId: charge.chargeId, shipped: 'not approved in time' };
  yield* ctx.scheduleTimer(200); // a durable pause: survives restarts
  const shipped = yield* ctx.run(ship, order);
  return { reserved, chargeId: charge.chargeId, approvedBy: approval.value.by, shipped };
});

const dbPath = process.env.DUROX_DB ?? join(homedir(), '.durox', 'typed.db');
mkdirSync(join(dbPath, '..'), { recursive: true });
const provider = await SqliteProvider.open(dbPath);
// Chained register: this runtime's client starts only these orchestrations.
const runtime = new Runtime(provider, { logLevel: 'error' }).register(
  reserveStock,
  chargeCard,
  ship,
  processOrder,
);
const client = runtime.client();
await runtime.start();

const id = `order-${Date.now()}`;
await client.start(processOrder, id, { sku: 'durox-mug', qty: 2, amount: 24, address: 'Main St 1' });
console.log(`started ${id} (store: ${dbPath})`);
await client.enqueueEvent(id, 'approvals', { by: 'warehouse' });

const status = await client.waitFor(processOrder, id, 60_000);
if (status.status === 'Completed') {
  console.log(`${id}: Completed`);
  console.log(JSON.stringify(status.output, null, 2)); // typed: { reserved, chargeId, shipped, approvedBy? }
} else {
  console.log(`${id}: Failed: ${status.error}`);
  process.exitCode = 1;
}

// A bad input is refused before anything is written.
try {
  await client.start(processOrder, `${id}-bad`, {
    sku: 'durox-mug',
    qty: 0,
    amount: 24,
    address: 'Main St 1',
  });
} catch (err) {
  console.log(`refused: ${(err as Error).message}`);
}

await runtime.shutdown(1000);
await provider.close();
