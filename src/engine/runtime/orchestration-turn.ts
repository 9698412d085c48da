/**
 * Plans one orchestration turn from a fetched batch: decides whether to run the code, drop the
 * batch, poison it or retry later, and builds the ack. No I/O happens here.
 */
import { randomUUID } from 'node:crypto';
import { ExecutionState } from '../replay/execution.js';
import type {
  ExecutionOutcome,
  OrchestrationHandler,
  StepGuardFactory,
  TraceSink,
} from '../replay/execution.js';
import { DUROX_VERSION, isTerminal } from '../../core/history.js';
import type {
  ContinueAsNewItem,
  EventKinds,
  HistoryEvent,
  OrchestratorWorkItem,
  StartOrchestrationItem,
} from '../../core/history.js';
import type { ErrorDetails } from '../../core/failure.js';
import type { OrchestrationRegistry } from '../registry.js';
import type { OrchestrationAck, OrchestrationItem } from '../../core/provider.js';
import type { InstanceCache } from './instance-cache.js';
import type { CompiledRuntimeOptions } from './runtime-options.js';
import { unregisteredDelayMs } from './runtime-options.js';
import { buildAck, parentNotification } from './turn-ack.js';
import type { TurnTrace } from './turn-tracing.js';
import type { ExecutionInitiator } from './observers.js';

export type TurnPlan =
  | {
      kind: 'ack';
      ack: OrchestrationAck;
      /** Present when code ran: the execution to cache after a successful ack. */
      exec?: ExecutionState;
      handler?: OrchestrationHandler;
      outcome?: ExecutionOutcome;
      /** True when this turn started a new instance (not a continue-as-new). */
      newInstance?: boolean;
      /** Set when this turn began an execution: what began it. */
      initiatedBy?: ExecutionInitiator;
    }
  | {
      kind: 'abandon';
      delayMs: number;
      reason: string;
      /** Set when the orchestration (or this version) is not registered here. */
      missing?: { name: string; version: string | null };
    };

/** A turn to commit. */
export type AckPlan = Extract<TurnPlan, { kind: 'ack' }>;

type Started = EventKinds['OrchestrationStarted'];

/** An ack that only consumes the batch (orphans, messages for finished instances). */
export function discardAck(executionId: number): OrchestrationAck {
  return {
    executionId,
    historyDelta: [],
    workerItems: [],
    orchestratorItems: [],
    cancelledActivities: [],
    metadata: {},
    kvMutations: [],
  };
}

export class TurnPlanner {
  constructor(
    private readonly registry: OrchestrationRegistry,
    private readonly cache: InstanceCache,
    private readonly options: CompiledRuntimeOptions,
    private readonly trace: TraceSink,
    /** How poison messages say where unregistered code is missing (see WorkerDirectory). */
    private readonly missingWhere = 'on this worker',
    /** Wraps the code's steps (the determinism guard); none when `determinism: 'off'`. */
    private readonly guard?: StepGuardFactory,
  ) {}

  /** Plans the turn of `item`; `spans` (when tracing) opens the turn span and stamps new events. */
  plan(item: OrchestrationItem, now = this.options.clock.now(), spans: TurnTrace | null = null): TurnPlan {
    const history = item.history;
    if (item.attemptCount > this.options.maxAttempts) return this.poison(item, now);
    if (item.historyError !== undefined) {
      return { kind: 'abandon', delayMs: 1000, reason: `history could not be read: ${item.historyError}` };
    }

    const last = history.at(-1);
    const canItem = item.messages.find((m): m is ContinueAsNewItem => m.type === 'ContinueAsNew');
    const startItem = item.messages.find((m): m is StartOrchestrationItem => m.type === 'StartOrchestration');

    if (last?.type === 'OrchestrationContinuedAsNew' && canItem) {
      return this.begin(item, item.executionId + 1, this.startFromContinueAsNew(canItem), false, now, spans);
    }
    if (isTerminal(last)) return { kind: 'ack', ack: discardAck(item.executionId) };
    if (history.length === 0) {
      // Messages for an instance that was never started are dropped (orphans never block work).
      if (!startItem) return { kind: 'ack', ack: discardAck(item.executionId) };
      return this.begin(item, item.executionId, this.startFromItem(startItem), true, now, spans);
    }
    return this.resume(item, now, spans);
  }

  private startFromItem(start: StartOrchestrationItem): Omit<Started, 'version'> & { version?: string } {
    return {
      name: start.orchestration,
      input: start.input,
      ...(start.version === undefined ? {} : { version: start.version }),
      ...(start.parent_instance === undefined ? {} : { parent_instance: start.parent_instance }),
      ...(start.parent_id === undefined ? {} : { parent_id: start.parent_id }),
      ...(start.parent_execution_id === undefined ? {} : { parent_execution_id: start.parent_execution_id }),
      ...(start.trace === undefined ? {} : { trace: start.trace }),
    };
  }

