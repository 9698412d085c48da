/**
 * Group commit. Every provider operation is a short synchronous transaction, and on a file most
 * of its cost is writing each touched page to the WAL at commit. Operations issued in the same
 * event-loop turn (acks and fetches of several dispatcher loops) are run together in one
 * IMMEDIATE transaction, each in its own savepoint: pages they share (queue indexes, the lock
 * table) are written once, and there is one commit instead of many. An operation that fails
 * rolls back to its savepoint only, so the others still commit.
 */
import type Database from 'better-sqlite3';
import { isBusyError, toProviderError, withBusyRetry } from './busy-retry.js';

interface Pending {
  operation: string;
  attempt: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Result = { ok: true; value: unknown } | { ok: false; error: unknown };

export class GroupCommitter {
  private pending: Pending[] = [];
  private scheduled = false;
  // Made once: better-sqlite3 builds four wrapper functions per db.transaction() call, which
  // cost more than the SAVEPOINT itself when done per operation.
  private readonly batchTx: Database.Transaction<(batch: Pending[]) => Result[]>;
  private readonly savepoint: Database.Transaction<(attempt: () => unknown) => unknown>;

  /**
   * @param onBatchFailure called when a whole batch failed to commit, so in-process caches
   *   that may have seen its uncommitted writes can be dropped.
   */
  constructor(
    db: Database.Database,
    private readonly deadlineMs: number,
    private readonly onBatchFailure: () => void,
  ) {
    this.batchTx = db.transaction((batch: Pending[]) => batch.map((op) => this.runOne(op)));
    this.savepoint = db.transaction((attempt: () => unknown) => attempt());
  }

  /** Queues `attempt` (re-runnable; it may run inside a savepoint) for the next batch. */
  run<T>(operation: string, attempt: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ operation, attempt, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    this.scheduled = false;
    if (batch.length === 1) {
      const only = batch[0]!;
      await withBusyRetry(only.operation, this.deadlineMs, only.attempt).then(only.resolve, only.reject);
      return;
    }
    let results: Result[] = [];
    try {
      await withBusyRetry('group commit', this.deadlineMs, () => {
        results = this.batchTx.immediate(batch);
      });
    } catch (err) {
      this.onBatchFailure();
      for (const op of batch) op.reject(toProviderError(op.operation, err));
      return;
    }
    batch.forEach((op, i) => {
      const result = results[i]!;
      if (result.ok) op.resolve(result.value);
      else op.reject(result.error);
    });
  }

  /** Runs one operation in a savepoint; busy errors abort the whole batch (retried as a unit). */
  private runOne(op: Pending): Result {
    try {
      return { ok: true, value: this.savepoint(op.attempt) };
    } catch (err) {
      if (isBusyError(err)) throw err;
      return { ok: false, error: toProviderError(op.operation, err) };
    }
  }
}
