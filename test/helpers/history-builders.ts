/**
 * Small builders for replay tests: history events, orchestrator messages, and a `TurnDriver` that
 * runs an orchestration turn by turn through BOTH execution paths the runtime uses:
 *
 * - cached path: one `ExecutionState` kept across turns (`runTurn` again with the next batch);
 * - full-replay path: a new `ExecutionState` per turn, `replay(all persisted events)`, then `runTurn`.
 *
 * Every turn asserts that both paths produce the same delta, outcome, traces and state.
 * Payload arguments are user values: the builders encode them the way the engine does.
 */
import { expect } from 'vitest';
import { ExecutionState } from '../../src/engine/replay/execution.js';
import type {
  ExecutionOutcome,
  KvValue,
  OrchestrationHandler,
  TurnResult,
} from '../../src/engine/replay/execution.js';
import type { TraceLevel } from '../../src/engine/replay/context.js';
import type { EventBody } from '../../src/engine/replay/matching.js';
import { SYSCALL_NEW_GUID, SYSCALL_UTC_NOW } from '../../src/engine/replay/tasks.js';
import { DUROX_VERSION, encodePayload } from '../../src/core/history.js';
import type { EventKinds, EventOf, HistoryEvent, OrchestratorWorkItem } from '../../src/core/history.js';
import type { ApplicationErrorDetails, ErrorDetails } from '../../src/core/failure.js';

export const INSTANCE = 'inst-1';
export const ORCH = 'TestOrch';
export const VERSION = '1.0.0';
/** `now` of the first turn; turn k (0-based) runs at START_MS + k * STEP_MS. */
export const START_MS = 1_700_000_000_000;
export const STEP_MS = 1_000;

// ---------------------------------------------------------------------------------------------
// Events

/** An event without its envelope, optionally with a source and a timestamp. */
export type EventSpec = EventBody & { source_event_id?: number; timestamp_ms?: number };

export function started(
  input?: unknown,
  fields: Partial<EventKinds['OrchestrationStarted']> = {},
): EventSpec {
  return {
    type: 'OrchestrationStarted',
    name: ORCH,
    version: VERSION,
    input: encodePayload(input),
    ...fields,
  };
}

export function activityScheduled(
  name: string,
  input?: unknown,
  extra: { session_id?: string; tag?: string } = {},
): EventSpec {
  return { type: 'ActivityScheduled', name, input: encodePayload(input), ...extra };
}

export function activityCompleted(source: number, result?: unknown): EventSpec {
  return { type: 'ActivityCompleted', result: encodePayload(result), source_event_id: source };
}

export function activityFailed(source: number, message: string): EventSpec {
  return { type: 'ActivityFailed', details: appError(message), source_event_id: source };
}

export function activityCancelRequested(source: number, reason = 'dropped_future'): EventSpec {
  return { type: 'ActivityCancelRequested', reason, source_event_id: source };
}

export function timerCreated(fireAtMs: number): EventSpec {
  return { type: 'TimerCreated', fire_at_ms: fireAtMs };
}

export function timerFired(source: number, fireAtMs = 0): EventSpec {
  return { type: 'TimerFired', fire_at_ms: fireAtMs, source_event_id: source };
}

export function externalSubscribed(name: string): EventSpec {
  return { type: 'ExternalSubscribed', name };
}

export function externalEvent(name: string, data?: unknown): EventSpec {
  return { type: 'ExternalEvent', name, data: encodePayload(data) };
}

export function externalSubscribedCancelled(source: number, reason = 'dropped_future'): EventSpec {
  return { type: 'ExternalSubscribedCancelled', reason, source_event_id: source };
}

export function queueSubscribed(name: string): EventSpec {
  return { type: 'QueueSubscribed', name };
}

export function queueEventDelivered(name: string, data?: unknown): EventSpec {
  return { type: 'QueueEventDelivered', name, data: encodePayload(data) };
}

export function subOrchestrationScheduled(name: string, instance: string, input?: unknown): EventSpec {
  return { type: 'SubOrchestrationScheduled', name, instance, input: encodePayload(input) };
}

export function subOrchestrationCompleted(source: number, result?: unknown): EventSpec {
  return { type: 'SubOrchestrationCompleted', result: encodePayload(result), source_event_id: source };
}

