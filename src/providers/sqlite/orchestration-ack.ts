/**
 * The orchestration ack: everything one turn commits, in one IMMEDIATE transaction. Any failure
 * (lost lease, duplicate event id) throws inside the transaction, so nothing is written.
 */
import type { Clock } from '../../core/clock.js';
import type Database from 'better-sqlite3';
import { LockLostError } from '../../core/errors.js';
import { eagerEligible } from '../../core/eager-work.js';
import type {
  EagerWorkRequest,
  HeldCompletion,
  OrchestrationAck,
  WorkItemLease,
} from '../../core/provider.js';
import type { KvTables } from './kv.js';
import { instanceOfLockToken } from './lock-tokens.js';
import type { OrchestratorQueue } from './orchestrator-queue.js';
import type { WorkerQueue } from './worker-queue.js';

const SELECT_LEASE_EXPIRY =
  'SELECT locked_until FROM instance_locks WHERE instance_id = ? AND lock_token = ?';

// Creates the instance on its first ack, or refreshes name/version later. The first parent id
// sticks, a missing version keeps the stored one, and the execution id only moves forward.
const UPSERT_INSTANCE = `
  INSERT INTO instances (instance_id, orchestration_name, orchestration_version, current_execution_id,
                         created_at, updated_at, parent_instance_id)
  VALUES (@instanceId, @name, @version, @executionId, @now, @now, @parentId)
  ON CONFLICT (instance_id) DO UPDATE SET
    orchestration_name = excluded.orchestration_name,
    orchestration_version = coalesce(excluded.orchestration_version, orchestration_version),
    current_execution_id = max(current_execution_id, excluded.current_execution_id),
    parent_instance_id = coalesce(parent_instance_id, excluded.parent_instance_id),
    updated_at = excluded.updated_at`;

// Acks without metadata never create the instance; they only advance an existing one.
const TOUCH_INSTANCE = `
  UPDATE instances
  SET current_execution_id = max(current_execution_id, @executionId), updated_at = @now
  WHERE instance_id = @instanceId`;

// Creates the execution row (Running unless the ack reports a status) for existing instances
// only, and applies a reported status to an existing row. A Pending instance gets its first
// execution only from an ack that names the orchestration (its first turn), never from one
// that merely drops stray messages. `WHERE true` keeps the upsert parseable after
// INSERT … SELECT.
const UPSERT_EXECUTION = `
  INSERT INTO executions (instance_id, execution_id, status, output, started_at, completed_at)
  SELECT @instanceId, @executionId, coalesce(@status, 'Running'), @output, @now, @completedAt
  WHERE EXISTS (SELECT 1 FROM instances
                WHERE instance_id = @instanceId AND (@named OR status <> 'Pending')) AND true
  ON CONFLICT (instance_id, execution_id) DO UPDATE SET
    status = excluded.status, output = excluded.output, completed_at = excluded.completed_at
  WHERE @status IS NOT NULL`;

const INSERT_EVENT = `
  INSERT INTO history (instance_id, execution_id, event_id, event_type, event_data, created_at)
  VALUES (?, ?, ?, ?, ?, ?)`;

const SET_CUSTOM_STATUS = `
  UPDATE instances SET custom_status = ?, custom_status_version = custom_status_version + 1
  WHERE instance_id = ?`;

const DELETE_TAGGED = 'DELETE FROM orchestrator_queue WHERE instance_id = ? AND lock_token = ?';

const DELETE_LEASE = 'DELETE FROM instance_locks WHERE instance_id = ?';

// Held turns: the ack keeps the lease for the caller's next turn instead of releasing it.
const HOLD_LEASE = 'UPDATE instance_locks SET locked_until = ? WHERE instance_id = ? AND lock_token = ?';

