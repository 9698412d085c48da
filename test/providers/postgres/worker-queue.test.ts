/**
 * PostgreSQL-only worker-queue cases (concurrent fetchers on a connection pool); the cases shared
 * with SQLite are in test/providers/shared/worker-queue.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { openPostgresProvider as openProvider, quoteIdent, rawClient } from '../../helpers/postgres.js';
import { activityItem, DEFAULT_ONLY } from './helpers.js';

describe('concurrency', () => {
  it('hands each item to exactly one of many concurrent fetchers', async () => {
    const provider = await openProvider(undefined, { poolSize: 8 });
    for (let id = 1; id <= 40; id++) await provider.enqueueWorkerWork(activityItem('i1', id));
    const seen: number[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (;;) {
          const lease = await provider.fetchWorkItem(30_000, DEFAULT_ONLY);
          if (lease === null) return;
          seen.push(lease.item.id);
          await provider.ackWorkItem(lease.lockToken, null);
        }
      }),
    );
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, n) => n + 1));
  });

  it('lets only one of two concurrent owners claim a new session', async () => {
    const provider = await openProvider(undefined, { poolSize: 4 });
    for (let id = 1; id <= 6; id++)
      await provider.enqueueWorkerWork(activityItem('i1', id, { session_id: 's' }));
    const owners = ['w1', 'w2'];
    const leases = await Promise.all(
      owners.map((ownerId) =>
        provider.fetchWorkItem(30_000, {
          tagFilter: { mode: 'defaultOnly' },
          session: { ownerId, lockTimeoutMs: 30_000 },
        }),
      ),
    );
    const winners = leases.filter((lease) => lease !== null);
    expect(winners.length).toBeGreaterThanOrEqual(1);
    const client = await rawClient();
    const sessions = await client.query(`SELECT worker_id FROM ${quoteIdent(provider.schema)}.sessions`);
    expect(sessions.rows).toHaveLength(1);
    const owner = sessions.rows[0].worker_id as string;
    const loser = owners.find((o) => o !== owner)!;
    expect(
      await provider.fetchWorkItem(30_000, {
        tagFilter: { mode: 'defaultOnly' },
        session: { ownerId: loser, lockTimeoutMs: 30_000 },
      }),
    ).toBeNull();
  });
});
