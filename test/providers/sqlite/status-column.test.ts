/**
 * `instances.status` (migration 000002) copies the current execution's status for listing; it
 * is backfilled by the migration and kept by triggers, whoever writes the executions.
 */
import { describe, expect, it } from 'vitest';
import { withBusyRetry } from '../../../src/providers/sqlite/busy-retry.js';
import { migrations } from '../../../src/providers/sqlite/generated/migrations.js';
import { migrateSqliteSchema } from '../../../src/providers/sqlite/migrate.js';
import { createInstance } from './admin-helpers.js';
import { openProvider, rawConnection, tempDbPath } from './helpers.js';

const retry = <T>(operation: string, attempt: () => T): Promise<T> => withBusyRetry(operation, 5000, attempt);

describe('instances.status', () => {
  it('is backfilled when a database with instances is migrated', async () => {
    const path = tempDbPath();
    const db = rawConnection(path);
    await migrateSqliteSchema(db, migrations.slice(0, 1), { retry });
    const instance = db.prepare(
      `INSERT INTO instances (instance_id, orchestration_name, current_execution_id, created_at, updated_at)
       VALUES (?, 'Old', ?, 1, 1)`,
    );
    const execution = db.prepare(
      'INSERT INTO executions (instance_id, execution_id, status, started_at) VALUES (?, ?, ?, 1)',
    );
    instance.run('continued', 2);
    execution.run('continued', 1, 'ContinuedAsNew');
    execution.run('continued', 2, 'Completed');
    instance.run('running', 1);
    execution.run('running', 1, 'Running');
    instance.run('failed', 1);
    execution.run('failed', 1, 'Failed');
    instance.run('no-execution-row', 1);

    const provider = await openProvider(path);
    const statuses = Object.fromEntries(
      (await provider.listInstances()).map((info) => [info.instanceId, info.status]),
    );
    expect(statuses).toEqual({
      continued: 'Completed',
      running: 'Running',
      failed: 'Failed',
      'no-execution-row': 'Running',
    });
    expect(await provider.countInstances({ status: 'Completed' })).toBe(1);
    expect(await provider.countInstances({ status: 'Running' })).toBe(2);
  });

  it('follows execution writes that bypass the ack (an older durox, a tool)', async () => {
    const path = tempDbPath();
    const provider = await openProvider(path);
    await createInstance(provider, { id: 'x' });
    const db = rawConnection(path);
    const status = (): unknown =>
      db.prepare("SELECT status FROM instances WHERE instance_id = 'x'").pluck().get();

    db.prepare("UPDATE executions SET status = 'Failed' WHERE instance_id = 'x'").run();
    expect(status()).toBe('Failed');
    expect(await provider.countInstances({ status: 'Failed' })).toBe(1);

    // A new execution becomes current: Running until its row exists, then that row's status.
    db.prepare("UPDATE instances SET current_execution_id = 2 WHERE instance_id = 'x'").run();
    expect(status()).toBe('Running');
    db.prepare(
      "INSERT INTO executions (instance_id, execution_id, status, started_at) VALUES ('x', 2, 'Completed', 1)",
    ).run();
    expect(status()).toBe('Completed');
    // Writes to a non-current execution do not change it.
    db.prepare("UPDATE executions SET status = 'Running' WHERE instance_id = 'x' AND execution_id = 1").run();
    expect(status()).toBe('Completed');
  });
});
