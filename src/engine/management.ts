/**
 * Management views over a provider: instance and execution info in duroxide-node's shapes,
 * history as readable events, instance trees and the delete rules that span several provider
 * calls. The Client exposes these as methods.
 */
import { CannotDeleteSubOrchestrationError, NotFoundError } from '../core/errors.js';
import { displayMessage, parseErrorDetails } from '../core/failure.js';
import type { ErrorDetails } from '../core/failure.js';
import { assertNever } from '../core/exhaustive.js';
import { decodePayload } from '../core/history.js';
import type {
  DeleteInstanceResult,
  ExecutionStatus,
  InstanceInfo,
  InstanceStatus,
  Provider,
} from '../core/provider.js';
import { deriveWaitingOn, nothingWaitedOn } from './waiting-on.js';
import type { WaitingOn } from './waiting-on.js';

// History views live in event-view.ts; re-exported here, where the other views are.
export { toEventView } from './event-view.js';
export type { HistoryEventView } from './event-view.js';

/** An instance as `client.getInstanceInfo` reports it. */
export interface InstanceInfoView {
  instanceId: string;
  orchestrationName: string;
  orchestrationVersion: string | null;
  currentExecutionId: number;
  /** Status of the current execution, or `Pending` until the first turn has run. */
  status: InstanceStatus;
  /** Decoded output (Completed), error message (Failed) or next input (ContinuedAsNew). */
  output?: unknown;
  failureDetails?: ErrorDetails;
  createdAt: number;
  updatedAt: number;
  parentInstanceId?: string;
  customStatus?: string;
  customStatusVersion: number;
  /**
   * What the current execution waits on (see `WaitingOn`): set while the instance has not
   * ended (`Pending` and between continue-as-new executions: nothing), absent once it is
   * Completed or Failed.
   */
  waitingOn?: WaitingOn;
}

/** One execution as `client.getExecutionInfo` reports it. */
export interface ExecutionInfoView {
  executionId: number;
  status: ExecutionStatus;
  output?: unknown;
  failureDetails?: ErrorDetails;
  startedAt: number;
  completedAt?: number;
  eventCount: number;
}

/** Root and every descendant of an instance. */
export interface InstanceTree {
  rootId: string;
  allIds: string[];
  size: number;
}

/** Output column → decoded output plus failure details, by execution status. */
export function decodeOutput(
  status: InstanceStatus,
  output: string | null,
): { output?: unknown; failureDetails?: ErrorDetails } {
  if (output === null) return {};
  if (status === 'Failed') {
    const details = parseErrorDetails(output);
    return { output: displayMessage(details), failureDetails: details };
  }
  return { output: decodePayload(output) };
}

/**
 * What the instance's current execution waits on: derived from its history while it runs (one
 * history read), nothing while `Pending` or between continue-as-new executions, `undefined`
 * once it is Completed or Failed.
 */
export async function waitingOnOf(provider: Provider, info: InstanceInfo): Promise<WaitingOn | undefined> {
  switch (info.status) {
    case 'Running':
      return deriveWaitingOn(await provider.readHistory(info.instanceId, info.currentExecutionId));
    case 'Pending':
    case 'ContinuedAsNew':
      return nothingWaitedOn();
    case 'Completed':
    case 'Failed':
      return undefined;
    default:
      return assertNever(info.status);
  }
}

/** The view of an instance, with what it waits on; `NotFoundError` when unknown. */
export async function getInstanceInfo(provider: Provider, instanceId: string): Promise<InstanceInfoView> {
  const info = await provider.getInstanceInfo(instanceId);
  if (!info) throw new NotFoundError(`instance '${instanceId}' not found`, { instanceId });
  const waitingOn = await waitingOnOf(provider, info);
  return {
    instanceId: info.instanceId,
    orchestrationName: info.orchestrationName,
    orchestrationVersion: info.orchestrationVersion,
    currentExecutionId: info.currentExecutionId,
    status: info.status,
    ...decodeOutput(info.status, info.output),
    createdAt: info.createdAt,
    updatedAt: info.updatedAt,
    ...(info.parentInstanceId === null ? {} : { parentInstanceId: info.parentInstanceId }),
    ...(info.customStatus === null ? {} : { customStatus: info.customStatus }),
    customStatusVersion: info.customStatusVersion,
    ...(waitingOn === undefined ? {} : { waitingOn }),
  };
}

/** The view of one execution; `NotFoundError` when unknown. */
export async function getExecutionInfo(
  provider: Provider,
  instanceId: string,
  executionId: number,
): Promise<ExecutionInfoView> {
  const info = await provider.getExecutionInfo(instanceId, executionId);
  if (!info) {
    throw new NotFoundError(`execution ${executionId} of instance '${instanceId}' not found`, {
      instanceId,
      executionId,
    });
  }
  return {
    executionId: info.executionId,
    status: info.status,
    ...decodeOutput(info.status, info.output),
    startedAt: info.startedAt,
    ...(info.completedAt === null ? {} : { completedAt: info.completedAt }),
    eventCount: info.eventCount,
  };
}

/** The instance and all its descendants, breadth first. */
export async function getInstanceTree(provider: Provider, instanceId: string): Promise<InstanceTree> {
  const allIds = [instanceId];
  for (let i = 0; i < allIds.length; i++) allIds.push(...(await provider.listChildren(allIds[i]!)));
  return { rootId: instanceId, allIds, size: allIds.length };
}

/**
 * Deletes a root instance with all its descendants, atomically. Sub-orchestrations are deleted
 * through their root; a running tree needs `force`.
 */
export async function deleteInstance(
  provider: Provider,
  instanceId: string,
  force: boolean,
): Promise<DeleteInstanceResult> {
  const info = await provider.getInstanceInfo(instanceId);
  if (!info) throw new NotFoundError(`instance '${instanceId}' not found`, { instanceId });
  if (info.parentInstanceId !== null) {
    throw new CannotDeleteSubOrchestrationError(
      `instance '${instanceId}' is a sub-orchestration of '${info.parentInstanceId}'; delete the root instead`,
      { instanceId },
    );
  }
  const tree = await getInstanceTree(provider, instanceId);
  return provider.deleteInstances(tree.allIds, force);
}
