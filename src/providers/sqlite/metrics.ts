/**
 * Store-wide counts, queue depths and per-instance size figures. Each is one statement, so its
 * numbers come from one snapshot.
 */
import type Database from 'better-sqlite3';
import type { InstanceStats, QueueDepths, StoreActivity, SystemMetrics } from '../../core/provider.js';

// Status counts are range counts of idx_instances_status. The event and execution totals count
// whole tables (there is no smaller index to count), so they grow with the store.
const SELECT_SYSTEM_METRICS = `
  SELECT
    (SELECT count(*) FROM instances) AS totalInstances,
    (SELECT count(*) FROM executions) AS totalExecutions,
    (SELECT count(*) FROM instances WHERE status IN ('Running', 'ContinuedAsNew')) AS runningInstances,
    (SELECT count(*) FROM instances WHERE status = 'Completed') AS completedInstances,
    (SELECT count(*) FROM instances WHERE status = 'Failed') AS failedInstances,
    (SELECT count(*) FROM history) AS totalEvents`;

// Ready orchestrator messages: visible, and their instance has no live lease (messages of a
// leased instance wait for its next turn). Timers: any orchestrator message not yet visible.
// Ready activities: visible and not under a live lock (never locked, or the lock expired).
const SELECT_QUEUE_DEPTHS = `
  SELECT
    (SELECT count(*) FROM orchestrator_queue AS q
     WHERE q.visible_at <= @now AND NOT EXISTS (
       SELECT 1 FROM instance_locks AS l WHERE l.instance_id = q.instance_id AND l.locked_until > @now)
    ) AS orchestratorQueue,
    (SELECT count(*) FROM orchestrator_queue WHERE visible_at > @now) AS timerQueue,
    (SELECT count(*) FROM worker_queue WHERE lock_token IS NULL AND visible_at <= @now)
    + (SELECT count(*) FROM worker_queue
       WHERE lock_token IS NOT NULL AND locked_until <= @now AND visible_at <= @now) AS workerQueue`;

// In progress: visible messages and activities, held instance leases, locked activities (an
// expired lock counts too: its activity is visible again). Next due: the earliest delayed
// message of either queue (aggregate min: it skips an empty queue's NULL).
const SELECT_STORE_ACTIVITY = `
  SELECT
    (SELECT count(*) FROM orchestrator_queue WHERE visible_at <= @now)
    + (SELECT count(*) FROM instance_locks WHERE locked_until > @now)
    + (SELECT count(*) FROM worker_queue WHERE visible_at <= @now OR lock_token IS NOT NULL) AS inProgress,
    (SELECT min(due) FROM (
       SELECT min(visible_at) AS due FROM orchestrator_queue WHERE visible_at > @now
       UNION ALL
       SELECT min(visible_at) FROM worker_queue WHERE visible_at > @now AND lock_token IS NULL)
    ) AS nextDueAtMs`;

// Sizes in bytes of UTF-8 text (CAST AS BLOB; length() of text counts characters). The carried
// messages are the `carry_forward_events` of the execution's first event (its
// OrchestrationStarted); json_valid guards against a corrupt row failing the whole query. KV
// figures are of the live view: committed values not shadowed by the delta, plus delta values.
const SELECT_INSTANCE_STATS = `
  WITH live AS (
    SELECT s.value FROM kv_store AS s
    WHERE s.instance_id = @instanceId
      AND NOT EXISTS (SELECT 1 FROM kv_delta AS d WHERE d.instance_id = s.instance_id AND d.key = s.key)
    UNION ALL
    SELECT value FROM kv_delta WHERE instance_id = @instanceId AND value IS NOT NULL)
  SELECT
    (SELECT count(*) FROM history AS h
     WHERE h.instance_id = i.instance_id AND h.execution_id = i.current_execution_id) AS historyEventCount,
    (SELECT coalesce(sum(length(CAST(h.event_data AS BLOB))), 0) FROM history AS h
     WHERE h.instance_id = i.instance_id AND h.execution_id = i.current_execution_id) AS historySizeBytes,
    coalesce((
      SELECT CASE WHEN json_valid(h.event_data)
                  THEN json_array_length(h.event_data, '$.carry_forward_events') END
      FROM history AS h
      WHERE h.instance_id = i.instance_id AND h.execution_id = i.current_execution_id
      ORDER BY h.event_id LIMIT 1), 0) AS queuePendingCount,
    (SELECT count(*) FROM live) AS kvUserKeyCount,
    (SELECT coalesce(sum(length(CAST(value AS BLOB))), 0) FROM live) AS kvTotalValueBytes
  FROM instances AS i
  WHERE i.instance_id = @instanceId`;

/** Metrics statements on one connection. */
export class StoreMetrics {
  private readonly selectSystemMetrics;
  private readonly selectQueueDepths;
  private readonly selectInstanceStats;
  private readonly selectStoreActivity;

  constructor(db: Database.Database) {
    this.selectSystemMetrics = db.prepare<[], SystemMetrics>(SELECT_SYSTEM_METRICS);
    this.selectQueueDepths = db.prepare<{ now: number }, QueueDepths>(SELECT_QUEUE_DEPTHS);
    this.selectInstanceStats = db.prepare<{ instanceId: string }, InstanceStats>(SELECT_INSTANCE_STATS);
    this.selectStoreActivity = db.prepare<{ now: number }, StoreActivity>(SELECT_STORE_ACTIVITY);
  }

  systemMetrics(): SystemMetrics {
    return this.selectSystemMetrics.get()!;
  }

  queueDepths(now: number): QueueDepths {
    return this.selectQueueDepths.get({ now })!;
  }

  storeActivity(now: number): StoreActivity {
    return this.selectStoreActivity.get({ now })!;
  }

  /** Size figures of the instance, or null when it does not exist. */
  instanceStats(instanceId: string): InstanceStats | null {
    return this.selectInstanceStats.get({ instanceId }) ?? null;
  }
}
