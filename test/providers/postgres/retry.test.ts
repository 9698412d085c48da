import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isDuroxError, LockLostError, type ProviderError } from '../../../src/core/errors.js';
import { retryRuleOf, toProviderError, withRetries } from '../../../src/providers/postgres/retry.js';
import { openPostgresProvider as openProvider, quoteIdent, rawClient } from '../../helpers/postgres.js';
import { errorOf, externalItem, fetchOrchestration, startItem } from './helpers.js';

const pgError = (code: string, message = `simulated ${code}`): Error =>
  Object.assign(new Error(message), { code });

describe('error classification', () => {
  it.each([
    ['40001', true, 'deadlock'],
    ['40P01', true, 'deadlock'],
    ['55P03', true, 'timeout'],
    ['57P01', true, 'connection'],
    ['57P02', true, 'connection'],
    ['57P03', true, 'connection'],
    ['08006', true, 'connection'],
    ['08001', true, 'connection'],
    ['53300', true, 'connection'],
    ['57014', true, 'timeout'],
    ['23505', false, 'other'],
    ['23502', false, 'other'],
    ['42P01', false, 'other'],
    ['P0001', false, 'other'],
  ])('SQLSTATE %s is retryable: %s, a failure of type %s', (code, retryable, type) => {
    const mapped = toProviderError('op', pgError(code)) as ProviderError;
    expect(isDuroxError(mapped, 'PROVIDER')).toBe(true);
    expect(mapped.retryable).toBe(retryable);
    expect(mapped.errorType).toBe(type);
    expect(mapped.message).toContain(code);
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH'])(
    'errno %s is retryable',
    (code) => {
      const mapped = toProviderError('op', pgError(code)) as ProviderError;
      expect(mapped.retryable).toBe(true);
      expect(mapped.errorType).toBe('connection');
    },
  );

  it('recognises connection failures node-postgres reports by message, and aggregate errors', () => {
    expect(retryRuleOf(new Error('Connection terminated unexpectedly'))?.discardConnection).toBe(true);
    expect(retryRuleOf(new Error('timeout exceeded when trying to connect'))).toBeDefined();
    expect(retryRuleOf(new AggregateError([pgError('ECONNREFUSED')], 'connect failed'))).toBeDefined();
    expect(retryRuleOf(new Error('cached plan must not change result type'))?.discardConnection).toBe(true);
    expect(retryRuleOf(new TypeError('x is not a function'))).toBeUndefined();
  });

  it('passes durox errors through unchanged', () => {
    const lost = new LockLostError('gone');
    expect(toProviderError('op', lost)).toBe(lost);
  });
});

describe('withRetries', () => {
  it('retries serialization failures and deadlocks, then succeeds', async () => {
    let attempts = 0;
    const result = await withRetries('op', 5, async () => {
      attempts++;
      if (attempts === 1) throw pgError('40001');
      if (attempts === 2) throw pgError('40P01');
      return 'done';
    });
    expect(result).toBe('done');
    expect(attempts).toBe(3);
  });

  it('gives up after maxRetries with a retryable ProviderError', async () => {
    let attempts = 0;
    const err = await errorOf(
      withRetries('op', 2, async () => {
        attempts++;
        throw pgError('40001');
      }),
    );
    expect(attempts).toBe(3);
    expect((err as ProviderError).retryable).toBe(true);
    expect((err as Error).message).toMatch(/^op: serialization failure/);
  });

  it('does not retry permanent errors or durox errors', async () => {
    let attempts = 0;
    const err = await errorOf(
      withRetries('op', 5, async () => {
        attempts++;
        throw pgError('23505', 'duplicate key value violates unique constraint');
      }),
    );
    expect(attempts).toBe(1);
    expect((err as ProviderError).retryable).toBe(false);
    attempts = 0;
    const lost = await errorOf(
      withRetries('op', 5, async () => {
        attempts++;
        throw new LockLostError('gone');
      }),
    );
    expect(attempts).toBe(1);
    expect(isDuroxError(lost, 'LOCK_LOST')).toBe(true);
  });
});

describe('transient failures against the server', () => {
  /**
   * Makes the next `failures` inserts into the schema's orchestrator queue fail with SQLSTATE
   * `code` (a sequence counts attempts, since it is not rolled back with the failed statement).
   */
  async function failInserts(schema: string, code: string, failures: number): Promise<void> {
    const client = await rawClient();
    const s = quoteIdent(schema);
    await client.query(`CREATE SEQUENCE ${s}.test_attempts`);
    await client.query(`
      CREATE FUNCTION ${s}.test_fail_insert() RETURNS trigger LANGUAGE plpgsql AS $body$
      BEGIN
        IF nextval('${s.replaceAll("'", "''")}.test_attempts') <= ${failures} THEN
          RAISE EXCEPTION 'simulated failure' USING ERRCODE = '${code}';
        END IF;
        RETURN NEW;
      END
      $body$`);
    await client.query(`
      CREATE TRIGGER test_fail_insert BEFORE INSERT ON ${s}.orchestrator_queue
      FOR EACH ROW EXECUTE FUNCTION ${s}.test_fail_insert()`);
  }

  async function attempts(schema: string): Promise<number> {
    const client = await rawClient();
    const result = await client.query(`SELECT last_value::int AS n FROM ${quoteIdent(schema)}.test_attempts`);
    return result.rows[0].n as number;
  }

  it('retries a serialization failure inside the provider; the write happens once', async () => {
    const provider = await openProvider();
    await failInserts(provider.schema, '40001', 2);
    await provider.enqueueOrchestratorWork(startItem('i1'));
    expect(await attempts(provider.schema)).toBe(3);
    expect((await fetchOrchestration(provider)).messages).toEqual([startItem('i1')]);
    expect(await provider.fetchOrchestrationItem(1000)).toBeNull();
  });

  it('retries deadlocks, and surfaces a retryable error once retries are used up', async () => {
    const provider = await openProvider(undefined, { maxRetries: 1 });
    await failInserts(provider.schema, '40P01', 5);
    const err = await errorOf(provider.enqueueOrchestratorWork(startItem('i1')));
    expect(isDuroxError(err, 'PROVIDER')).toBe(true);
    expect((err as ProviderError).retryable).toBe(true);
    expect((err as ProviderError).operation).toBe('enqueueOrchestratorWork');
    expect((err as ProviderError).errorType).toBe('deadlock');
    expect(await attempts(provider.schema)).toBe(2);
  });

  it('does not retry a permanent failure', async () => {
    const provider = await openProvider();
    await failInserts(provider.schema, '23514', 5);
    const err = await errorOf(provider.enqueueOrchestratorWork(startItem('i1')));
    expect((err as ProviderError).retryable).toBe(false);
    expect((err as ProviderError).errorType).toBe('other');
    expect(await attempts(provider.schema)).toBe(1);
  });

  it('recovers when the server terminates its connections (pg_terminate_backend)', async () => {
    const applicationName = `durox-kill-${randomBytes(3).toString('hex')}`;
    const provider = await openProvider(undefined, { applicationName, poolSize: 4 });
    const admin = await rawClient();
    for (let round = 0; round < 5; round++) {
      await provider.enqueueOrchestratorWork(externalItem(`i${round}`));
      const killed = await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
        [applicationName],
      );
      expect(killed.rowCount).toBeGreaterThanOrEqual(1);
      // Immediately: the pool may still hold the dead connections.
      const item = await provider.fetchOrchestrationItem(30_000);
      expect(item?.instanceId).toBe(`i${round}`);
      await provider.abandonOrchestrationItem(item!.lockToken, 60_000);
    }
  });

  it('reports a statement timeout as a retryable error without retrying it', async () => {
    const provider = await openProvider(undefined, { statementTimeoutMs: 100 });
    const blocker = await rawClient();
    await blocker.query('BEGIN');
    await blocker.query(
      `LOCK TABLE ${quoteIdent(provider.schema)}.orchestrator_queue IN ACCESS EXCLUSIVE MODE`,
    );
    const started = Date.now();
    const err = await errorOf(provider.enqueueOrchestratorWork(startItem('i1')));
    await blocker.query('ROLLBACK');
    expect((err as ProviderError).retryable).toBe(true);
    expect((err as Error).message).toMatch(/statement timeout/);
    expect((err as ProviderError).errorType).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(5000);
    await provider.enqueueOrchestratorWork(startItem('i1'));
  });
});