// Messages for an execution that just ended can never be consumed (the engine drops completions
// and fired timers of an ended or older execution): a timer that lost a race would otherwise
// wait out its due time in the queue. Only items that carry the execution's id go; events,
// queue messages, cancels and starts are for the instance and stay (continue-as-new keeps them).
const DELETE_ENDED_EXECUTION_MESSAGES = `
  DELETE FROM orchestrator_queue
  WHERE instance_id = ?
    AND json_extract(work_item, '$.type') IN
        ('TimerFired', 'ActivityCompleted', 'ActivityFailed', 'SubOrchCompleted', 'SubOrchFailed')
    AND json_extract(work_item, '$.execution_id') = ?`;

// Messages that arrived during the turn become fetchable once the lease is gone.
const HAS_VISIBLE = 'SELECT 1 FROM orchestrator_queue WHERE instance_id = ? AND visible_at <= ? LIMIT 1';

const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['Completed', 'Failed', 'ContinuedAsNew']);

/** Whether the ack writes its execution's first event (the execution row is created with it). */
function startsExecution(ack: OrchestrationAck): boolean {
  return ack.historyDelta.length === 0 || ack.historyDelta[0]!.event_id === 1;
}

/** What an ack put on the queues, for in-process wake-ups after commit. */
export interface AckEffects {
  /** Orchestrator items visible now (new items, or 1 for messages that waited for the lease). */
  orchestratorReady: number;
  /** Earliest future visible time among the new orchestrator items, if any. */
  orchestratorDueAt: number | null;
  /** Activity items enqueued. */
  workerReady: number;
  /** The acked instance. */
  instanceId: string;
  /** The acked instance and every instance that received an orchestrator item. */
  touchedInstances: Set<string>;
  /** Activity items locked for the caller (eager dispatch); not counted in `workerReady`. */
  leases: WorkItemLease[];
  /** Set when the instance's lease was kept for the caller (held turns): its new expiry. */
  heldUntilMs?: number;
}

/** What `ackHeldTurn` did: committed the turn, or acked the activity alone and let go. */
export type HeldAckEffects =
  { committed: true; effects: AckEffects } | { committed: false; instanceId: string };

/** Orchestration-ack statements on one connection; prepared once. */
export class OrchestrationAckWriter {
  private readonly selectLeaseExpiry;
  private readonly upsertInstance;
  private readonly touchInstance;
  private readonly upsertExecution;
  private readonly insertEvent;
  private readonly setCustomStatus;
  private readonly deleteTagged;
  private readonly deleteLease;
  private readonly deleteEndedExecutionMessages;
  private readonly hasVisible;
  private readonly holdLease;
  private readonly ackTx;
  private readonly heldAckTx;

  constructor(
    db: Database.Database,
    private readonly kv: KvTables,
    private readonly orchestratorQueue: OrchestratorQueue,
    private readonly workerQueue: WorkerQueue,
    private readonly clock: Clock,
  ) {
    this.selectLeaseExpiry = db.prepare<[string, string], number>(SELECT_LEASE_EXPIRY).pluck();
    this.upsertInstance = db.prepare<{
      instanceId: string;
      name: string;
      version: string | null;
      executionId: number;
      now: number;
      parentId: string | null;
    }>(UPSERT_INSTANCE);
    this.touchInstance = db.prepare<{ instanceId: string; executionId: number; now: number }>(TOUCH_INSTANCE);
    this.upsertExecution = db.prepare<{
      instanceId: string;
      executionId: number;
      status: string | null;
      output: string | null;
      now: number;
      completedAt: number | null;
      named: number;
    }>(UPSERT_EXECUTION);
    this.insertEvent = db.prepare<[string, number, number, string, string, number]>(INSERT_EVENT);
    this.setCustomStatus = db.prepare<[string | null, string]>(SET_CUSTOM_STATUS);
    this.deleteTagged = db.prepare<[string, string]>(DELETE_TAGGED);
    this.deleteLease = db.prepare<[string]>(DELETE_LEASE);
    this.deleteEndedExecutionMessages = db.prepare<[string, number]>(DELETE_ENDED_EXECUTION_MESSAGES);
    this.hasVisible = db.prepare<[string, number], number>(HAS_VISIBLE).pluck();
    this.holdLease = db.prepare<[number, string, string]>(HOLD_LEASE);
    this.ackTx = db.transaction((token: string, ack: OrchestrationAck, eager?: EagerWorkRequest) =>
      this.ackRaw(token, ack, eager),
    );
    this.heldAckTx = db.transaction(
      (token: string, ack: OrchestrationAck, completed: HeldCompletion, eager: EagerWorkRequest) =>
        this.heldAckRaw(token, ack, completed, eager),
    );
  }

