/**
 * Turns the events a turn recorded into the provider ack: work for workers, messages for other
 * instances (timers, child starts, parent notifications, cancellations), custom status and KV
 * changes, and execution metadata.
 */
import type { ExecutionState, ExecutionOutcome } from '../replay/execution.js';
import type { HistoryEvent, OrchestratorWorkItem } from '../../core/history.js';
import type { ErrorDetails } from '../../core/failure.js';
import { assertNever } from '../../core/exhaustive.js';
import type { KvMutation, OrchestrationAck } from '../../core/provider.js';

/** Builds the ack of a turn of `exec` that recorded `delta` and ended with `outcome`. */
export function buildAck(
  exec: ExecutionState,
  delta: HistoryEvent[],
  outcome: ExecutionOutcome,
): OrchestrationAck {
  const started = exec.startedEvent!;
  const instance = exec.instanceId;
  const executionId = exec.executionId;
  const dispatch = outcome.status !== 'Failed' || outcome.dispatch;
  const ack: OrchestrationAck = {
    executionId,
    historyDelta: delta,
    workerItems: [],
    orchestratorItems: [],
    cancelledActivities: [],
    metadata: {
      orchestrationName: started.name,
      orchestrationVersion: started.version,
      ...(started.parent_instance === undefined ? {} : { parentInstanceId: started.parent_instance }),
    },
    kvMutations: [],
  };
  // Syscalls (utcNow, newGuid) complete within the turn that schedules them: no worker needed.
  const completedHere = new Set<number>();
  for (const event of delta)
    if (event.type === 'ActivityCompleted') completedHere.add(event.source_event_id!);

  const kv: KvMutation[] = ack.kvMutations;
  for (const event of delta) {
    switch (event.type) {
      case 'ActivityScheduled':
        if (dispatch && !completedHere.has(event.event_id)) {
          ack.workerItems.push({
            type: 'ActivityExecute',
            instance,
            execution_id: executionId,
            id: event.event_id,
            name: event.name,
            input: event.input,
            ...(event.session_id === undefined ? {} : { session_id: event.session_id }),
            ...(event.tag === undefined ? {} : { tag: event.tag }),
            orchestration_name: started.name,
            orchestration_version: started.version,
            ...(event.trace === undefined ? {} : { trace: event.trace }),
          });
        }
        break;
      case 'TimerCreated':
        // A timer of an execution that ends in this very turn (e.g. it lost a race decided
        // within the turn) could never fire into it: it is not sent.
        if (dispatch && outcome.status === 'Running') {
          ack.orchestratorItems.push({
            item: {
              type: 'TimerFired',
              instance,
              execution_id: executionId,
              id: event.event_id,
              fire_at_ms: event.fire_at_ms,
            },
            visibleAtMs: event.fire_at_ms,
          });
        }
        break;
      case 'SubOrchestrationScheduled':
        if (dispatch) {
          ack.orchestratorItems.push({
            item: {
              type: 'StartOrchestration',
              instance: event.instance,
              orchestration: event.name,
              input: event.input,
              ...(event.version === undefined ? {} : { version: event.version }),
              parent_instance: instance,
              parent_id: event.event_id,
              parent_execution_id: executionId,
              execution_id: 1,
              ...(event.trace === undefined ? {} : { trace: event.trace }),
            },
          });
        }
        break;
      case 'OrchestrationChained':
        if (dispatch) {
          ack.orchestratorItems.push({
            item: {
              type: 'StartOrchestration',
              instance: event.instance,
              orchestration: event.name,
              input: event.input,
              ...(event.version === undefined ? {} : { version: event.version }),
              execution_id: 1,
              ...(event.trace === undefined ? {} : { trace: event.trace }),
            },
          });
        }
        break;
      case 'ActivityCancelRequested':
        ack.cancelledActivities.push({
          instanceId: instance,
          executionId,
          activityId: event.source_event_id!,
        });
        break;
      case 'SubOrchestrationCancelRequested': {
        const child = exec.childInstanceOf(event.source_event_id!);
        if (child !== undefined) {
          ack.orchestratorItems.push({
            // A race loser's child is told why in words; terminal reasons pass through as they are.
            item: {
              type: 'CancelInstance',
              instance: child,
              reason:
                event.reason === 'dropped_future' ? 'parent dropped sub-orchestration future' : event.reason,
            },
          });
        }
        break;
      }
      case 'CustomStatusUpdated':
        ack.customStatus = { status: event.status };
        break;
      case 'KeyValueSet':
        kv.push({ op: 'set', key: event.key, value: event.value, lastUpdatedAtMs: event.last_updated_at_ms });
        break;
      case 'KeyValueCleared':
        kv.push({ op: 'clear', key: event.key });
        break;
      case 'KeyValuesCleared':
        kv.push({ op: 'clearAll' });
        break;
      // Nothing to send or store for these beyond the history itself.
      case 'OrchestrationStarted':
      case 'OrchestrationCompleted':
      case 'OrchestrationFailed':
      case 'OrchestrationContinuedAsNew':
      case 'OrchestrationCancelRequested':
      case 'ActivityCompleted':
      case 'ActivityFailed':
      case 'TimerFired':
      case 'ExternalSubscribed':
      case 'ExternalEvent':
      case 'ExternalSubscribedCancelled':
      case 'QueueSubscribed':
      case 'QueueEventDelivered':
      case 'QueueSubscriptionCancelled':
      case 'SubOrchestrationCompleted':
      case 'SubOrchestrationFailed':
        break;
      default:
        assertNever(event);
    }
  }
  applyOutcome(ack, exec, outcome);
  return ack;
}