  private startFromContinueAsNew(can: ContinueAsNewItem): Omit<Started, 'version'> & { version?: string } {
    return {
      name: can.orchestration,
      input: can.input,
      ...(can.version === undefined ? {} : { version: can.version }),
      ...(can.carry_forward_events.length > 0 ? { carry_forward_events: can.carry_forward_events } : {}),
      ...(can.initial_custom_status === undefined || can.initial_custom_status === null
        ? {}
        : { initial_custom_status: can.initial_custom_status }),
      ...(can.parent_instance === undefined ? {} : { parent_instance: can.parent_instance }),
      ...(can.parent_id === undefined ? {} : { parent_id: can.parent_id }),
      ...(can.parent_execution_id === undefined ? {} : { parent_execution_id: can.parent_execution_id }),
      ...(can.trace === undefined ? {} : { trace: can.trace }),
    };
  }

  private unregistered(item: OrchestrationItem, name: string, version: string | null): TurnPlan {
    return {
      kind: 'abandon',
      delayMs: unregisteredDelayMs(this.options, item.attemptCount),
      reason: `${describeOrchestration(name, version)} is not registered`,
      missing: { name, version },
    };
  }

  /** The orchestration (and version) the batch needs, when this runtime does not have it. */
  private missingCode(item: OrchestrationItem): string | undefined {
    const first = item.history[0];
    if (first?.type === 'OrchestrationStarted') {
      return this.registry.resolve(first.name, first.version)
        ? undefined
        : describeOrchestration(first.name, first.version);
    }
    const start = item.messages.find(
      (m): m is StartOrchestrationItem | ContinueAsNewItem =>
        m.type === 'StartOrchestration' || m.type === 'ContinueAsNew',
    );
    if (!start) return undefined;
    const version = start.version ?? this.registry.latestVersion(start.orchestration);
    return version !== undefined && this.registry.resolve(start.orchestration, version)
      ? undefined
      : describeOrchestration(start.orchestration, start.version ?? null);
  }

  /** First turn of a new instance or of a continue-as-new execution. */
  private begin(
    item: OrchestrationItem,
    executionId: number,
    start: Omit<Started, 'version'> & { version?: string },
    newInstance: boolean,
    now: number,
    spans: TurnTrace | null,
  ): TurnPlan {
    const version = start.version ?? this.registry.latestVersion(start.name);
    const handler = version === undefined ? undefined : this.registry.resolve(start.name, version);
    if (version === undefined || handler === undefined) {
      return this.unregistered(item, start.name, start.version ?? null);
    }
    const exec = new ExecutionState({
      instanceId: item.instanceId,
      executionId,
      handler,
      kvSnapshot: item.kvSnapshot,
      trace: this.trace,
      ...(this.guard ? { guard: this.guard } : {}),
    });
    const { delta, outcome } = exec.runTurn({
      now,
      newGuid: randomUUID,
      messages: item.messages,
      start: { ...start, version },
    });
    spans?.stamp(exec, delta, outcome, 0);
    const initiatedBy: ExecutionInitiator = !newInstance
      ? 'continue_as_new'
      : start.parent_instance === undefined
        ? 'client'
        : 'suborchestration';
    return {
      kind: 'ack',
      ack: buildAck(exec, delta, outcome),
      exec,
      handler,
      outcome,
      newInstance,
      initiatedBy,
    };
  }

  /** A turn of a running execution: from the cache, or replayed from history. */
  private resume(item: OrchestrationItem, now: number, spans: TurnTrace | null): TurnPlan {
    const first = item.history[0];
    if (first?.type !== 'OrchestrationStarted') {
      return this.failCorrupted(item, 'corrupted history: first event must be OrchestrationStarted', now);
    }
    // The version always comes from history: a new Latest never changes a running instance.
    const handler = this.registry.resolve(first.name, first.version);
    if (!handler) return this.unregistered(item, first.name, first.version);
    let exec = this.cache.take(item.instanceId, item.executionId, item.history.length, handler);
    const replayed = exec ? 0 : item.history.length;
    if (!exec) {
      exec = new ExecutionState({
        instanceId: item.instanceId,
        executionId: item.executionId,
        handler,
        kvSnapshot: item.kvSnapshot,
        trace: this.trace,
        ...(this.guard ? { guard: this.guard } : {}),
      });
      exec.replay(item.history);
    }
    const { delta, outcome } = exec.runTurn({ now, newGuid: randomUUID, messages: item.messages });
    spans?.stamp(exec, delta, outcome, replayed);
    return { kind: 'ack', ack: buildAck(exec, delta, outcome), exec, handler, outcome };
  }