export function orchestrationChained(name: string, instance: string, input?: unknown): EventSpec {
  return { type: 'OrchestrationChained', name, instance, input: encodePayload(input) };
}

export function customStatusUpdated(status: string | null): EventSpec {
  return { type: 'CustomStatusUpdated', status };
}

export function keyValueSet(key: string, value: string, lastUpdatedAtMs = START_MS): EventSpec {
  return { type: 'KeyValueSet', key, value, last_updated_at_ms: lastUpdatedAtMs };
}

export function cancelRequested(reason: string): EventSpec {
  return { type: 'OrchestrationCancelRequested', reason };
}

/** Application failure details as a worker records them. */
export function appError(
  message: string,
  kind: ApplicationErrorDetails['kind'] = 'ActivityFailed',
): ErrorDetails {
  return { category: 'application', kind, message, retryable: false };
}

export interface HistoryOptions {
  instanceId?: string;
  executionId?: number;
  timestampMs?: number;
}

/** Numbers the events 1..n and adds the envelope. */
export function historyWith(options: HistoryOptions, ...specs: EventSpec[]): HistoryEvent[] {
  return specs.map((spec, index) => {
    const { timestamp_ms, source_event_id, ...body } = spec;
    return {
      event_id: index + 1,
      ...(source_event_id === undefined ? {} : { source_event_id }),
      instance_id: options.instanceId ?? INSTANCE,
      execution_id: options.executionId ?? 1,
      timestamp_ms: timestamp_ms ?? options.timestampMs ?? START_MS,
      durox_version: DUROX_VERSION,
      ...body,
    } as HistoryEvent;
  });
}

export function history(...specs: EventSpec[]): HistoryEvent[] {
  return historyWith({}, ...specs);
}

// ---------------------------------------------------------------------------------------------
// Messages (orchestrator work items)

export interface MessageOptions {
  instanceId?: string;
  executionId?: number;
}

export function completeActivity(id: number, result?: unknown, o: MessageOptions = {}): OrchestratorWorkItem {
  return {
    type: 'ActivityCompleted',
    instance: o.instanceId ?? INSTANCE,
    execution_id: o.executionId ?? 1,
    id,
    result: encodePayload(result),
  };
}

export function failActivity(
  id: number,
  failure: string | ErrorDetails,
  o: MessageOptions = {},
): OrchestratorWorkItem {
  return {
    type: 'ActivityFailed',
    instance: o.instanceId ?? INSTANCE,
    execution_id: o.executionId ?? 1,
    id,
    details: typeof failure === 'string' ? appError(failure) : failure,
  };
}

export function fireTimer(id: number, fireAtMs = 0, o: MessageOptions = {}): OrchestratorWorkItem {
  return {
    type: 'TimerFired',
    instance: o.instanceId ?? INSTANCE,
    execution_id: o.executionId ?? 1,
    id,
    fire_at_ms: fireAtMs,
  };
}

export function raiseEvent(name: string, data?: unknown, o: MessageOptions = {}): OrchestratorWorkItem {
  return { type: 'ExternalRaised', instance: o.instanceId ?? INSTANCE, name, data: encodePayload(data) };
}

export function enqueue(name: string, data?: unknown, o: MessageOptions = {}): OrchestratorWorkItem {
  return { type: 'QueueMessage', instance: o.instanceId ?? INSTANCE, name, data: encodePayload(data) };
}

export function completeSubOrch(
  id: number,
  result?: unknown,
  o: MessageOptions & { child?: string } = {},
): OrchestratorWorkItem {
  return {
    type: 'SubOrchCompleted',
    instance: o.instanceId ?? INSTANCE,
    execution_id: o.executionId ?? 1,
    id,
    child_instance: o.child ?? `${o.instanceId ?? INSTANCE}::sub::${id}`,
    result: encodePayload(result),
  };
}

export function failSubOrch(
  id: number,
  failure: string | ErrorDetails,
  o: MessageOptions & { child?: string } = {},
): OrchestratorWorkItem {
  return {
    type: 'SubOrchFailed',
    instance: o.instanceId ?? INSTANCE,
    execution_id: o.executionId ?? 1,
    id,
    child_instance: o.child ?? `${o.instanceId ?? INSTANCE}::sub::${id}`,
    details: typeof failure === 'string' ? appError(failure, 'OrchestrationFailed') : failure,
  };
}