function applyOutcome(ack: OrchestrationAck, exec: ExecutionState, outcome: ExecutionOutcome): void {
  const started = exec.startedEvent!;
  switch (outcome.status) {
    case 'Running':
      return;
    case 'Completed':
      ack.metadata.status = 'Completed';
      ack.metadata.output = outcome.output;
      notifyParent(ack, started, { kind: 'completed', result: outcome.output }, exec.instanceId);
      return;
    case 'Failed':
      ack.metadata.status = 'Failed';
      ack.metadata.output = JSON.stringify(outcome.details);
      notifyParent(ack, started, { kind: 'failed', details: outcome.details }, exec.instanceId);
      return;
    case 'ContinuedAsNew':
      ack.metadata.status = 'ContinuedAsNew';
      ack.metadata.output = outcome.input;
      ack.orchestratorItems.push({
        item: {
          type: 'ContinueAsNew',
          instance: exec.instanceId,
          orchestration: started.name,
          input: outcome.input,
          ...(outcome.version === undefined ? {} : { version: outcome.version }),
          carry_forward_events: outcome.carryForward,
          initial_custom_status: exec.getCustomStatus(),
          ...parentFields(started),
          ...(started.trace === undefined ? {} : { trace: started.trace }),
        },
      });
      return;
    default:
      return assertNever(outcome);
  }
}

type Started = NonNullable<ExecutionState['startedEvent']>;

/** The parent link a continue-as-new carries into the next execution. */
function parentFields(
  started: Started,
): Pick<Started, 'parent_instance' | 'parent_id' | 'parent_execution_id'> {
  const { parent_instance, parent_id, parent_execution_id } = started;
  return {
    ...(parent_instance === undefined ? {} : { parent_instance }),
    ...(parent_id === undefined ? {} : { parent_id }),
    ...(parent_execution_id === undefined ? {} : { parent_execution_id }),
  };
}

/** A child's terminal message to the parent execution that scheduled it. */
export function parentNotification(
  started: Started,
  result: { kind: 'completed'; result: string } | { kind: 'failed'; details: ErrorDetails },
  childInstance: string,
): OrchestratorWorkItem | null {
  if (started.parent_instance === undefined || started.parent_id === undefined) return null;
  const base = {
    instance: started.parent_instance,
    execution_id: started.parent_execution_id ?? 1,
    id: started.parent_id,
    child_instance: childInstance,
  };
  return result.kind === 'completed'
    ? { type: 'SubOrchCompleted', ...base, result: result.result }
    : { type: 'SubOrchFailed', ...base, details: result.details };
}

function notifyParent(
  ack: OrchestrationAck,
  started: Started,
  result: Parameters<typeof parentNotification>[1],
  childInstance: string,
): void {
  const item = parentNotification(started, result, childInstance);
  if (item) ack.orchestratorItems.push({ item });
}
