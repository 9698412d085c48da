/**
 * One execution of an orchestration, driven over its history.
 *
 * `replay(history)` re-runs the code over recorded events: every action the code emits must
 * match the next recorded action event (nondeterminism otherwise), and completions recorded in
 * history are delivered in history order. `runTurn(...)` then goes live: incoming messages
 * become new events as they are applied and new actions are recorded as they are emitted, so
 * history keeps the true causal order. The object stays valid after a turn, so a runtime may
 * keep it and run the next turn without replaying (same results as a fresh replay).
 *
 * This module reads no clock and no randomness: time and GUIDs come from the turn's inputs
 * (live) or from the recorded events (replay).
 */
import { DUROX_VERSION, TERMINAL_KINDS, decodePayload, encodePayload } from '../../core/history.js';
import type { EventKinds, HistoryEvent, OrchestratorWorkItem } from '../../core/history.js';
import { failureToError, toApplicationFailure } from '../../core/failure.js';
import type { ErrorDetails } from '../../core/failure.js';
import { IllegalStateError, NondeterminismError, isDuroxError } from '../../core/errors.js';
import { OrchestrationContext } from './context.js';
import type { ContextHost, TraceLevel } from './context.js';
import { ACTION_KINDS, describe, matches } from './matching.js';
import type { EventBody } from './matching.js';
import { CoroutineNode, JoinNode, LeafNode, SelectNode, errorMessage, isGenerator } from './nodes.js';
import type { LeafKind, Node, Outcome, PendingAction } from './nodes.js';
import { retryActivity } from './retry.js';
import { SYSCALL_GET_KV_VALUE, SYSCALL_NEW_GUID, SYSCALL_UTC_NOW, isTask } from './tasks.js';
import type { Task } from './tasks.js';
import { checkLimits } from './limits.js';

/**
 * An orchestration function: a generator function taking the context and the decoded input.
 * (A plain function returning a value also works; an async function is rejected at run time.)
 */
export type OrchestrationHandler = (ctx: OrchestrationContext, input: any) => Generator<any, any, any>;

/** A KV value as the execution sees it. */
export interface KvValue {
  value: string;
  lastUpdatedAtMs: number;
}

/** Receives `ctx.trace*` output (never called while replaying). */
export type TraceSink = (level: TraceLevel, message: string, execution: ExecutionState) => void;

export interface ExecutionInit {
  instanceId: string;
  executionId: number;
  handler: OrchestrationHandler;
  /** KV committed by previous executions. */
  kvSnapshot?: Record<string, KvValue>;
  trace?: TraceSink;
}

/** Inputs of a live turn. */
export interface TurnInput {
  /** Wall-clock time of the turn (epoch ms): event timestamps, timer deadlines, `utcNow`. */
  now: number;
  newGuid: () => string;
  /** Incoming messages, in queue order. Start and continue-as-new items are ignored here. */
  messages: readonly OrchestratorWorkItem[];
  /** For a new execution: the OrchestrationStarted fields (history must be empty). */
  start?: EventKinds['OrchestrationStarted'];
}

/** How the execution stands after a turn. */
export type ExecutionOutcome =
  | { status: 'Running' }
  | { status: 'Completed'; output: string }
  /** `dispatch: false` when the turn's new work must not be sent (nondeterminism, limits, aborts). */
  | { status: 'Failed'; details: ErrorDetails; dispatch: boolean }
  | { status: 'ContinuedAsNew'; input: string; version?: string; carryForward: [string, string][] };

export interface TurnResult {
  /** Events recorded this turn, in order. */
  delta: HistoryEvent[];
  outcome: ExecutionOutcome;
}

/** Queue messages beyond this are dropped by continue-as-new. */
export const MAX_CARRY_FORWARD_EVENTS = 20;

type CompletionKind = 'activity' | 'timer' | 'subOrchestration';

interface ScheduleRecord {
  kind: CompletionKind;
  leaf: LeafNode;
  completed: boolean;
}

interface QueueState {
  buffer: { data: string; seq: number }[];
  waiting: LeafNode[];
}

const COMPLETION_KIND: Partial<Record<HistoryEvent['type'], CompletionKind>> = {
  ActivityCompleted: 'activity',
  ActivityFailed: 'activity',
  TimerFired: 'timer',
  SubOrchestrationCompleted: 'subOrchestration',
  SubOrchestrationFailed: 'subOrchestration',
};

const MESSAGE_KIND: Partial<Record<OrchestratorWorkItem['type'], CompletionKind>> = {
  ActivityCompleted: 'activity',
  ActivityFailed: 'activity',
  TimerFired: 'timer',
  SubOrchCompleted: 'subOrchestration',
  SubOrchFailed: 'subOrchestration',
};

