/**
 * Client starts in batches (createInstance coalesced into `create_instances`, migration 000006):
 * thousands of starts at once through a small pool each create their instance exactly once, a
 * batch is one NOTIFY, an id repeated in a batch is created by its first request, and a start
 * the server rejects fails alone.
 *
 * How batches form (batcher.ts): the first two calls leave at once, one each (two batches in
 * flight); calls made meanwhile queue and leave together, up to 64, when one of those returns.
 * The NOTIFYs a raw LISTEN connection sees show which calls shared a transaction.
 */
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { isDuroxError, isRetryable } from '../../../src/core/errors.js';
import { Client } from '../../../src/index.js';
import { createTestSchema, openPostgresProvider, quoteIdent, rawClient } from '../../helpers/postgres.js';
import { eventually } from '../../helpers/eventually.js';

/** The instance lists of the schema's NOTIFYs, as they arrive. */
interface Announcements {
  readonly batches: string[][];
  /** Every instance named so far, with how often. */
  named(): Map<string, number>;
}

/** LISTENs on the schema's channel (created when the first provider migrated it). */
async function listen(schema: string): Promise<Announcements> {
  const client = await rawClient();
  const channel = (
    await client.query<{ channel: string }>("SELECT 'durox_' || left(md5($1::text), 24) AS channel", [schema])
  ).rows[0]!.channel;
  const batches: string[][] = [];
  client.on('notification', (message: pg.Notification) => {
    const payload = JSON.parse(message.payload ?? '{}') as { i?: string[] | '*' };
    if (Array.isArray(payload.i)) batches.push(payload.i);
  });
  await client.query(`LISTEN ${channel}`);
  return {
    batches,
    named() {
      const counts = new Map<string, number>();
      for (const id of batches.flat()) counts.set(id, (counts.get(id) ?? 0) + 1);
      return counts;
    },
  };
}

/** Instance rows and queued start messages of `schema`. */
async function stored(schema: string): Promise<{
  instances: { instance_id: string; status: string; orchestration_name: string }[];
  starts: Map<string, { input: string }[]>;
}> {
  const client = await rawClient();
  const instances = await client.query<{ instance_id: string; status: string; orchestration_name: string }>(
    `SELECT instance_id, status, orchestration_name FROM ${quoteIdent(schema)}.instances ORDER BY instance_id`,
  );
  const queue = await client.query<{ instance_id: string; work_item: string }>(
    `SELECT instance_id, work_item FROM ${quoteIdent(schema)}.orchestrator_queue ORDER BY id`,
  );
  const starts = new Map<string, { input: string }[]>();
  for (const row of queue.rows) {
    const item = JSON.parse(row.work_item) as { type: string; input: string };
    expect(item.type).toBe('StartOrchestration');
    starts.set(row.instance_id, [...(starts.get(row.instance_id) ?? []), { input: item.input }]);
  }
  return { instances: instances.rows, starts };
}

