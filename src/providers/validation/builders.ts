/**
 * Small builders shared by the validation cases: work items, history events, acks, common
 * provider round trips (create an instance, run a turn, continue-as-new) and assertions.
 *
 * Every helper that fetches asserts it got the instance it expected: each case runs on a fresh
 * store and enqueues only what it needs, so anything else is a provider bug.
 */
import assert from 'node:assert/strict';
import { isDuroxError, type DuroxErrorCode } from '../../core/errors.js';
import type { ErrorDetails } from '../../core/failure.js';
import { sleep } from '../../core/sleep.js';
import type {
  ActivityExecuteItem,
  ActivityCompletedItem,
  ContinueAsNewItem,
  EventOf,
  ExternalRaisedItem,
  HistoryEvent,
  QueueMessageItem,
  StartOrchestrationItem,
  TimerFiredItem,
} from '../../core/history.js';
import type {
  FetchWorkItemOptions,
  KvMutation,
  OrchestrationAck,
  OrchestrationItem,
  Provider,
  WorkItemLease,
} from '../../core/provider.js';

// ---- timing -----------------------------------------------------------------------------------

/** Lease for operations that must not expire during a case. */
export const LONG_LEASE_MS = 30_000;
/** Lease for expiry cases. */
export const SHORT_LEASE_MS = 250;
/** How long expiry cases wait: comfortably past SHORT_LEASE_MS. */
export const EXPIRY_WAIT_MS = 400;
/** Delay for delayed-visibility cases. */
export const DELAY_MS = 300;
/**
 * How soon a wake-up must lead a waiting loop to its work, fetch included. Well apart from the
 * 5 s a loop would wait without one, and loose enough for a loaded machine (CI runs two test
 * files at once on two cores).
 */
export const WAKE_BOUND_MS = 1_000;

/** The core sleep, for the validation cases. */
export { sleep };

/**
 * Calls `probe` every 20 ms until it returns a value other than null/undefined/false, or fails
 * after `timeoutMs` naming `what`.
 */
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 3_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() >= deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

// ---- work items -------------------------------------------------------------------------------

export const ORCHESTRATION = 'Greeter';
export const VERSION = '1.0.0';

export interface StartOptions {
  orchestration?: string;
  version?: string;
  input?: string;
  parent?: { instance: string; id: number; executionId: number };
}

export function startItem(instance: string, options: StartOptions = {}): StartOrchestrationItem {
  const item: StartOrchestrationItem = {
    type: 'StartOrchestration',
    instance,
    orchestration: options.orchestration ?? ORCHESTRATION,
    input: options.input ?? '"hi"',
    execution_id: 1,
  };
  if (options.version !== undefined) item.version = options.version;
  if (options.parent !== undefined) {
    item.parent_instance = options.parent.instance;
    item.parent_id = options.parent.id;
    item.parent_execution_id = options.parent.executionId;
  }
  return item;
}

export function externalItem(instance: string, data = '"x"', name = 'evt'): ExternalRaisedItem {
  return { type: 'ExternalRaised', instance, name, data };
}

export function queueItem(instance: string, data = '"m"', name = 'inbox'): QueueMessageItem {
  return { type: 'QueueMessage', instance, name, data };
}

export function completionItem(
  instance: string,
  id: number,
  result = '"done"',
  executionId = 1,
): ActivityCompletedItem {
  return { type: 'ActivityCompleted', instance, execution_id: executionId, id, result };
}

export function timerItem(instance: string, id: number, fireAtMs: number, executionId = 1): TimerFiredItem {
  return { type: 'TimerFired', instance, execution_id: executionId, id, fire_at_ms: fireAtMs };
}

export function continueAsNewItem(
  instance: string,
  input = '"next"',
  carry: [string, string][] = [],
): ContinueAsNewItem {
  return {
    type: 'ContinueAsNew',
    instance,
    orchestration: ORCHESTRATION,
    input,
    version: VERSION,
    carry_forward_events: carry,
  };
}

export function activityItem(
  instance: string,
  id: number,
  extra: Partial<Omit<ActivityExecuteItem, 'type' | 'instance' | 'id'>> = {},
): ActivityExecuteItem {
  return { type: 'ActivityExecute', instance, execution_id: 1, id, name: 'Work', input: '"in"', ...extra };
}

// ---- history events ---------------------------------------------------------------------------