  /**
   * The next turn of a held instance (held-turns.ts): its live execution, with the activity
   * result it waited for as the only message.
   */
  resumeHeld(
    exec: ExecutionState,
    handler: OrchestrationHandler,
    completion: OrchestratorWorkItem,
    now = this.options.clock.now(),
    spans: TurnTrace | null = null,
  ): AckPlan {
    const { delta, outcome } = exec.runTurn({ now, newGuid: randomUUID, messages: [completion] });
    spans?.stamp(exec, delta, outcome, 0);
    return { kind: 'ack', ack: buildAck(exec, delta, outcome), exec, handler, outcome };
  }

  private failCorrupted(item: OrchestrationItem, message: string, now: number): TurnPlan {
    const details: ErrorDetails = {
      category: 'infrastructure',
      operation: 'history',
      message,
      retryable: false,
    };
    return { kind: 'ack', ack: this.failureAck(item, item.history, null, details, now) };
  }

  /** A message delivered too often: fail the instance with poison details. */
  private poison(item: OrchestrationItem, now: number): TurnPlan {
    if (isTerminal(item.history.at(-1))) return { kind: 'ack', ack: discardAck(item.executionId) };
    const details: ErrorDetails = {
      category: 'poison',
      attempt_count: item.attemptCount,
      max_attempts: this.options.maxAttempts,
      message_type: { kind: 'Orchestration', instance: item.instanceId, execution_id: item.executionId },
      message: `poison: orchestration ${item.instanceId} exceeded ${item.attemptCount} attempts (max ${this.options.maxAttempts})`,
    };
    // Name the usual cause, code no running worker has, rather than only the attempt count.
    const missing = this.missingCode(item);
    if (missing !== undefined) details.message += `: ${missing} is not registered ${this.missingWhere}`;
    const startItem = item.messages.find((m): m is StartOrchestrationItem => m.type === 'StartOrchestration');
    return { kind: 'ack', ack: this.failureAck(item, item.history, startItem ?? null, details, now) };
  }

  /** Appends OrchestrationFailed (and OrchestrationStarted for an instance with no history). */
  private failureAck(
    item: OrchestrationItem,
    history: HistoryEvent[],
    startItem: StartOrchestrationItem | null,
    details: ErrorDetails,
    now: number,
  ): OrchestrationAck {
    const envelope = (eventId: number) => ({
      event_id: eventId,
      instance_id: item.instanceId,
      execution_id: item.executionId,
      timestamp_ms: now,
      durox_version: DUROX_VERSION,
    });
    const delta: HistoryEvent[] = [];
    let started: Started;
    if (history[0]?.type === 'OrchestrationStarted') {
      started = history[0];
    } else {
      started = {
        name: startItem?.orchestration ?? item.orchestrationName,
        version:
          startItem?.version ??
          item.orchestrationVersion ??
          this.registry.latestVersion(item.orchestrationName) ??
          '0.0.0',
        input: startItem?.input ?? 'null',
        ...(startItem?.parent_instance === undefined ? {} : { parent_instance: startItem.parent_instance }),
        ...(startItem?.parent_id === undefined ? {} : { parent_id: startItem.parent_id }),
        ...(startItem?.parent_execution_id === undefined
          ? {}
          : { parent_execution_id: startItem.parent_execution_id }),
        ...(startItem?.trace === undefined ? {} : { trace: startItem.trace }),
      };
      if (history.length === 0) delta.push({ ...envelope(1), type: 'OrchestrationStarted', ...started });
    }
    delta.push({ ...envelope(history.length + delta.length + 1), type: 'OrchestrationFailed', details });
    const ack = discardAck(item.executionId);
    ack.historyDelta = delta;
    ack.metadata = {
      orchestrationName: started.name,
      orchestrationVersion: started.version,
      ...(started.parent_instance === undefined ? {} : { parentInstanceId: started.parent_instance }),
      status: 'Failed',
      output: JSON.stringify(details),
    };
    const notify = parentNotification(started, { kind: 'failed', details }, item.instanceId);
    if (notify) ack.orchestratorItems.push({ item: notify });
    return ack;
  }
}

/** `orchestration 'Name'` or `orchestration 'Name' version 2.0.0`, for messages. */
function describeOrchestration(name: string, version: string | null): string {
  return version === null ? `orchestration '${name}'` : `orchestration '${name}' version ${version}`;
}