describe('client starts in batches', () => {
  it('3,000 starts at once through a pool of 2 each create their instance exactly once', async () => {
    const schema = createTestSchema();
    // Before batching, each start waited for one of the 2 connections and the late ones gave up
    // after connectionTimeoutMs.
    const provider = await openPostgresProvider(schema, { poolSize: 2, connectionTimeoutMs: 1000 });
    const announced = await listen(schema);
    const client = new Client(provider);
    const ids = Array.from({ length: 3000 }, (_, n) => `many-${n}`);

    const created = await Promise.all(ids.map((id, n) => client.tryStartOrchestration(id, 'Sequential', n)));

    expect(created.every((flag) => flag)).toBe(true);
    const { instances, starts } = await stored(schema);
    expect(instances.map((row) => row.instance_id).sort()).toEqual([...ids].sort());
    expect(
      instances.every((row) => row.status === 'Pending' && row.orchestration_name === 'Sequential'),
    ).toBe(true);
    expect(starts.size).toBe(ids.length);
    ids.forEach((id, n) => expect(starts.get(id)).toEqual([{ input: JSON.stringify(n) }]));
    // Every instance announced once, in far fewer NOTIFYs (one per batch) than starts.
    const named = await eventually(() => {
      const counts = announced.named();
      return counts.size === ids.length && counts;
    }, 'every created instance to be announced');
    expect([...named.values()].every((count) => count === 1)).toBe(true);
    expect(announced.batches.length).toBeLessThanOrEqual(2 + Math.ceil((ids.length - 2) / 64) + 2);
  });

  it('a start of an id taken earlier in the same batch gets false; the first one is stored', async () => {
    const schema = createTestSchema();
    const provider = await openPostgresProvider(schema);
    const announced = await listen(schema);
    const client = new Client(provider);
    // Two calls that leave alone, then 40 that queue behind them and leave as one batch:
    // 10 ids, each started 4 times with different inputs.
    const calls = [
      { id: 'lone-a', input: 'a' },
      { id: 'lone-b', input: 'b' },
      ...Array.from({ length: 40 }, (_, n) => ({ id: `dup-${n % 10}`, input: `call-${n}` })),
    ];

    const created = await Promise.all(
      calls.map((c) => client.tryStartOrchestration(c.id, 'Greeter', c.input)),
    );

    // Three NOTIFYs, in commit order: the two lone starts and the batch.
    await eventually(() => announced.batches.length === 3, 'the three NOTIFYs');
    const sizes = announced.batches.map((ids) => ids.length).sort((a, b) => a - b);
    expect(sizes).toEqual([1, 1, 10]);
    expect(announced.batches.flat().sort()).toEqual(
      ['lone-a', 'lone-b', ...Array.from({ length: 10 }, (_, n) => `dup-${n}`)].sort(),
    );
    // Within the batch, the first call of each id (calls 2–11) created it; the others got false.
    expect(created).toEqual([true, true, ...calls.slice(2).map((_, n) => n < 10)]);
    const { instances, starts } = await stored(schema);
    expect(instances).toHaveLength(12);
    for (let n = 0; n < 10; n++) {
      expect(starts.get(`dup-${n}`)).toEqual([{ input: JSON.stringify(`call-${n}`) }]);
    }
    // A later start of a taken id is refused too, and writes nothing.
    expect(await client.tryStartOrchestration('dup-3', 'Greeter', 'late')).toBe(false);
    expect((await stored(schema)).starts.get('dup-3')).toEqual([{ input: JSON.stringify('call-3') }]);
  });

  it('two processes starting the same ids in opposite orders create each once', async () => {
    const schema = createTestSchema();
    const providers = await Promise.all([0, 1].map(() => openPostgresProvider(schema, { poolSize: 2 })));
    const ids = Array.from({ length: 500 }, (_, n) => `shared-${String(n).padStart(3, '0')}`);
    const orders = [ids, [...ids].reverse()];

    const created = await Promise.all(
      providers.map((provider, p) => {
        const client = new Client(provider);
        return Promise.all(orders[p]!.map((id) => client.tryStartOrchestration(id, 'Greeter', p)));
      }),
    );

    // Both answers of an id, wherever its two calls fell in their batches: exactly one true.
    const winners = ids.map((id, n) => Number(created[0]![n]) + Number(created[1]![ids.length - 1 - n]));
    expect(winners.every((count) => count === 1)).toBe(true);
    const { instances, starts } = await stored(schema);
    expect(instances).toHaveLength(ids.length);
    for (const [n, id] of ids.entries()) {
      const winner = created[0]![n] ? 0 : 1;
      expect(starts.get(id)).toEqual([{ input: JSON.stringify(winner) }]);
    }
  });

  it('a start the server rejects fails alone; the rest of its batch is created', async () => {
    const schema = createTestSchema();
    const provider = await openPostgresProvider(schema);
    const announced = await listen(schema);
    const client = new Client(provider);
    // PostgreSQL text cannot hold U+0000: the name of call 12 fails the whole batch it is in.
    const calls = ['lone-a', 'lone-b', ...Array.from({ length: 20 }, (_, n) => `batch-${n}`)].map(
      (id, n) => ({ id, name: n === 12 ? 'Bad\u0000Name' : 'Greeter' }),
    );

    const outcomes = await Promise.allSettled(calls.map((c) => client.tryStartOrchestration(c.id, c.name)));

    const failure = outcomes[12];
    expect(failure?.status).toBe('rejected');
    const reason = (failure as PromiseRejectedResult).reason as unknown;
    expect(isDuroxError(reason, 'PROVIDER')).toBe(true);
    expect(isRetryable(reason)).toBe(false);
    expect(String(reason)).toMatch(/createInstance/);
    outcomes.forEach((outcome, n) => {
      if (n !== 12) expect(outcome).toEqual({ status: 'fulfilled', value: true });
    });
    const goodIds = calls.filter((_, n) => n !== 12).map((c) => c.id);
    const { instances, starts } = await stored(schema);
    expect(instances.map((row) => row.instance_id).sort()).toEqual([...goodIds].sort());
    expect([...starts.keys()].sort()).toEqual([...goodIds].sort());
    // The failed batch was rolled back whole and its other calls ran again one by one: each
    // is announced alone, once.
    const named = await eventually(() => {
      const counts = announced.named();
      return counts.size === goodIds.length && counts;
    }, 'every created instance to be announced');
    expect([...named.values()].every((count) => count === 1)).toBe(true);
    expect(announced.batches.every((ids) => ids.length === 1)).toBe(true);
  });

  it('create_instance, which older durox versions call, still creates and announces one', async () => {
    const schema = createTestSchema();
    const provider = await openPostgresProvider(schema);
    const announced = await listen(schema);
    const raw = await rawClient();
    const call = async (id: string, input: string): Promise<boolean> => {
      const item = JSON.stringify({
        type: 'StartOrchestration',
        instance: id,
        orchestration: 'Greeter',
        input,
      });
      const result = await raw.query<{ created: boolean }>(
        `SELECT ${quoteIdent(schema)}.create_instance($1, $2, 'Greeter', NULL, $3, 'old-process') AS created`,
        [Date.now(), id, item],
      );
      return result.rows[0]!.created;
    };

    expect(await call('old-1', 'first')).toBe(true);
    expect(await call('old-1', 'second')).toBe(false);

    await eventually(() => announced.batches.length === 1, 'the NOTIFY of the start');
    expect(announced.batches).toEqual([['old-1']]);
    expect((await stored(schema)).starts.get('old-1')).toEqual([{ input: 'first' }]);
    expect((await provider.getInstanceInfo('old-1'))?.status).toBe('Pending');
  });
});