export function cancelInstance(reason: string, o: MessageOptions = {}): OrchestratorWorkItem {
  return { type: 'CancelInstance', instance: o.instanceId ?? INSTANCE, reason };
}

// ---------------------------------------------------------------------------------------------
// Reading results

/** `[event_id, type]` pairs (plus `source_event_id` when present): the shape most tests assert. */
export function kinds(events: readonly HistoryEvent[]): (string | number)[][] {
  return events.map((e) =>
    e.source_event_id === undefined ? [e.event_id, e.type] : [e.event_id, e.type, e.source_event_id],
  );
}

export function eventsOf<K extends HistoryEvent['type']>(
  events: readonly HistoryEvent[],
  type: K,
): EventOf<K>[] {
  return events.filter((e) => e.type === type) as EventOf<K>[];
}

/**
 * Types a non-generator function as a handler, for tests of what the engine does at run time
 * with plain and async functions (the handler type asks for a generator function).
 */
export function loose(fn: (ctx: any, input: any) => unknown): OrchestrationHandler {
  return fn as OrchestrationHandler;
}

/** The outcome's failure details (throws if the outcome is not Failed). */
export function failureOf(outcome: ExecutionOutcome): ErrorDetails {
  if (outcome.status !== 'Failed')
    throw new Error(`expected a Failed outcome, got ${JSON.stringify(outcome)}`);
  return outcome.details;
}

/** Asserts a Nondeterminism failure whose message contains every fragment; returns the message. */
export function expectNondeterminism(outcome: ExecutionOutcome, ...fragments: string[]): string {
  expect(outcome).toMatchObject({
    status: 'Failed',
    dispatch: false,
    details: { category: 'configuration', kind: 'Nondeterminism' },
  });
  const message = (failureOf(outcome) as { message: string }).message;
  for (const fragment of fragments) expect(message).toContain(fragment);
  return message;
}

/** Replaces stack traces (they name call sites that differ between paths and machines). */
export function normalize<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (key, v: unknown) => (key === 'stack' && typeof v === 'string' ? '<stack>' : v)),
  ) as T;
}

/** Activity schedules in `events` that have no completion and no cancellation yet (syscalls excluded). */
export function openActivities(events: readonly HistoryEvent[]): EventOf<'ActivityScheduled'>[] {
  const closed = new Set(
    events
      .filter(
        (e) =>
          e.type === 'ActivityCompleted' ||
          e.type === 'ActivityFailed' ||
          e.type === 'ActivityCancelRequested',
      )
      .map((e) => e.source_event_id),
  );
  return eventsOf(events, 'ActivityScheduled').filter(
    (e) => !closed.has(e.event_id) && e.name !== SYSCALL_NEW_GUID && e.name !== SYSCALL_UTC_NOW,
  );
}

/** Timers in `events` that have not fired. */
export function openTimers(events: readonly HistoryEvent[]): EventOf<'TimerCreated'>[] {
  const fired = new Set(eventsOf(events, 'TimerFired').map((e) => e.source_event_id));
  return eventsOf(events, 'TimerCreated').filter((e) => !fired.has(e.event_id));
}

// ---------------------------------------------------------------------------------------------
// Driving both paths

export interface DriverOptions {
  instanceId?: string;
  executionId?: number;
  name?: string;
  version?: string;
  input?: unknown;
  /** Extra OrchestrationStarted fields (carry-forward, parent, initial custom status). */
  startFields?: Partial<EventKinds['OrchestrationStarted']>;
  kvSnapshot?: Record<string, KvValue>;
  startMs?: number;
  stepMs?: number;
}

export interface TraceRecord {
  level: TraceLevel;
  message: string;
}

export interface DrivenTurn extends TurnResult {
  now: number;
  traces: TraceRecord[];
}

/** A batch: messages, or a function of the persisted history that returns them. */
export type Batch =
  readonly OrchestratorWorkItem[] | ((history: readonly HistoryEvent[]) => OrchestratorWorkItem[]);