function envelope(instance: string, eventId: number, executionId: number) {
  return {
    event_id: eventId,
    instance_id: instance,
    execution_id: executionId,
    timestamp_ms: 1_700_000_000_000,
  };
}

export function startedEvent(
  instance: string,
  eventId = 1,
  executionId = 1,
  extra: Partial<EventOf<'OrchestrationStarted'>> = {},
): EventOf<'OrchestrationStarted'> {
  return {
    ...envelope(instance, eventId, executionId),
    type: 'OrchestrationStarted',
    name: ORCHESTRATION,
    version: VERSION,
    input: '"hi"',
    ...extra,
  };
}

export function scheduledEvent(
  instance: string,
  eventId: number,
  executionId = 1,
): EventOf<'ActivityScheduled'> {
  return {
    ...envelope(instance, eventId, executionId),
    type: 'ActivityScheduled',
    name: 'Work',
    input: '"in"',
  };
}

export function externalEvent(
  instance: string,
  eventId: number,
  data = '"x"',
  executionId = 1,
): EventOf<'ExternalEvent'> {
  return { ...envelope(instance, eventId, executionId), type: 'ExternalEvent', name: 'evt', data };
}

export function completedEvent(
  instance: string,
  eventId: number,
  output = '"done"',
  executionId = 1,
): EventOf<'OrchestrationCompleted'> {
  return { ...envelope(instance, eventId, executionId), type: 'OrchestrationCompleted', output };
}

/** The failure the failed-instance helpers record. */
export const FAILURE: ErrorDetails = {
  category: 'application',
  kind: 'OrchestrationFailed',
  message: 'boom',
  retryable: false,
};

export function failedEvent(
  instance: string,
  eventId: number,
  executionId = 1,
): EventOf<'OrchestrationFailed'> {
  return {
    ...envelope(instance, eventId, executionId),
    type: 'OrchestrationFailed',
    details: FAILURE,
  };
}

export function continuedAsNewEvent(
  instance: string,
  eventId: number,
  input = '"next"',
  executionId = 1,
): EventOf<'OrchestrationContinuedAsNew'> {
  return { ...envelope(instance, eventId, executionId), type: 'OrchestrationContinuedAsNew', input };
}

/** The event id after the last one of a fetched batch's history. */
export function nextEventId(item: OrchestrationItem): number {
  const last = item.history[item.history.length - 1];
  return last === undefined ? 1 : last.event_id + 1;
}

// ---- acks -------------------------------------------------------------------------------------