  /**
   * Commits a turn; `LockLostError` (nothing written) when the lease is unknown or expired.
   * With `eager`, also locks the turn's eligible new activity items for the caller.
   */
  ack(token: string, ack: OrchestrationAck, eager?: EagerWorkRequest): AckEffects {
    return this.ackTx.immediate(token, ack, eager);
  }

  /**
   * Held turns: commits the next turn of a kept lease together with the activity completion it
   * consumed, or — when the lease is gone or other messages wait — acks the activity alone and
   * releases the lease (see `QueueProvider.ackHeldTurn`).
   */
  heldAck(
    token: string,
    ack: OrchestrationAck,
    completed: HeldCompletion,
    eager: EagerWorkRequest,
  ): HeldAckEffects {
    return this.heldAckTx.immediate(token, ack, completed, eager);
  }

  private heldAckRaw(
    token: string,
    ack: OrchestrationAck,
    completed: HeldCompletion,
    eager: EagerWorkRequest,
  ): HeldAckEffects {
    const now = this.clock.now();
    // First: a lost activity lease means its result must not count, whatever the instance.
    this.workerQueue.consumeLocked(completed.workLockToken, now);
    const instanceId = completed.completion.instance;
    const live = instanceOfLockToken(token) === instanceId && this.leaseLive(instanceId, token, now);
    if (live && this.hasVisible.get(instanceId, now) === undefined) {
      return { committed: true, effects: this.applyTurn(instanceId, token, ack, now, eager) };
    }
    this.orchestratorQueue.insert(completed.completion, now, now);
    if (live) this.deleteLease.run(instanceId);
    return { committed: false, instanceId };
  }

  private leaseLive(instanceId: string, token: string, now: number): boolean {
    const lockedUntil = this.selectLeaseExpiry.get(instanceId, token);
    return lockedUntil !== undefined && lockedUntil > now;
  }

  private ackRaw(token: string, ack: OrchestrationAck, eager?: EagerWorkRequest): AckEffects {
    const now = this.clock.now();
    const instanceId = instanceOfLockToken(token);
    if (instanceId === null || !this.leaseLive(instanceId, token, now)) {
      throw new LockLostError(
        'orchestration lock expired or is unknown; the turn was not committed',
        instanceId === null ? {} : { instanceId },
      );
    }
    return this.applyTurn(instanceId, token, ack, now, eager);
  }

  /** Writes a turn under a lease the caller checked. */
  private applyTurn(
    instanceId: string,
    token: string,
    ack: OrchestrationAck,
    now: number,
    eager: EagerWorkRequest | undefined,
  ): AckEffects {
    this.writeInstance(instanceId, ack, now);
    this.writeExecution(instanceId, ack, now);
    for (const event of ack.historyDelta) {
      this.insertEvent.run(
        instanceId,
        ack.executionId,
        event.event_id,
        event.type,
        JSON.stringify(event),
        now,
      );
    }
    if (ack.customStatus !== undefined) this.setCustomStatus.run(ack.customStatus.status, instanceId);
    this.kv.applyMutations(instanceId, ack.kvMutations, now);
    if (ack.metadata.status !== undefined && TERMINAL_STATUSES.has(ack.metadata.status)) {
      this.kv.mergeDelta(instanceId);
      // Before this turn's new messages go in: none of them is touched.
      this.deleteEndedExecutionMessages.run(instanceId, ack.executionId);
    }
    const effects = this.enqueueWork(instanceId, ack, now, eager);
    this.deleteTagged.run(instanceId, token);
    const hold = eager?.holdInstanceMs;
    if (hold !== undefined && hold > 0 && ack.workerItems.length === 1 && effects.leases.length === 1) {
      // Held turn: the lease stays the caller's for its activity's completion. Messages that
      // arrive meanwhile wait for the next turn's ack (it lets go) or the lease's expiry.
      effects.heldUntilMs = now + hold;
      this.holdLease.run(effects.heldUntilMs, instanceId, token);
      return effects;
    }
    this.deleteLease.run(instanceId);
    if (this.hasVisible.get(instanceId, now) !== undefined) effects.orchestratorReady += 1;
    return effects;
  }