/** Deterministic GUIDs: the same sequence for both paths of a turn. */
function guidSource(turn: number): () => string {
  let n = 0;
  return () => `00000000-0000-4000-8000-${String(turn).padStart(4, '0')}${String(++n).padStart(8, '0')}`;
}

function snapshot(exec: ExecutionState): unknown {
  return {
    historyLength: exec.historyLength,
    isFinished: exec.isFinished,
    openActivityIds: exec.openActivityIds(),
    customStatus: exec.ctx.getCustomStatus(),
    kv: exec.ctx.getKvAllValues(),
    kvKeys: exec.ctx.getKvAllKeys(),
    isReplaying: exec.ctx.isReplaying,
  };
}

/**
 * Runs one execution turn by turn on both paths and asserts that they agree. `history` holds the
 * persisted events (the concatenated deltas).
 */
export class TurnDriver {
  readonly history: HistoryEvent[] = [];
  readonly turns: DrivenTurn[] = [];
  readonly instanceId: string;
  readonly executionId: number;
  private cachedExec: ExecutionState | null = null;
  private cachedTraces: TraceRecord[] = [];
  private lastFresh: ExecutionState | null = null;

  constructor(
    private readonly handler: OrchestrationHandler,
    private readonly options: DriverOptions = {},
  ) {
    this.instanceId = options.instanceId ?? INSTANCE;
    this.executionId = options.executionId ?? 1;
  }

  /** The execution kept across turns (cached path). */
  get cached(): ExecutionState {
    if (!this.cachedExec) throw new Error('no turn has run yet');
    return this.cachedExec;
  }

  /** The execution rebuilt by full replay for the last turn. */
  get fresh(): ExecutionState {
    if (!this.lastFresh) throw new Error('no turn has run yet');
    return this.lastFresh;
  }

  get outcome(): ExecutionOutcome {
    const last = this.turns.at(-1);
    if (!last) throw new Error('no turn has run yet');
    return last.outcome;
  }

  get finished(): boolean {
    const last = this.turns.at(-1);
    return last !== undefined && last.outcome.status !== 'Running';
  }

  /** Time of turn `index` (0-based). */
  nowOf(index: number): number {
    return (this.options.startMs ?? START_MS) + index * (this.options.stepMs ?? STEP_MS);
  }

  private newExecution(traces: TraceRecord[]): ExecutionState {
    return new ExecutionState({
      instanceId: this.instanceId,
      executionId: this.executionId,
      handler: this.handler,
      ...(this.options.kvSnapshot ? { kvSnapshot: this.options.kvSnapshot } : {}),
      trace: (level, message) => traces.push({ level, message }),
    });
  }

  /** The first turn: records OrchestrationStarted and runs the code up to its first wait. */
  start(messages: readonly OrchestratorWorkItem[] = []): DrivenTurn {
    if (this.turns.length > 0) throw new Error('start() must be the first turn');
    return this.runBoth(messages);
  }

  /** A later turn with the next batch of messages. */
  turn(batch: Batch = []): DrivenTurn {
    if (this.turns.length === 0) throw new Error('call start() first');
    if (this.finished) throw new Error(`the execution already ended: ${JSON.stringify(this.outcome)}`);
    const messages = typeof batch === 'function' ? batch(this.history) : batch;
    return this.runBoth(messages);
  }

  /** start(first) then one turn per remaining batch. */
  run(...batches: Batch[]): DrivenTurn[] {
    const [first, ...rest] = batches;
    const out = [this.start(typeof first === 'function' ? first([]) : (first ?? []))];
    for (const batch of rest) out.push(this.turn(batch));
    return out;
  }

