/**
 * Item, event and ack builders and small utilities shared by the SQLite and PostgreSQL provider
 * tests (test/providers/sqlite/helpers.ts and test/providers/postgres/helpers.ts re-export them).
 */
import type { ActivityExecuteItem, HistoryEvent, OrchestratorWorkItem } from '../../../src/core/history.js';
import { isDuroxError } from '../../../src/core/errors.js';
import type {
  FetchWorkItemOptions,
  OrchestrationAck,
  OrchestrationItem,
  Provider,
  WorkItemLease,
} from '../../../src/core/provider.js';

export function startItem(
  instance: string,
  orchestration = 'Greeter',
  version?: string,
): OrchestratorWorkItem {
  const item: OrchestratorWorkItem = {
    type: 'StartOrchestration',
    instance,
    orchestration,
    input: '"hi"',
    execution_id: 1,
  };
  if (version !== undefined) item.version = version;
  return item;
}

export function externalItem(instance: string, data = '"x"', name = 'evt'): OrchestratorWorkItem {
  return { type: 'ExternalRaised', instance, name, data };
}

export function completionItem(
  instance: string,
  id: number,
  result = '"done"',
  executionId = 1,
): OrchestratorWorkItem {
  return { type: 'ActivityCompleted', instance, execution_id: executionId, id, result };
}

export function activityItem(
  instance: string,
  id: number,
  extra: Partial<Pick<ActivityExecuteItem, 'session_id' | 'tag' | 'execution_id' | 'input'>> = {},
): ActivityExecuteItem {
  return { type: 'ActivityExecute', instance, execution_id: 1, id, name: 'Work', input: '"in"', ...extra };
}

export function startedEvent(instance: string, eventId = 1, executionId = 1): HistoryEvent {
  return {
    type: 'OrchestrationStarted',
    event_id: eventId,
    instance_id: instance,
    execution_id: executionId,
    timestamp_ms: 1,
    name: 'Greeter',
    version: '1.0.0',
    input: '"hi"',
  };
}

export function scheduledEvent(instance: string, eventId: number, executionId = 1): HistoryEvent {
  return {
    type: 'ActivityScheduled',
    event_id: eventId,
    instance_id: instance,
    execution_id: executionId,
    timestamp_ms: 1,
    name: 'Work',
    input: '"in"',
  };
}

export function externalEvent(
  instance: string,
  eventId: number,
  data: string,
  executionId = 1,
): HistoryEvent {
  return {
    type: 'ExternalEvent',
    event_id: eventId,
    instance_id: instance,
    execution_id: executionId,
    timestamp_ms: 1,
    name: 'evt',
    data,
  };
}

/** An ack with nothing in it but what `overrides` sets. */
export function ack(overrides: Partial<OrchestrationAck> = {}): OrchestrationAck {
  return {
    executionId: 1,
    historyDelta: [],
    workerItems: [],
    orchestratorItems: [],
    cancelledActivities: [],
    metadata: {},
    kvMutations: [],
    ...overrides,
  };
}

/** An ack that creates the instance (name + version) with a started event. */
export function startAck(instance: string, overrides: Partial<OrchestrationAck> = {}): OrchestrationAck {
  return ack({
    historyDelta: [startedEvent(instance)],
    metadata: { orchestrationName: 'Greeter', orchestrationVersion: '1.0.0' },
    ...overrides,
  });
}

/** Milliseconds until `promise` settles. */
export async function elapsed(promise: Promise<unknown>): Promise<number> {
  const started = Date.now();
  await promise;
  return Date.now() - started;
}

/** Fetches an orchestration item that must be there. */
export async function fetchOrchestration(provider: Provider, lockMs = 30_000): Promise<OrchestrationItem> {
  const item = await provider.fetchOrchestrationItem(lockMs);
  if (item === null) throw new Error('expected an orchestration item');
  return item;
}

export const DEFAULT_ONLY: FetchWorkItemOptions = { tagFilter: { mode: 'defaultOnly' } };

/** Fetches a work item that must be there (default-only tags, no session unless given). */
export async function fetchWork(
  provider: Provider,
  options: FetchWorkItemOptions = DEFAULT_ONLY,
  lockMs = 30_000,
): Promise<WorkItemLease> {
  const lease = await provider.fetchWorkItem(lockMs, options);
  if (lease === null) throw new Error('expected a work item');
  return lease;
}

/** The error `promise` rejects with (fails the test if it resolves). */
export async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

/** True when `promise` rejects with a LockLostError. */
export async function isLockLost(promise: Promise<unknown>): Promise<boolean> {
  return isDuroxError(await errorOf(promise), 'LOCK_LOST');
}

/** Creates instance `instance` (start message, fetched and acked with a started event). */
export async function startInstance(
  provider: Provider,
  instance: string,
  overrides: Partial<OrchestrationAck> = {},
): Promise<void> {
  await provider.enqueueOrchestratorWork(startItem(instance));
  await provider.ackOrchestrationItem(
    (await fetchOrchestration(provider)).lockToken,
    startAck(instance, overrides),
  );
}

/**
 * Follows `promise` so a test can check it is still pending. Used to show a wait was not woken:
 * check after a later, observable wake-up that a wrong one would have come before.
 */
export function watch<T>(promise: Promise<T>): { readonly settled: boolean; readonly done: Promise<T> } {
  let settled = false;
  const mark = (): void => {
    settled = true;
  };
  void promise.then(mark, mark);
  return {
    get settled() {
      return settled;
    },
    done: promise,
  };
}