function typedValue(value: unknown, typed: boolean): unknown {
  if (!typed || typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

function removeFrom<T>(list: T[] | undefined, item: T): void {
  const index = list?.indexOf(item) ?? -1;
  if (index >= 0) list!.splice(index, 1);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

/**
 * Marks a Promise the code handed us (and that we refuse) as handled: otherwise its later
 * rejection would be an unhandled rejection, which terminates a Node process.
 */
function ignoreRejection(value: PromiseLike<unknown>): void {
  try {
    void value.then(undefined, () => undefined);
  } catch {
    // A broken thenable: nothing to observe.
  }
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  ) {
    return 'a Promise';
  }
  try {
    return JSON.stringify(value)?.slice(0, 60) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The replay state of one execution. */
export class ExecutionState implements ContextHost {
  readonly instanceId: string;
  readonly executionId: number;
  readonly ctx: OrchestrationContext;

  private readonly handler: OrchestrationHandler;
  private readonly traceSink: TraceSink | undefined;
  private started: EventKinds['OrchestrationStarted'] | null = null;
  private readonly root = new CoroutineNode(null, true);

  /** Events recorded so far (persisted + this turn); the next event_id is this + 1. */
  private eventCount = 0;
  private delta: HistoryEvent[] = [];
  private live = false;
  private now = 0;
  private newGuid: () => string = () => {
    throw new IllegalStateError('newGuid is only available during a live turn');
  };
  private codeDepth = 0;

  private readonly pending: PendingAction[] = [];
  private readonly jobs: Node[] = [];
  private readonly schedules = new Map<number, ScheduleRecord>();
  /** Bound leaves that can still complete and need a breadcrumb if the execution ends first. */
  private readonly openLeaves = new Set<LeafNode>();
  private readonly childInstances = new Map<number, string>();
  private readonly externalSubs = new Map<string, LeafNode[]>();
  private readonly queues = new Map<string, QueueState>();
  private queueSeq = 0;

  private readonly kv: Map<string, KvValue>;
  private customStatus: string | null = null;

  private rootOutcome: Outcome | null = null;
  private continueAsNew: { input: string; version?: string } | null = null;
  private cancelReason: string | null = null;
  private failure: { details: ErrorDetails; duringReplay: boolean } | null = null;
  /** Set when nothing more may run: root finished, failure, cancellation or continue-as-new. */
  private halted = false;
  /** Set once the terminal event has been recorded. */
  private ended = false;
  /** Where replay found the code disagreeing with history (set with a nondeterminism failure). */
  divergence: { eventId: number; recorded: string; actual: string } | null = null;
  /** Set when the code finished while history still had actions to match (tolerated). */
  finishedBefore: { eventId: number; recorded: string } | null = null;

  constructor(init: ExecutionInit) {
    this.instanceId = init.instanceId;
    this.executionId = init.executionId;
    this.handler = init.handler;
    this.traceSink = init.trace;
    this.kv = new Map(Object.entries(init.kvSnapshot ?? {}).map(([k, v]) => [k, { ...v }]));
    this.ctx = new OrchestrationContext(this);
  }

  // ---- ContextHost --------------------------------------------------------------------------

  get orchestrationName(): string {
    return this.started?.name ?? '';
  }

  get orchestrationVersion(): string {
    return this.started?.version ?? '';
  }

  get replaying(): boolean {
    return !this.live;
  }

  /** Number of events recorded so far (the history length a cache entry is valid for). */
  get historyLength(): number {
    return this.eventCount;
  }

  /** True once the execution has reached a terminal outcome. */
  get isFinished(): boolean {
    return this.halted;
  }

  assertInTurn(method: string): void {
    if (this.codeDepth === 0) {
      throw new IllegalStateError(
        `ctx.${method}() was called outside the orchestration's turn; call it from the orchestration function while it runs`,
        { instanceId: this.instanceId },
      );
    }
  }

  setCustomStatus(status: string | null): void {
    this.customStatus = status;
    this.emit({ body: { type: 'CustomStatusUpdated', status } });
  }

  getCustomStatus(): string | null {
    return this.customStatus;
  }

  kvSet(key: string, value: string): void {
    this.kv.set(key, { value, lastUpdatedAtMs: this.now });
    this.emit({ body: { type: 'KeyValueSet', key, value, last_updated_at_ms: this.now } });
  }

  kvGet(key: string): string | null {
    return this.kv.get(key)?.value ?? null;
  }

  kvClear(key: string): void {
    this.kv.delete(key);
    this.emit({ body: { type: 'KeyValueCleared', key } });
  }

  kvClearAll(): void {
    this.kv.clear();
    this.emit({ body: { type: 'KeyValuesCleared' } });
  }

  kvEntries(): ReadonlyMap<string, KvValue> {
    return this.kv;
  }

  trace(level: TraceLevel, message: string): void {
    if (this.live && this.traceSink) this.traceSink(level, message, this);
  }

  // ---- driving ------------------------------------------------------------------------------

  /** Re-runs the code over persisted history. Nondeterminism is recorded, not thrown. */
  replay(history: readonly HistoryEvent[]): void {
    if (this.eventCount !== 0) throw new IllegalStateError('replay() must run before any turn');
    this.live = false;
    try {
      if (history.length > 0 && history[0]?.type !== 'OrchestrationStarted') {
        throw new NondeterminismError('corrupted history: first event must be OrchestrationStarted', {
          instanceId: this.instanceId,
        });
      }
      for (const [index, event] of history.entries()) {
        if (this.halted) {
          if (this.matchAfterFinish(event)) continue;
          this.noteFinishedBefore(history.slice(index));
          break;
        }
        this.now = event.timestamp_ms;
        this.eventCount = event.event_id;
        this.applyRecorded(event);
        this.drain();
      }
    } catch (err) {
      this.recordFailure(err, true);
    }
    this.eventCount = history.length;
  }

  /** Runs a live turn: applies the messages and records what the code does. */
  runTurn(input: TurnInput): TurnResult {
    if (this.ended) throw new IllegalStateError('runTurn() on an execution that has already ended');
    this.live = true;
    this.now = input.now;
    this.newGuid = input.newGuid;
    this.delta = [];
    try {
      if (input.start) {
        if (this.eventCount !== 0)
          throw new IllegalStateError('start given for an execution that has history');
        this.beginExecution(input.start);
      } else if (!this.failure) {
        if (this.started === null) {
          throw new NondeterminismError('corrupted history: empty', { instanceId: this.instanceId });
        }
        // Actions emitted during replay beyond recorded history are recorded first.
        for (const action of this.pending.splice(0)) this.record(action);
      }
      this.drain();
      for (const message of input.messages) {
        if (this.halted) {
          this.applyAfterContinueAsNew(message);
          continue;
        }
        this.applyMessage(message);
        this.drain();
      }
    } catch (err) {
      this.recordFailure(err, false);
    }
    const outcome = this.conclude();
    return { delta: this.delta, outcome };
  }

  /** What the code itself did so far: still waiting, returned, threw or continued as new. */
  get codeOutcome():
    | { kind: 'waiting' }
    | { kind: 'returned'; value: unknown }
    | { kind: 'threw'; error: unknown }
    | { kind: 'continuedAsNew'; input: string } {
    if (this.continueAsNew) return { kind: 'continuedAsNew', input: this.continueAsNew.input };
    if (!this.rootOutcome) return { kind: 'waiting' };
    return this.rootOutcome.ok
      ? { kind: 'returned', value: this.rootOutcome.value }
      : { kind: 'threw', error: this.rootOutcome.error };
  }

  /** Nondeterminism or other failure recorded during replay, if any. */
  get replayFailure(): ErrorDetails | null {
    return this.failure?.details ?? null;
  }

  /** The instance id of the sub-orchestration scheduled at `eventId`. */
  childInstanceOf(eventId: number): string | undefined {
    return this.childInstances.get(eventId);
  }

  /** The OrchestrationStarted fields of this execution. */
  get startedEvent(): EventKinds['OrchestrationStarted'] | null {
    return this.started;
  }

  /** Activity schedules of this execution that have neither completed nor been cancelled. */
  openActivityIds(): number[] {
    const ids: number[] = [];
    for (const [id, rec] of this.schedules) {
      if (rec.kind === 'activity' && !rec.completed && !rec.leaf.cancelled && rec.leaf.kind === 'activity')
        ids.push(id);
    }
    return ids;
  }

  // ---- replay of recorded events --------------------------------------------------------------

  private applyRecorded(event: HistoryEvent): void {
    if (event.type === 'OrchestrationStarted') {
      if (this.started !== null)
        throw this.nondeterminism(`duplicate OrchestrationStarted at event ${event.event_id}`);
      this.started = event;
      this.customStatus = event.initial_custom_status ?? null;
      this.startRoot();
      return;
    }
    if (ACTION_KINDS.has(event.type)) return this.matchRecorded(event);
    const completionKind = COMPLETION_KIND[event.type];
    if (completionKind !== undefined) {
      const rec = this.schedules.get(event.source_event_id ?? -1);
      if (!rec || rec.completed) {
        this.divergence = {
          eventId: event.event_id,
          recorded: describe(event),
          actual: 'no open schedule for it',
        };
        throw this.nondeterminism(
          `completion without open schedule: event ${event.event_id} ${event.type} (source ${event.source_event_id})`,
        );
      }
      if (rec.kind !== completionKind) {
        this.divergence = {
          eventId: event.event_id,
          recorded: describe(event),
          actual: `a ${rec.kind} at ${event.source_event_id}`,
        };
        throw this.nondeterminism(
          `completion kind mismatch: event ${event.event_id} ${event.type} completes a ${rec.kind} (source ${event.source_event_id})`,
        );
      }
      return this.complete(rec, event);
    }
    switch (event.type) {
      case 'ExternalEvent':
        return this.deliverExternal(event.name, event.data);
      case 'QueueEventDelivered':
        return this.deliverQueue(event.name, event.data);
      case 'OrchestrationCancelRequested':
        this.cancelReason = event.reason;
        this.halted = true;
        return;
      default:
        if (TERMINAL_KINDS.has(event.type)) this.halted = true;
    }
  }

  /**
   * After the code finished, actions it emitted on the way out (status, KV, breadcrumbs) are
   * still matched against history, so a live turn does not record them a second time.
   */
  private matchAfterFinish(event: HistoryEvent): boolean {
    if (!this.root.done || this.failure || this.cancelReason !== null || this.pending.length === 0)
      return false;
    if (ACTION_KINDS.has(event.type)) {
      this.eventCount = event.event_id;
      this.matchRecorded(event);
    }
    return true;
  }

  /** The code finished while history still holds actions: tolerated, but worth reporting. */
  private noteFinishedBefore(rest: readonly HistoryEvent[]): void {
    if (this.failure || this.cancelReason !== null || !this.root.done) return;
    const next = rest.find((e) => ACTION_KINDS.has(e.type));
    if (next && this.pending.length === 0)
      this.finishedBefore = { eventId: next.event_id, recorded: describe(next) };
  }

  private matchRecorded(event: HistoryEvent): void {
    const action = this.pending.shift();
    if (action === undefined) {
      if (this.root.done) {
        // The code finished earlier than history: tolerated, the rest is not validated.
        this.finishedBefore = { eventId: event.event_id, recorded: describe(event) };
        this.halted = true;
        return;
      }
      this.divergence = {
        eventId: event.event_id,
        recorded: describe(event),
        actual: 'nothing (the code is waiting)',
      };
      throw this.nondeterminism(
        `history schedule but no emitted action: event ${event.event_id} ${describe(event)}`,
      );
    }
    const source = action.cancelOf?.eventId;
    if (!matches(action.body, event) || (action.cancelOf !== undefined && event.source_event_id !== source)) {
      this.divergence = {
        eventId: event.event_id,
        recorded: describe(event),
        actual: describe(action.body, source),
      };
      throw this.nondeterminism(
        `schedule mismatch: action=${describe(action.body, source)} vs event=${describe(event)} (event_id ${event.event_id})`,
      );
    }
    if (action.leaf) this.bind(action.leaf, event);
  }

  // ---- live messages ------------------------------------------------------------------------

  private beginExecution(start: EventKinds['OrchestrationStarted']): void {
    const started = this.append({ type: 'OrchestrationStarted', ...start });
    this.started = started as EventKinds['OrchestrationStarted'];
    this.customStatus = start.initial_custom_status ?? null;
    for (const [name, data] of start.carry_forward_events ?? []) {
      this.append({ type: 'QueueEventDelivered', name, data });
      this.deliverQueue(name, data);
    }
    this.startRoot();
  }

  private applyMessage(message: OrchestratorWorkItem): void {
    const kind = MESSAGE_KIND[message.type];
    if (kind !== undefined) {
      const m = message as Extract<OrchestratorWorkItem, { id: number; execution_id: number }>;
      if (m.execution_id !== this.executionId) return; // for another execution: dropped
      const rec = this.schedules.get(m.id);
      if (!rec) {
        const what = kind === 'activity' ? 'completion' : kind === 'timer' ? 'timer' : 'sub-orchestration';
        throw this.nondeterminism(`no matching schedule for ${what} id=${m.id}`);
      }
      if (rec.kind !== kind) {
        throw this.nondeterminism(
          `completion kind mismatch for id=${m.id}, expected '${rec.kind}', got '${kind}'`,
        );
      }
      if (rec.completed) return; // duplicate delivery
      return this.complete(rec, this.append(this.completionBody(m), m.id));
    }
    switch (message.type) {
      case 'ExternalRaised':
        this.append({ type: 'ExternalEvent', name: message.name, data: message.data });
        return this.deliverExternal(message.name, message.data);
      case 'QueueMessage':
        this.append({ type: 'QueueEventDelivered', name: message.name, data: message.data });
        return this.deliverQueue(message.name, message.data);
      case 'CancelInstance':
        if (this.cancelReason !== null) return;
        this.append({ type: 'OrchestrationCancelRequested', reason: message.reason });
        this.cancelReason = message.reason;
        this.halted = true;
        return;
      default:
        // StartOrchestration and ContinueAsNew are handled by the runtime before the turn.
        return;
    }
  }

  /**
   * Continue-as-new ends the code but not the instance, and the runtime acks the whole batch: a
   * queue message later in the batch is recorded so it carries forward, and a cancel request is
   * recorded so it takes precedence (also over a value the code returned in this batch, as
   * duroxide stages the whole batch before the code runs). Everything else after the halt is
   * dropped.
   */
  private applyAfterContinueAsNew(message: OrchestratorWorkItem): void {
    if (this.failure !== null || this.cancelReason !== null) return;
    if (message.type === 'CancelInstance') return this.applyMessage(message);
    if (this.continueAsNew === null) return;
    if (message.type === 'QueueMessage') {
      this.append({ type: 'QueueEventDelivered', name: message.name, data: message.data });
      this.queue(message.name).buffer.push({ data: message.data, seq: this.queueSeq++ });
    }
  }

  private completionBody(m: OrchestratorWorkItem): EventBody {
    switch (m.type) {
      case 'ActivityCompleted':
        return { type: 'ActivityCompleted', result: m.result };
      case 'ActivityFailed':
        return { type: 'ActivityFailed', details: m.details };
      case 'TimerFired':
        return { type: 'TimerFired', fire_at_ms: m.fire_at_ms };
      case 'SubOrchCompleted':
        return { type: 'SubOrchestrationCompleted', result: m.result };
      case 'SubOrchFailed':
        return { type: 'SubOrchestrationFailed', details: m.details };
      default:
        throw new IllegalStateError(`not a completion: ${m.type}`);
    }
  }

  // ---- recording ----------------------------------------------------------------------------

  private append(body: EventBody, sourceEventId?: number): HistoryEvent {
    this.eventCount += 1;
    if (body.type === 'SubOrchestrationScheduled' && body.instance === '') {
      body = { ...body, instance: `${this.instanceId}::sub::${this.eventCount}` };
    }
    const event = {
      event_id: this.eventCount,
      ...(sourceEventId === undefined ? {} : { source_event_id: sourceEventId }),
      instance_id: this.instanceId,
      execution_id: this.executionId,
      timestamp_ms: this.now,
      durox_version: DUROX_VERSION,
      ...body,
    } as HistoryEvent;
    this.delta.push(event);
    return event;
  }

  private emit(action: PendingAction): void {
    if (this.live) this.record(action);
    else this.pending.push(action);
  }

  private record(action: PendingAction): void {
    const event = this.append(action.body, action.cancelOf?.eventId);
    if (action.leaf) this.bind(action.leaf, event);
  }

  // ---- the node tree ------------------------------------------------------------------------

  private bind(leaf: LeafNode, event: HistoryEvent): void {
    leaf.eventId = event.event_id;
    switch (leaf.kind) {
      case 'activity':
      case 'timer':
      case 'subOrchestration': {
        this.schedules.set(event.event_id, { kind: leaf.kind, leaf, completed: false });
        if (event.type === 'SubOrchestrationScheduled')
          this.childInstances.set(event.event_id, event.instance);
        if (!leaf.cancelled && leaf.kind !== 'timer') this.openLeaves.add(leaf);
        return;
      }
      case 'syscall': {
        const rec: ScheduleRecord = { kind: 'activity', leaf, completed: false };
        this.schedules.set(event.event_id, rec);
        if (this.live) {
          const name = (event as EventKinds['ActivityScheduled']).name;
          const value = name === SYSCALL_UTC_NOW ? this.now : this.newGuid();
          this.complete(
            rec,
            this.append({ type: 'ActivityCompleted', result: encodePayload(value) }, event.event_id),
          );
        }
        return;
      }
      case 'waitEvent': {
        if (leaf.cancelled) return;
        const name = (event as EventKinds['ExternalSubscribed']).name;
        const subs = this.externalSubs.get(name) ?? [];
        subs.push(leaf);
        this.externalSubs.set(name, subs);
        this.openLeaves.add(leaf);
        return;
      }
      case 'dequeue': {
        if (leaf.cancelled) return;
        const name = (event as EventKinds['QueueSubscribed']).name;
        const queue = this.queue(name);
        const message = queue.buffer.shift();
        if (message) {
          leaf.taken = { queue: name, ...message };
          this.settle(leaf, { ok: true, value: typedValue(decodePayload(message.data), leaf.typed) });
        } else {
          queue.waiting.push(leaf);
          this.openLeaves.add(leaf);
        }
        return;
      }
      case 'detached':
        this.settle(leaf, { ok: true, value: null });
        return;
      case 'immediate':
        return;
    }
  }

  private complete(rec: ScheduleRecord, event: HistoryEvent): void {
    rec.completed = true;
    const leaf = rec.leaf;
    this.openLeaves.delete(leaf);
    if (leaf.cancelled || leaf.settled) return;
    switch (event.type) {
      case 'ActivityCompleted':
      case 'SubOrchestrationCompleted':
        return this.settle(leaf, { ok: true, value: typedValue(decodePayload(event.result), leaf.typed) });
      case 'TimerFired':
        return this.settle(leaf, { ok: true, value: null });
      case 'ActivityFailed':
      case 'SubOrchestrationFailed':
        if (event.details.category !== 'application') {
          // Infrastructure, configuration and poison failures are not catchable: the whole
          // execution fails with the same details.
          this.failure = { details: event.details, duringReplay: !this.live };
          this.halted = true;
          return;
        }
        return this.settle(leaf, { ok: false, error: failureToError(event.details) });
      default:
        return;
    }
  }

  private deliverExternal(name: string, data: string): void {
    const subs = this.externalSubs.get(name);
    const leaf = subs?.shift();
    if (!leaf) return; // no active subscription: recorded, never delivered
    this.openLeaves.delete(leaf);
    this.settle(leaf, { ok: true, value: typedValue(decodePayload(data), leaf.typed) });
  }

  private deliverQueue(name: string, data: string): void {
    const queue = this.queue(name);
    const leaf = queue.waiting.shift();
    const seq = this.queueSeq++;
    if (!leaf) {
      queue.buffer.push({ data, seq });
      return;
    }
    leaf.taken = { queue: name, data, seq };
    this.openLeaves.delete(leaf);
    this.settle(leaf, { ok: true, value: typedValue(decodePayload(data), leaf.typed) });
  }

  private queue(name: string): QueueState {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = { buffer: [], waiting: [] };
      this.queues.set(name, queue);
    }
    return queue;
  }

  private settle(node: Node, outcome: Outcome): void {
    if (node.settled || node.cancelled) return;
    node.settled = true;
    node.outcome = outcome;
    if (node.parent) this.jobs.push(node);
  }

  /** Delivers settled nodes to their parents until nothing more can run. */
  private drain(): void {
    let head = 0;
    while (head < this.jobs.length && !this.halted) {
      const node = this.jobs[head++]!;
      this.notifyParent(node);
    }
    this.jobs.length = 0;
  }

  private notifyParent(child: Node): void {
    const parent = child.parent;
    if (!parent || parent.settled || parent.cancelled) return;
    const outcome = child.outcome!;
    switch (parent.node) {
      case 'coroutine':
        if (!parent.done && parent.awaiting === child) this.resume(parent, outcome);
        return;
      case 'join':
        if (parent.children.every((c) => c.settled)) {
          const items = parent.children.map((c) =>
            c.outcome!.ok ? { ok: c.outcome!.value } : { err: errorMessage(c.outcome!.error) },
          );
          this.settle(parent, { ok: true, value: items });
        }
        return;
      case 'select': {
        const index = parent.children.indexOf(child);
        const value = outcome.ok ? outcome.value : errorMessage(outcome.error);
        this.settle(parent, { ok: true, value: { index, value } });
        for (const other of parent.children) if (other !== child) this.cancel(other, 'dropped_future');
        return;
      }
    }
  }

  private cancel(node: Node, reason: string): void {
    if (node.cancelled) return;
    if (node.settled) {
      // A settled node reached by a cancellation was never observed by the code (a race loser
      // that settled in the same step as the winner, or part of an unfinished join). A queue
      // message it took goes back: a cancelled dequeue never consumes a message.
      if (node.node === 'leaf' && node.taken) this.giveBack(node, reason);
      return;
    }
    node.cancelled = true;
    switch (node.node) {
      case 'leaf':
        return this.cancelLeaf(node, reason);
      case 'join':
      case 'select':
        for (const child of node.children) this.cancel(child, reason);
        return;
      case 'coroutine':
        node.done = true;
        if (node.awaiting) this.cancel(node.awaiting, reason);
        return;
    }
  }

  private giveBack(leaf: LeafNode, reason: string): void {
    const { queue: name, data, seq } = leaf.taken!;
    leaf.taken = undefined;
    leaf.cancelled = true;
    const buffer = this.queue(name).buffer;
    const at = buffer.findIndex((m) => m.seq > seq);
    buffer.splice(at < 0 ? buffer.length : at, 0, { data, seq });
    this.emit({ body: { type: 'QueueSubscriptionCancelled', reason }, cancelOf: leaf });
  }

  private cancelLeaf(leaf: LeafNode, reason: string): void {
    this.openLeaves.delete(leaf);
    const breadcrumb = this.breadcrumbFor(leaf, reason);
    if (leaf.kind === 'waitEvent' && leaf.body?.type === 'ExternalSubscribed') {
      removeFrom(this.externalSubs.get(leaf.body.name), leaf);
    }
    if (leaf.kind === 'dequeue' && leaf.body?.type === 'QueueSubscribed') {
      removeFrom(this.queues.get(leaf.body.name)?.waiting, leaf);
    }
    if (breadcrumb) this.emit({ body: breadcrumb, cancelOf: leaf });
  }

  private breadcrumbFor(leaf: LeafNode, reason: string): EventBody | null {
    switch (leaf.kind) {
      case 'activity':
        return { type: 'ActivityCancelRequested', reason };
      case 'subOrchestration':
        return { type: 'SubOrchestrationCancelRequested', reason };
      case 'waitEvent':
        return { type: 'ExternalSubscribedCancelled', reason };
      case 'dequeue':
        return { type: 'QueueSubscriptionCancelled', reason };
      default:
        return null;
    }
  }

  // ---- running user code --------------------------------------------------------------------

  private startRoot(): void {
    const started = this.started!;
    const input = decodePayload(started.input);
    let result: unknown;
    this.codeDepth++;
    try {
      result = this.handler(this.ctx, input);
    } catch (error) {
      this.finish(this.root, { ok: false, error });
      return;
    } finally {
      this.codeDepth--;
    }
    if (isGenerator(result)) {
      this.root.gen = result;
      this.resume(this.root, { ok: true, value: undefined });
    } else if (isThenable(result)) {
      ignoreRejection(result);
      const error = new TypeError(
        `orchestration "${started.name}" returned a Promise: orchestrations must be generator functions (function*), which durox can replay`,
      );
      this.finish(this.root, { ok: false, error });
    } else {
      this.finish(this.root, { ok: true, value: result });
    }
  }

  private resume(co: CoroutineNode, outcome: Outcome): void {
    if (co.done || this.halted) return;
    let step: IteratorResult<Task, unknown>;
    this.codeDepth++;
    try {
      step = outcome.ok ? co.gen!.next(outcome.value) : co.gen!.throw(outcome.error);
    } catch (error) {
      if (isDuroxError(error, 'NONDETERMINISM')) throw error;
      this.finish(co, { ok: false, error });
      return;
    } finally {
      this.codeDepth--;
    }
    if (step.done) {
      this.finish(co, { ok: true, value: step.value });
      return;
    }
    const yielded: unknown = step.value;
    if (isTask(yielded) && yielded.type === 'continueAsNew') {
      if (co.isRoot) {
        this.continueAsNew = {
          input: yielded.input,
          ...(yielded.version ? { version: yielded.version } : {}),
        };
        co.done = true;
        this.halted = true;
        return;
      }
      co.awaiting = this.immediate(
        co,
        new Error('continueAsNew must be yielded by the orchestration itself'),
      );
      return;
    }
    let node: Node;
    try {
      node = this.start(yielded, co, false);
    } catch (error) {
      if (isDuroxError(error, 'NONDETERMINISM')) throw error;
      node = this.immediate(co, error);
    }
    co.awaiting = node;
  }

  private finish(co: CoroutineNode, outcome: Outcome): void {
    co.done = true;
    if (co.isRoot) {
      this.rootOutcome = outcome;
      this.halted = true;
    } else {
      this.settle(co, outcome);
    }
  }

  private immediate(parent: CoroutineNode, error: unknown): LeafNode {
    const leaf = new LeafNode('immediate', null);
    leaf.parent = parent;
    this.settle(leaf, { ok: false, error });
    return leaf;
  }

  /** Turns a yielded value into a node, emitting its actions. */
  private start(task: unknown, parent: JoinNode | SelectNode | CoroutineNode, inheritedTyped: boolean): Node {
    if (isGenerator(task)) return this.startCoroutine(task, parent, inheritedTyped);
    if (!isTask(task)) {
      if (isThenable(task)) ignoreRejection(task);
      throw new TypeError(
        `orchestration yielded ${describeValue(task)}, which is not a durox task (yield ctx.scheduleActivity(...), ctx.scheduleTimer(...), ctx.all([...]) ...)`,
      );
    }
    const typed = inheritedTyped || task._typed === true;
    switch (task.type) {
      case 'activity':
        return this.leaf('activity', parent, typed, {
          type: 'ActivityScheduled',
          name: task.name,
          input: task.input,
          ...(task.sessionId === undefined ? {} : { session_id: task.sessionId }),
          ...(task.tag === undefined ? {} : { tag: task.tag }),
        });
      case 'activityWithRetry':
        return this.startCoroutine(retryActivity(this.ctx, task), parent, typed);
      case 'timer':
        return this.leaf('timer', parent, typed, {
          type: 'TimerCreated',
          fire_at_ms: this.now + task.delayMs,
        });
      case 'waitEvent':
        return this.leaf('waitEvent', parent, typed, { type: 'ExternalSubscribed', name: task.name });
      case 'dequeueEvent':
        return this.leaf('dequeue', parent, typed, { type: 'QueueSubscribed', name: task.queue });
      case 'subOrchestration':
        return this.leaf('subOrchestration', parent, typed, {
          type: 'SubOrchestrationScheduled',
          name: task.name,
          instance: task.instanceId ?? '',
          input: task.input,
          ...(task.version === undefined ? {} : { version: task.version }),
        });
      case 'orchestration':
        return this.leaf('detached', parent, typed, {
          type: 'OrchestrationChained',
          name: task.name,
          instance: task.instanceId,
          input: task.input,
          ...(task.version === undefined ? {} : { version: task.version }),
        });
      case 'newGuid':
        return this.leaf('syscall', parent, typed, {
          type: 'ActivityScheduled',
          name: SYSCALL_NEW_GUID,
          input: '',
        });
      case 'utcNow':
        return this.leaf('syscall', parent, typed, {
          type: 'ActivityScheduled',
          name: SYSCALL_UTC_NOW,
          input: '',
        });
      case 'getValueFromInstance':
        return this.leaf('activity', parent, typed, {
          type: 'ActivityScheduled',
          name: SYSCALL_GET_KV_VALUE,
          input: JSON.stringify({ instance_id: task.instanceId, key: task.key }),
        });
      case 'continueAsNew':
        throw new TypeError(
          'continueAsNew must be yielded by the orchestration itself, not inside all() or race()',
        );
      case 'join': {
        const join = new JoinNode();
        join.parent = parent;
        join.typed = typed;
        for (const child of task.tasks) join.children.push(this.start(child, join, typed));
        if (join.children.length === 0) this.settle(join, { ok: true, value: [] });
        return join;
      }
      case 'select': {
        if (task.tasks.length < 2)
          throw new TypeError(`race() needs at least 2 tasks, got ${task.tasks.length}`);
        const select = new SelectNode();
        select.parent = parent;
        select.typed = typed;
        for (const child of task.tasks) select.children.push(this.start(child, select, typed));
        return select;
      }
      case 'scope':
        return this.startCoroutine(task.generator, parent, typed);
    }
  }

  private leaf(kind: LeafKind, parent: Node, typed: boolean, body: EventBody): LeafNode {
    const leaf = new LeafNode(kind, body);
    leaf.parent = parent as JoinNode | SelectNode | CoroutineNode;
    leaf.typed = typed;
    this.emit({ body, leaf });
    return leaf;
  }

  private startCoroutine(
    gen: Generator<Task, unknown, unknown>,
    parent: JoinNode | SelectNode | CoroutineNode,
    typed: boolean,
  ): CoroutineNode {
    const co = new CoroutineNode(gen, false);
    co.parent = parent;
    co.typed = typed;
    this.resume(co, { ok: true, value: undefined });
    return co;
  }

  // ---- ending a turn ------------------------------------------------------------------------

  private nondeterminism(message: string): NondeterminismError {
    return new NondeterminismError(message, { instanceId: this.instanceId, executionId: this.executionId });
  }

  private recordFailure(err: unknown, duringReplay: boolean): void {
    if (isDuroxError(err, 'NONDETERMINISM')) {
      this.failure = {
        details: {
          category: 'configuration',
          kind: 'Nondeterminism',
          resource: this.orchestrationName,
          message: err.message,
        },
        duringReplay,
      };
    } else {
      this.failure = {
        details: {
          category: 'infrastructure',
          operation: 'replay',
          message: errorMessage(err),
          retryable: false,
        },
        duringReplay,
      };
    }
    this.halted = true;
  }

  private conclude(): ExecutionOutcome {
    if (!this.failure) {
      const violation = checkLimits(this.delta, this.kv);
      if (violation) this.failure = { details: violation, duringReplay: false };
    }
    let outcome: ExecutionOutcome;
    if (this.failure) {
      outcome = { status: 'Failed', details: this.failure.details, dispatch: false };
    } else if (this.cancelReason !== null) {
      outcome = {
        status: 'Failed',
        details: {
          category: 'application',
          kind: 'Cancelled',
          reason: this.cancelReason,
          message: `canceled: ${this.cancelReason}`,
          retryable: false,
        },
        dispatch: true,
      };
    } else if (this.continueAsNew) {
      outcome = {
        status: 'ContinuedAsNew',
        ...this.continueAsNew,
        carryForward: this.undeliveredQueueMessages(),
      };
    } else if (this.rootOutcome) {
      outcome = this.completedOutcome(this.rootOutcome);
    } else {
      return { status: 'Running' };
    }
    if (!this.failure?.duringReplay) this.recordTerminalBreadcrumbs(outcome);
    this.recordTerminal(outcome);
    return outcome;
  }

  private completedOutcome(result: Outcome): ExecutionOutcome {
    if (result.ok) {
      try {
        return { status: 'Completed', output: encodePayload(result.value) };
      } catch (err) {
        const error = new TypeError(`orchestration output cannot be stored as JSON: ${errorMessage(err)}`);
        return {
          status: 'Failed',
          details: toApplicationFailure(error, 'OrchestrationFailed'),
          dispatch: true,
        };
      }
    }
    return {
      status: 'Failed',
      details: toApplicationFailure(result.error, 'OrchestrationFailed'),
      dispatch: true,
    };
  }

  private recordTerminalBreadcrumbs(outcome: ExecutionOutcome): void {
    const suffix =
      outcome.status === 'Completed'
        ? 'completed'
        : outcome.status === 'Failed'
          ? 'failed'
          : 'continued_as_new';
    for (const leaf of [...this.openLeaves]) {
      const reason =
        leaf.kind === 'activity'
          ? `orchestration_terminal_${suffix}`
          : leaf.kind === 'subOrchestration'
            ? this.cancelReason !== null
              ? 'parent canceled'
              : 'parent terminated'
            : 'orchestration_terminal';
      leaf.cancelled = true;
      this.openLeaves.delete(leaf);
      const breadcrumb = this.breadcrumbFor(leaf, reason);
      if (breadcrumb && leaf.eventId !== undefined) this.append(breadcrumb, leaf.eventId);
    }
  }

  private recordTerminal(outcome: ExecutionOutcome): void {
    this.live = true;
    this.ended = outcome.status !== 'Running';
    switch (outcome.status) {
      case 'Completed':
        this.append({ type: 'OrchestrationCompleted', output: outcome.output });
        return;
      case 'Failed':
        this.append({ type: 'OrchestrationFailed', details: outcome.details });
        return;
      case 'ContinuedAsNew':
        this.append({ type: 'OrchestrationContinuedAsNew', input: outcome.input });
        return;
      case 'Running':
        return;
    }
  }

  /** Queue messages not yet dequeued, in arrival order (capped for continue-as-new). */
  private undeliveredQueueMessages(): [string, string][] {
    const all: { name: string; data: string; seq: number }[] = [];
    for (const [name, queue] of this.queues) for (const m of queue.buffer) all.push({ name, ...m });
    all.sort((a, b) => a.seq - b.seq);
    return all.slice(0, MAX_CARRY_FORWARD_EVENTS).map((m) => [m.name, m.data]);
  }
}
