// The durox quick start: an order workflow with activities, a retry, a durable timer and an
// event queue message, on a SQLite file. Run it with `npm run example` (after `npm install`).
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Client, Runtime, SqliteProvider } from '../dist/index.js';

const dbPath = process.env.DUROX_DB ?? join(homedir(), '.durox', 'quickstart.db');
mkdirSync(join(dbPath, '..'), { recursive: true });
const provider = await SqliteProvider.open(dbPath);
const runtime = new Runtime(provider, { logLevel: 'error' });

runtime.registerActivity('ReserveStock', async (ctx, order) => `reserved ${order.qty} x ${order.sku}`);
let attempts = 0;
runtime.registerActivity('ChargeCard', async (ctx, order) => {
  attempts += 1;
  if (attempts === 1) throw new Error('payment gateway timeout');
  return `charged ${order.amount} EUR`;
});
runtime.registerActivity('Ship', async (ctx, order) => `shipped to ${order.address}`);

runtime.registerOrchestration('ProcessOrder', function* (ctx, order) {
  const reserved = yield ctx.scheduleActivity('ReserveStock', order);
  const charged = yield ctx.scheduleActivityWithRetry('ChargeCard', order, {
    maxAttempts: 3,
    backoff: 'fixed',
  });
  ctx.setCustomStatus('waiting for warehouse approval');
  // Queue messages wait until dequeued, so an approval sent early is never lost.
  const approval = yield ctx.race(ctx.dequeueEvent('approvals'), ctx.scheduleTimer(30_000));
  if (approval.index === 1) return { reserved, charged, shipped: 'not approved in time' };
  yield ctx.scheduleTimer(200); // a durable pause: survives restarts
  const shipped = yield ctx.scheduleActivity('Ship', order);
  return { reserved, charged, approvedBy: approval.value.by, shipped };
});

await runtime.start();
const client = new Client(provider);
const id = `order-${Date.now()}`;
await client.startOrchestration(id, 'ProcessOrder', {
  sku: 'durox-mug',
  qty: 2,
  amount: 24,
  address: 'Main St 1',
});
console.log(`started ${id} (store: ${dbPath})`);
await client.enqueueEvent(id, 'approvals', { by: 'warehouse' });

const status = await client.waitForOrchestration(id, 60_000);
console.log(`\n${id}: ${status.status}`);
console.log(JSON.stringify(status.output, null, 2));
console.log('\nhistory:');
for (const e of await provider.readHistory(id)) {
  const src = e.source_event_id ? ` <- ${e.source_event_id}` : '';
  const what =
    e.type === 'ActivityScheduled' ? ` ${e.name}` : e.type === 'QueueEventDelivered' ? ` ${e.name}` : '';
  console.log(`  ${String(e.event_id).padStart(3)} ${e.type}${what}${src}`);
}
await runtime.shutdown(1000);
await provider.close();