  private writeInstance(instanceId: string, ack: OrchestrationAck, now: number): void {
    const { orchestrationName, orchestrationVersion, parentInstanceId } = ack.metadata;
    if (orchestrationName === undefined) {
      this.touchInstance.run({ instanceId, executionId: ack.executionId, now });
      return;
    }
    this.upsertInstance.run({
      instanceId,
      name: orchestrationName,
      version: orchestrationVersion ?? null,
      executionId: ack.executionId,
      now,
      parentId: parentInstanceId ?? null,
    });
  }

  private writeExecution(instanceId: string, ack: OrchestrationAck, now: number): void {
    const status = ack.metadata.status ?? null;
    // A turn that reports no status and does not start the execution changes nothing here:
    // the row was written with the execution's first event (event 1), in that turn's ack.
    if (status === null && !startsExecution(ack)) return;
    this.upsertExecution.run({
      instanceId,
      executionId: ack.executionId,
      status,
      output: status === null ? null : (ack.metadata.output ?? null),
      now,
      completedAt: status !== null && TERMINAL_STATUSES.has(status) ? now : null,
      named: ack.metadata.orchestrationName === undefined ? 0 : 1,
    });
  }

  /**
   * Inserts worker items, then withdraws cancelled activities, then locks eligible items for an
   * eager caller, then inserts orchestrator items.
   */
  private enqueueWork(
    instanceId: string,
    ack: OrchestrationAck,
    now: number,
    eager: EagerWorkRequest | undefined,
  ): AckEffects {
    const effects: AckEffects = {
      orchestratorReady: 0,
      orchestratorDueAt: null,
      workerReady: ack.workerItems.length,
      instanceId,
      touchedInstances: new Set([instanceId]),
      leases: [],
    };
    const rowIds = ack.workerItems.map((item) => this.workerQueue.insert(item, now));
    // After the inserts, so an activity scheduled and cancelled in one turn never runs.
    for (const id of ack.cancelledActivities)
      this.workerQueue.withdraw(id.instanceId, id.executionId, id.activityId);
    if (eager !== undefined) {
      // Eager dispatch: lock what the caller's idle slots can start, in this transaction (a
      // withdrawn row is gone and yields no lease). The rest stays queued for any worker.
      for (let i = 0; i < ack.workerItems.length && effects.leases.length < eager.maxItems; i++) {
        if (!eagerEligible(ack.workerItems[i]!, eager)) continue;
        const lease = this.workerQueue.lockInserted(rowIds[i]!, eager.lockTimeoutMs, now);
        if (lease !== null) effects.leases.push(lease);
      }
      effects.workerReady -= effects.leases.length;
    }
    for (const { item, visibleAtMs } of ack.orchestratorItems) {
      const visibleAt = visibleAtMs ?? now;
      this.orchestratorQueue.insert(item, visibleAt, now);
      effects.touchedInstances.add(item.instance);
      if (visibleAt <= now) effects.orchestratorReady += 1;
      else if (effects.orchestratorDueAt === null || visibleAt < effects.orchestratorDueAt) {
        effects.orchestratorDueAt = visibleAt;
      }
    }
    return effects;
  }
}