/** An ack with nothing in it but what `overrides` sets (execution 1, no metadata). */
export function emptyAck(overrides: Partial<OrchestrationAck> = {}): OrchestrationAck {
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

/** The metadata every turn of an existing orchestration carries. */
export function metadata(extra: OrchestrationAck['metadata'] = {}): OrchestrationAck['metadata'] {
  return { orchestrationName: ORCHESTRATION, orchestrationVersion: VERSION, ...extra };
}

/** The metadata the runtime sends for a turn of the fetched batch: its own name and version. */
export function turnMetadata(
  item: OrchestrationItem,
  extra: OrchestrationAck['metadata'] = {},
): OrchestrationAck['metadata'] {
  const meta: OrchestrationAck['metadata'] = { orchestrationName: item.orchestrationName };
  if (item.orchestrationVersion !== null) meta.orchestrationVersion = item.orchestrationVersion;
  return { ...meta, ...extra };
}

/** A KV set mutation. */
export function kvSet(key: string, value: string, lastUpdatedAtMs = 1_700_000_000_000): KvMutation {
  return { op: 'set', key, value, lastUpdatedAtMs };
}

// ---- fetch helpers ----------------------------------------------------------------------------

export const DEFAULT_ONLY: FetchWorkItemOptions = { tagFilter: { mode: 'defaultOnly' } };
export const ANY_TAG: FetchWorkItemOptions = { tagFilter: { mode: 'any' } };

/** Session-routed fetch options for `ownerId`. */
export function asOwner(ownerId: string, lockTimeoutMs = LONG_LEASE_MS): FetchWorkItemOptions {
  return { tagFilter: { mode: 'defaultOnly' }, session: { ownerId, lockTimeoutMs } };
}

/** Fetches a batch that must exist (and belong to `instanceId` when given). */
export async function fetchBatch(
  provider: Provider,
  instanceId?: string,
  lockMs = LONG_LEASE_MS,
): Promise<OrchestrationItem> {
  const item = await provider.fetchOrchestrationItem(lockMs);
  assert.ok(
    item,
    `expected an orchestration item${instanceId === undefined ? '' : ` for ${instanceId}`}, got none`,
  );
  if (instanceId !== undefined) assert.equal(item.instanceId, instanceId, 'fetched the wrong instance');
  return item;
}

/** Asserts that no orchestration item is fetchable now. */
export async function assertNoBatch(
  provider: Provider,
  message = 'expected no fetchable orchestration item',
): Promise<void> {
  const item = await provider.fetchOrchestrationItem(LONG_LEASE_MS);
  assert.equal(item, null, `${message}; got ${item === null ? '' : `instance ${item.instanceId}`}`);
}

/** Fetches a work item that must exist. */
export async function fetchWork(
  provider: Provider,
  options: FetchWorkItemOptions = DEFAULT_ONLY,
  lockMs = LONG_LEASE_MS,
): Promise<WorkItemLease> {
  const lease = await provider.fetchWorkItem(lockMs, options);
  assert.ok(lease, 'expected a work item, got none');
  return lease;
}

/** Asserts that no work item is fetchable with `options`. */
export async function assertNoWork(
  provider: Provider,
  options: FetchWorkItemOptions = ANY_TAG,
  message = 'expected no fetchable work item',
): Promise<void> {
  const lease = await provider.fetchWorkItem(LONG_LEASE_MS, options);
  assert.equal(
    lease,
    null,
    `${message}; got activity ${lease === null ? '' : `${lease.item.instance}/${lease.item.id}`}`,
  );
}

// ---- provider round trips ---------------------------------------------------------------------

export interface CreateOptions {
  name?: string;
  version?: string;
  parentInstanceId?: string;
  /** Extra events after OrchestrationStarted (ids from 2). */
  events?: (instance: string) => HistoryEvent[];
  ack?: Partial<OrchestrationAck>;
}

/** Starts `instanceId` the way the runtime does: enqueue the start, fetch it, ack with metadata. */
export async function createInstance(
  provider: Provider,
  instanceId: string,
  options: CreateOptions = {},
): Promise<void> {
  await provider.enqueueOrchestratorWork(
    startItem(instanceId, { orchestration: options.name ?? ORCHESTRATION }),
  );
  const item = await fetchBatch(provider, instanceId);
  const meta: OrchestrationAck['metadata'] = {
    orchestrationName: options.name ?? ORCHESTRATION,
    orchestrationVersion: options.version ?? VERSION,
  };
  if (options.parentInstanceId !== undefined) meta.parentInstanceId = options.parentInstanceId;
  await provider.ackOrchestrationItem(
    item.lockToken,
    emptyAck({
      historyDelta: [startedEvent(instanceId), ...(options.events?.(instanceId) ?? [])],
      metadata: meta,
      ...options.ack,
    }),
  );
}

/**
 * Runs one turn of an existing instance: enqueues an external event, fetches the batch and acks
 * what `build` returns (on the batch's execution, with the usual metadata unless overridden).
 */
export async function runTurn(
  provider: Provider,
  instanceId: string,
  build: (item: OrchestrationItem) => Partial<OrchestrationAck> = () => ({}),
): Promise<OrchestrationItem> {
  await provider.enqueueOrchestratorWork(externalItem(instanceId));
  const item = await fetchBatch(provider, instanceId);
  const overrides = build(item);
  await provider.ackOrchestrationItem(
    item.lockToken,
    emptyAck({ executionId: item.executionId, metadata: turnMetadata(item), ...overrides }),
  );
  return item;
}

/** Completes the current execution with `output`. */
export async function completeInstance(
  provider: Provider,
  instanceId: string,
  output = '"done"',
): Promise<void> {
  await runTurn(provider, instanceId, (item) => ({
    historyDelta: [completedEvent(instanceId, nextEventId(item), output, item.executionId)],
    metadata: turnMetadata(item, { status: 'Completed', output }),
  }));
}

/** Fails the current execution. */
export async function failInstance(provider: Provider, instanceId: string): Promise<void> {
  await runTurn(provider, instanceId, (item) => ({
    historyDelta: [failedEvent(instanceId, nextEventId(item), item.executionId)],
    metadata: turnMetadata(item, { status: 'Failed', output: JSON.stringify(FAILURE) }),
  }));
}

export interface ContinueOptions {
  /** Extra fields for the ack that ends the current execution. */
  endAck?: Partial<OrchestrationAck>;
  /** Extra fields for the ack that starts the next execution. */
  startAck?: Partial<OrchestrationAck>;
  carry?: [string, string][];
}

/**
 * Continues the instance as new the way the runtime does: one turn ends the current execution
 * (ContinuedAsNew, plus a ContinueAsNew message), the next starts execution + 1. Returns the new
 * execution id.
 */
export async function continueAsNew(
  provider: Provider,
  instanceId: string,
  options: ContinueOptions = {},
): Promise<number> {
  const carry = options.carry ?? [];
  const ended = await runTurn(provider, instanceId, (item) => ({
    historyDelta: [continuedAsNewEvent(instanceId, nextEventId(item), '"next"', item.executionId)],
    orchestratorItems: [{ item: continueAsNewItem(instanceId, '"next"', carry) }],
    metadata: turnMetadata(item, { status: 'ContinuedAsNew', output: '"next"' }),
    ...options.endAck,
  }));
  const item = await fetchBatch(provider, instanceId);
  assert.equal(item.executionId, ended.executionId, 'the ContinueAsNew batch reports the ended execution');
  const next = ended.executionId + 1;
  const started = startedEvent(instanceId, 1, next, { input: '"next"' });
  if (carry.length > 0) started.carry_forward_events = carry;
  await provider.ackOrchestrationItem(
    item.lockToken,
    emptyAck({
      executionId: next,
      historyDelta: [started],
      metadata: turnMetadata(item),
      ...options.startAck,
    }),
  );
  return next;
}

/** Creates an instance with `count` executions (the last one running). */
export async function createExecutions(provider: Provider, instanceId: string, count: number): Promise<void> {
  await createInstance(provider, instanceId);
  for (let i = 1; i < count; i++) await continueAsNew(provider, instanceId);
}

/** Creates a completed instance. */
export async function createCompleted(
  provider: Provider,
  instanceId: string,
  options: CreateOptions = {},
): Promise<void> {
  await createInstance(provider, instanceId, options);
  await completeInstance(provider, instanceId);
}

/** The number of events of all executions of an instance. */
export async function countEvents(
  provider: Provider,
  instanceId: string,
  executions: number[],
): Promise<number> {
  let total = 0;
  for (const executionId of executions) total += (await provider.readHistory(instanceId, executionId)).length;
  return total;
}

// ---- assertions -------------------------------------------------------------------------------

function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return `${err.name}${code === undefined ? '' : ` [${String(code)}]`}: ${err.message}`;
  }
  return String(err);
}

