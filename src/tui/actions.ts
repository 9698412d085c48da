/**
 * What the TUI's actions do, through the Client only: cancel, raise an event, delete, prune;
 * pause, resume and trigger a schedule.
 * Each returns the message the status line shows; failures become error messages, never
 * exceptions, so the screen keeps running.
 */
import { isDuroxError } from '../core/errors.js';
import type { TuiClient } from './client.js';
import { formatCount } from './format.js';
import type { ActionRequest } from './requests.js';
import type { Flash } from './state.js';

export interface ActionOutcome {
  readonly flash: Flash;
  /** Set when the instance (and its tree) no longer exists. */
  readonly deletedInstanceId?: string;
}

/** The line shown while the action runs. */
export function describeRequest(request: ActionRequest): string {
  switch (request.kind) {
    case 'cancel':
      return `cancelling ${request.instanceId}…`;
    case 'raise':
      return `raising ${request.name} for ${request.instanceId}…`;
    case 'delete':
      return `deleting ${request.instanceId}…`;
    case 'prune':
      return `pruning executions of ${request.instanceId}…`;
    case 'pauseSchedule':
      return `pausing schedule ${request.scheduleId}…`;
    case 'resumeSchedule':
      return `resuming schedule ${request.scheduleId}…`;
    case 'triggerSchedule':
      return `triggering schedule ${request.scheduleId}…`;
  }
}

function plural(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;
}

function errorText(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (isDuroxError(err, 'INSTANCE_STILL_RUNNING')) return `${message} (confirm deleting a running instance)`;
  return message;
}

/** Refuses requests for instances that are unknown or already ended. */
async function requireRunning(client: TuiClient, instanceId: string, what: string): Promise<string | null> {
  const status = await client.getStatus(instanceId);
  if (status.status === 'NotFound') return `cannot ${what} ${instanceId}: instance not found`;
  // A Pending instance takes messages too: its first turn sees them with its start.
  if (status.status !== 'Running' && status.status !== 'Pending') {
    return `cannot ${what} ${instanceId}: it already ended (${status.status})`;
  }
  return null;
}

/** Runs the action and reports what happened. */
export async function runAction(client: TuiClient, request: ActionRequest): Promise<ActionOutcome> {
  const error = (text: string): ActionOutcome => ({ flash: { tone: 'error', text } });
  const info = (text: string): ActionOutcome => ({ flash: { tone: 'info', text } });
  try {
    switch (request.kind) {
      case 'cancel': {
        const refused = await requireRunning(client, request.instanceId, 'cancel');
        if (refused) return error(refused);
        await client.cancelInstance(request.instanceId, 'cancelled from durox tui');
        return info(`cancellation requested for ${request.instanceId}`);
      }
      case 'raise': {
        const refused = await requireRunning(client, request.instanceId, 'raise an event for');
        if (refused) return error(refused);
        await client.raiseEvent(request.instanceId, request.name, request.data);
        return info(`raised ${request.name} for ${request.instanceId}`);
      }
      case 'delete': {
        const result = await client.deleteInstance(request.instanceId, request.force);
        return {
          flash: {
            tone: 'info',
            text: `deleted ${request.instanceId} (${plural(result.instancesDeleted, 'instance')}, ${plural(result.eventsDeleted, 'event')})`,
          },
          deletedInstanceId: request.instanceId,
        };
      }
      case 'prune': {
        const result = await client.pruneExecutions(request.instanceId, { keepLast: 1 });
        return info(
          `pruned ${plural(result.executionsDeleted, 'execution')} (${plural(result.eventsDeleted, 'event')}) of ${request.instanceId}`,
        );
      }
      // Control messages: the schedule applies them at its next turn (within a poll interval
      // while a worker runs it).
      case 'pauseSchedule':
        await client.pauseSchedule(request.scheduleId, request.note);
        return info(`pause requested for schedule ${request.scheduleId}`);
      case 'resumeSchedule':
        await client.resumeSchedule(request.scheduleId);
        return info(`resume requested for schedule ${request.scheduleId}`);
      case 'triggerSchedule':
        await client.triggerSchedule(request.scheduleId);
        return info(`trigger requested for schedule ${request.scheduleId}`);
    }
  } catch (err) {
    return error(errorText(err));
  }
}
