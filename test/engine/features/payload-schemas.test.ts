/**
 * Zod schemas on definitions through the real runtime (SQLite file; PostgreSQL in the
 * engine-on-postgres project): a payload that fails its schema fails the step with a
 * non-retried application error naming the field, and `client.start` refuses a bad input
 * before anything is written.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createHarness } from '../../helpers/runtime-harness.js';
import {
  defineActivity,
  defineOrchestration,
  isDuroxError,
  PayloadValidationError,
} from '../../../src/index.js';
import type { ApplicationErrorDetails, HistoryEvent } from '../../../src/index.js';

const OrderSchema = z.object({
  sku: z.string().min(1),
  items: z.array(z.object({ qty: z.number().int().positive() })),
});
type OrderIn = z.input<typeof OrderSchema>;

const RETRY = { maxAttempts: 3, backoff: 'none' } as const;

function activityEvents(history: HistoryEvent[], name: string): HistoryEvent[] {
  const ids = new Set(
    history.filter((e) => e.type === 'ActivityScheduled' && e.name === name).map((e) => e.event_id),
  );
  return history.filter(
    (e) => ids.has(e.event_id) || (e.source_event_id !== undefined && ids.has(e.source_event_id)),
  );
}

describe('payload schemas (file SQLite)', () => {
  it('an activity input that fails its schema fails once, is not retried, and names the field', async () => {
    const h = await createHarness();
    let calls = 0;
    const charge = defineActivity({ name: 'Charge', input: OrderSchema }, async (_ctx, order) => {
      calls += 1;
      return order.items.length;
    });
    const checkout = defineOrchestration('Checkout', function* (ctx, order: OrderIn) {
      return yield* ctx.run(charge, order, { retry: RETRY });
    });
    const client = h.runtime.register(charge, checkout).client();
    await h.runtime.start();
    await client.start(checkout, 'bad-item', { sku: 'mug', items: [{ qty: 1 }, { qty: -2 }] });
    const status = await client.waitFor(checkout, 'bad-item', 10_000);
    expect(status.status).toBe('Failed');
    const message = 'activity "Charge": invalid input at items.1.qty: Number must be greater than 0';
    expect(status).toMatchObject({ error: message });
    expect(calls).toBe(0);
    // One attempt only: the retry policy stops at a non-retryable failure.
    const events = activityEvents(await h.history('bad-item'), 'Charge');
    expect(events.map((e) => e.type)).toEqual(['ActivityScheduled', 'ActivityFailed']);
    const failed = events[1] as Extract<HistoryEvent, { type: 'ActivityFailed' }>;
    expect(failed.details).toMatchObject({
      category: 'application',
      kind: 'ActivityFailed',
      type: 'PayloadValidationError',
      message,
      nonRetryable: true,
    });
  });

  it('a retried activity whose error is an ordinary one is still retried', async () => {
    const h = await createHarness();
    let calls = 0;
    const flaky = defineActivity({ name: 'Flaky', input: z.number() }, async (_ctx, n) => {
      calls += 1;
      if (calls < 3) throw new Error(`attempt ${calls} failed`);
      return n;
    });
    const run = defineOrchestration('RunFlaky', function* (ctx) {
      return yield* ctx.run(flaky, 7, { retry: RETRY });
    });
    const client = h.runtime.register(flaky, run).client();
    await h.runtime.start();
    await client.start(run, 'flaky');
    expect(await client.waitFor(run, 'flaky', 10_000)).toMatchObject({ status: 'Completed', output: 7 });
    expect(calls).toBe(3);
  });

  it('an activity result that fails the output schema fails the call without retries', async () => {
    const h = await createHarness();
    let calls = 0;
    const quote = defineActivity(
      { name: 'Quote', output: z.object({ price: z.number() }) },
      async (): Promise<{ price: number }> => {
        calls += 1;
        return { price: 'free' } as never;
      },
    );
    const caller = defineOrchestration('Caller', function* (ctx) {
      try {
        return yield* ctx.run(quote, undefined, { retry: RETRY });
      } catch (err) {
        return { caught: (err as Error).message, name: (err as Error).name };
      }
    });
    const client = h.runtime.register(quote, caller).client();
    await h.runtime.start();
    await client.start(caller, 'quote');
    expect(await client.waitFor(caller, 'quote', 10_000)).toMatchObject({
      status: 'Completed',
      output: {
        caught: 'activity "Quote": invalid output at price: Expected number, received string',
        name: 'PayloadValidationError',
      },
    });
    expect(calls).toBe(1);
  });

  it('schemas parse: the handler gets defaults and transforms, the caller the parsed output', async () => {
    const h = await createHarness();
    const shout = defineActivity(
      {
        name: 'Shout',
        input: z.object({ text: z.string(), times: z.number().default(2) }),
        output: z.string().transform((s) => s.toUpperCase()),
      },
      async (_ctx, input) => input.text.repeat(input.times),
    );
    const run = defineOrchestration(
      { name: 'Loud', input: z.object({ text: z.string().trim() }), output: z.object({ loud: z.string() }) },
      function* (ctx, input) {
        return { loud: yield* ctx.run(shout, { text: input.text }) };
      },
    );
    const client = h.runtime.register(shout, run).client();
    await h.runtime.start();
    await client.start(run, 'loud', { text: '  hey ' });
    expect(await client.waitFor(run, 'loud', 10_000)).toMatchObject({ output: { loud: 'HEYHEY' } });
    // The input is stored as the caller gave it; the receiver parses it.
    expect((await h.history('loud'))[0]).toMatchObject({ input: '{"text":"  hey "}' });
  });

  it('an orchestration input or output that fails its schema fails the instance, naming the field', async () => {
    const h = await createHarness();
    const total = defineOrchestration(
      { name: 'Total', input: OrderSchema, output: z.object({ total: z.number() }) },
      function* (ctx, order) {
        yield* ctx.scheduleTimer(1);
        const total = order.items.reduce((sum, item) => sum + item.qty, 0);
        return { total: order.sku === 'broken' ? String(total) : total } as { total: number };
      },
    );
    const client = h.runtime.register(total).client();
    await h.runtime.start();
    // Started through the untyped API, so only the orchestration itself checks the input.
    await h.client.startOrchestration('no-sku', 'Total', { items: [] });
    await client.start(total, 'broken', { sku: 'broken', items: [{ qty: 2 }] });
    const badInput = await client.waitFor(total, 'no-sku', 10_000);
    expect(badInput).toMatchObject({
      status: 'Failed',
      error: 'orchestration "Total": invalid input at sku: Required',
    });
    const badOutput = await client.waitFor(total, 'broken', 10_000);
    expect(badOutput).toMatchObject({
      status: 'Failed',
      error: 'orchestration "Total": invalid output at total: Expected number, received string',
    });
    for (const status of [badInput, badOutput]) {
      const details = (status as { failureDetails: ApplicationErrorDetails }).failureDetails;
      expect(details).toMatchObject({
        category: 'application',
        type: 'PayloadValidationError',
        nonRetryable: true,
      });
    }
    // The bad input failed before any code ran: nothing was scheduled.
    expect(await h.kinds('no-sku')).toEqual(['OrchestrationStarted', 'OrchestrationFailed']);
  });

  it('client.start refuses a bad input before anything is written', async () => {
    const h = await createHarness();
    const total = defineOrchestration({ name: 'Total', input: OrderSchema }, function* (_ctx, order) {
      return order.items.length;
    });
    const client = h.runtime.register(total).client();
    const bad = { sku: '', items: [] } as OrderIn;
    const error: unknown = await client.start(total, 'refused', bad).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(PayloadValidationError);
    expect(isDuroxError(error, 'INVALID_INPUT')).toBe(true);
    expect(error).toMatchObject({
      message: 'orchestration "Total": invalid input at sku: String must contain at least 1 character(s)',
      definitionKind: 'orchestration',
      definitionName: 'Total',
      payload: 'input',
      field: 'sku',
    });
    expect(await h.client.findInstance('refused')).toBeNull();
    expect(await h.client.listAllInstances()).toEqual([]);
  });

  it('a sub-orchestration input that fails the child schema fails the child; the parent sees it', async () => {
    const h = await createHarness();
    const child = defineOrchestration(
      { name: 'Child', input: z.object({ n: z.number() }) },
      function* (_ctx, input) {
        return input.n;
      },
    );
    const parent = defineOrchestration('Parent', function* (ctx) {
      try {
        return yield* ctx.runSubOrchestration(child, { n: 'one' } as never);
      } catch (err) {
        return (err as Error).message;
      }
    });
    const client = h.runtime.register(child, parent).client();
    await h.runtime.start();
    await client.start(parent, 'parent');
    expect(await client.waitFor(parent, 'parent', 10_000)).toMatchObject({
      status: 'Completed',
      output: 'orchestration "Child": invalid input at n: Expected number, received string',
    });
  });
});