/** Asserts that `promise` rejects with a durox error of `code`. */
export async function expectDuroxError(
  promise: Promise<unknown>,
  code: DuroxErrorCode,
  what: string,
): Promise<void> {
  await assert.rejects(
    promise,
    (err: unknown) => {
      assert.ok(isDuroxError(err, code), `${what}: expected a ${code} error, got ${describeError(err)}`);
      return true;
    },
    `${what}: expected a ${code} error, but it succeeded`,
  );
}

/** Asserts that `promise` rejects with a LockLostError. */
export function expectLockLost(promise: Promise<unknown>, what: string): Promise<void> {
  return expectDuroxError(promise, 'LOCK_LOST', what);
}

/**
 * Asserts that `promise` rejects with a ProviderError that is not retryable (the runtime retries
 * retryable errors, so a permanent failure reported as retryable would loop forever).
 */
export async function expectPermanentProviderError(promise: Promise<unknown>, what: string): Promise<void> {
  await assert.rejects(
    promise,
    (err: unknown) => {
      assert.ok(
        isDuroxError(err, 'PROVIDER'),
        `${what}: expected a PROVIDER error, got ${describeError(err)}`,
      );
      assert.equal(
        (err as { retryable?: unknown }).retryable,
        false,
        `${what}: the error must not be retryable`,
      );
      return true;
    },
    `${what}: expected a PROVIDER error, but it succeeded`,
  );
}

/** Asserts that `promise` rejects (with anything). */
export async function expectRejects(promise: Promise<unknown>, what: string): Promise<void> {
  await assert.rejects(promise, () => true, `${what}: expected a rejection, but it succeeded`);
}

/** The types of a history, for readable comparisons. */
export function typesOf(events: readonly HistoryEvent[]): string[] {
  return events.map((event) => event.type);
}