  private runBoth(messages: readonly OrchestratorWorkItem[]): DrivenTurn {
    const index = this.turns.length;
    const now = this.nowOf(index);
    const start =
      index === 0
        ? {
            name: this.options.name ?? ORCH,
            version: this.options.version ?? VERSION,
            input: encodePayload(this.options.input),
            ...this.options.startFields,
          }
        : undefined;

    // Cached path.
    if (index === 0) this.cachedExec = this.newExecution(this.cachedTraces);
    this.cachedTraces.length = 0;
    const cached = this.cachedExec!.runTurn({
      now,
      newGuid: guidSource(index),
      messages,
      ...(start ? { start } : {}),
    });
    const cachedTraces = [...this.cachedTraces];

    // Full-replay path.
    const freshTraces: TraceRecord[] = [];
    const fresh = this.newExecution(freshTraces);
    fresh.replay(this.history);
    expect(freshTraces, `turn ${index}: traces emitted while replaying`).toEqual([]);
    expect(fresh.ctx.isReplaying).toBe(true);
    const replayed = fresh.runTurn({
      now,
      newGuid: guidSource(index),
      messages,
      ...(start ? { start } : {}),
    });
    this.lastFresh = fresh;

    expect(normalize(replayed.delta), `turn ${index}: delta (full replay vs cached)`).toEqual(
      normalize(cached.delta),
    );
    expect(normalize(replayed.outcome), `turn ${index}: outcome (full replay vs cached)`).toEqual(
      normalize(cached.outcome),
    );
    expect(freshTraces, `turn ${index}: traces (full replay vs cached)`).toEqual(cachedTraces);
    expect(snapshot(fresh), `turn ${index}: state (full replay vs cached)`).toEqual(
      snapshot(this.cachedExec!),
    );

    // The delta continues the history: contiguous ids, this instance and execution, this turn's time.
    cached.delta.forEach((event, i) => {
      expect(event).toMatchObject({
        event_id: this.history.length + i + 1,
        instance_id: this.instanceId,
        execution_id: this.executionId,
        timestamp_ms: now,
      });
    });
    if (cached.outcome.status !== 'Running') {
      const last = cached.delta.at(-1);
      expect(last?.type).toBe(
        cached.outcome.status === 'Completed'
          ? 'OrchestrationCompleted'
          : cached.outcome.status === 'Failed'
            ? 'OrchestrationFailed'
            : 'OrchestrationContinuedAsNew',
      );
    }

    this.history.push(...cached.delta);
    const turn: DrivenTurn = { ...cached, now, traces: cachedTraces };
    this.turns.push(turn);
    return turn;
  }

  /**
   * Answers every open activity and fires every open timer, turn after turn, until the execution
   * ends (or `maxTurns`). `activity` returns the result, or throws to fail the activity.
   */
  runToCompletion(activity: (name: string, input: unknown) => unknown, maxTurns = 50): DrivenTurn[] {
    const out: DrivenTurn[] = [];
    for (let i = 0; i < maxTurns && !this.finished; i++) {
      out.push(this.turn(autoRespond(this.history, activity)));
    }
    if (!this.finished) throw new Error(`not finished after ${maxTurns} turns`);
    return out;
  }
}

/** Messages answering every open activity (via `activity`) and firing every open timer. */
export function autoRespond(
  events: readonly HistoryEvent[],
  activity: (name: string, input: unknown) => unknown,
): OrchestratorWorkItem[] {
  const executionId = events[0]?.execution_id ?? 1;
  const instanceId = events[0]?.instance_id ?? INSTANCE;
  const o = { executionId, instanceId };
  const messages: OrchestratorWorkItem[] = [];
  for (const scheduled of openActivities(events)) {
    try {
      const input = JSON.parse(scheduled.input) as unknown;
      messages.push(completeActivity(scheduled.event_id, activity(scheduled.name, input), o));
    } catch (error) {
      messages.push(
        failActivity(scheduled.event_id, error instanceof Error ? error.message : String(error), o),
      );
    }
  }
  for (const timer of openTimers(events)) messages.push(fireTimer(timer.event_id, timer.fire_at_ms, o));
  return messages;
}

/** A new execution over `events`: replay, then one live turn with `messages`. */
export function replayThenTurn(
  handler: OrchestrationHandler,
  events: readonly HistoryEvent[],
  messages: readonly OrchestratorWorkItem[] = [],
  options: {
    now?: number;
    kvSnapshot?: Record<string, KvValue>;
    executionId?: number;
    instanceId?: string;
  } = {},
): TurnResult & { exec: ExecutionState; traces: TraceRecord[] } {
  const traces: TraceRecord[] = [];
  const exec = new ExecutionState({
    instanceId: options.instanceId ?? INSTANCE,
    executionId: options.executionId ?? 1,
    handler,
    ...(options.kvSnapshot ? { kvSnapshot: options.kvSnapshot } : {}),
    trace: (level, message) => traces.push({ level, message }),
  });
  exec.replay(events);
  const result = exec.runTurn({
    now: options.now ?? START_MS + 100 * STEP_MS,
    newGuid: guidSource(99),
    messages,
  });
  return { ...result, exec, traces };
}

// ---------------------------------------------------------------------------------------------
// Re-enacting recorded histories

const SYSCALLS_DONE_IN_TURN = new Set([SYSCALL_NEW_GUID, SYSCALL_UTC_NOW]);

/** Splits an execution's events into turns (every event of a turn carries the turn's time). */
export function splitTurns(events: readonly HistoryEvent[]): HistoryEvent[][] {
  const turns: HistoryEvent[][] = [];
  let last: number | undefined;
  for (const event of events) {
    if (event.timestamp_ms !== last) turns.push([]);
    turns.at(-1)!.push(event);
    last = event.timestamp_ms;
  }
  return turns;
}

/**
 * The orchestrator messages that made a recorded turn: incoming events become the messages that
 * produced them, in order. Events the engine makes itself (actions, syscall completions,
 * carried-forward deliveries, terminal events) are skipped.
 */
export function messagesOfTurn(
  turn: readonly HistoryEvent[],
  before: readonly HistoryEvent[],
): OrchestratorWorkItem[] {
  const all = [...before, ...turn];
  const byId = new Map(all.map((e) => [e.event_id, e]));
  const first = all[0];
  const carried = first?.type === 'OrchestrationStarted' ? (first.carry_forward_events?.length ?? 0) : 0;
  const o = { instanceId: first?.instance_id ?? INSTANCE, executionId: first?.execution_id ?? 1 };
  const messages: OrchestratorWorkItem[] = [];
  for (const e of turn) {
    const source = e.source_event_id === undefined ? undefined : byId.get(e.source_event_id);
    switch (e.type) {
      case 'ActivityCompleted':
      case 'ActivityFailed':
        if (source?.type === 'ActivityScheduled' && SYSCALLS_DONE_IN_TURN.has(source.name)) break;
        messages.push(
          e.type === 'ActivityCompleted'
            ? {
                type: 'ActivityCompleted',
                instance: o.instanceId,
                execution_id: o.executionId,
                id: e.source_event_id!,
                result: e.result,
              }
            : failActivity(e.source_event_id!, e.details, o),
        );
        break;
      case 'TimerFired':
        messages.push(fireTimer(e.source_event_id!, e.fire_at_ms, o));
        break;
      case 'SubOrchestrationCompleted':
      case 'SubOrchestrationFailed': {
        const child = source?.type === 'SubOrchestrationScheduled' ? source.instance : '';
        messages.push(
          e.type === 'SubOrchestrationCompleted'
            ? {
                type: 'SubOrchCompleted',
                instance: o.instanceId,
                execution_id: o.executionId,
                id: e.source_event_id!,
                child_instance: child,
                result: e.result,
              }
            : failSubOrch(e.source_event_id!, e.details, { ...o, child }),
        );
        break;
      }
      case 'ExternalEvent':
        messages.push({ type: 'ExternalRaised', instance: o.instanceId, name: e.name, data: e.data });
        break;
      case 'QueueEventDelivered':
        if (e.event_id <= 1 + carried) break;
        messages.push({ type: 'QueueMessage', instance: o.instanceId, name: e.name, data: e.data });
        break;
      case 'OrchestrationCancelRequested':
        messages.push(cancelInstance(e.reason, o));
        break;
      default:
        break;
    }
  }
  return messages;
}

/** The GUIDs a recorded turn handed out, in order (its `new_guid` syscall results). */
export function guidsOfTurn(turn: readonly HistoryEvent[], before: readonly HistoryEvent[]): () => string {
  const byId = new Map([...before, ...turn].map((e) => [e.event_id, e]));
  const guids = eventsOf(turn, 'ActivityCompleted')
    .filter((e) => {
      const source = byId.get(e.source_event_id ?? -1);
      return source?.type === 'ActivityScheduled' && source.name === SYSCALL_NEW_GUID;
    })
    .map((e) => JSON.parse(e.result) as string);
  return () => {
    const next = guids.shift();
    if (next === undefined) throw new Error('the recorded turn handed out no more GUIDs');
    return next;
  };
}
