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
 * This module ties the parts together: the action buffer (`actions.ts`), the task tree
 * (`tree.ts`) with its mailboxes (`mailboxes.ts`), the code's driver (`coroutine.ts`), replay of
 * recorded events (`history-matcher.ts`), the live inbox (`inbox.ts`) and the end state
 * (`termination.ts`).
 *
 * The replay core reads no clock and no randomness: time and GUIDs come from the turn's inputs
 * (live) or from the recorded events (replay).
 */
import type { EventKinds, HistoryEvent, OrchestratorWorkItem } from '../../core/history.js';
import type { ErrorDetails } from '../../core/failure.js';
import { IllegalStateError, NondeterminismError } from '../../core/errors.js';
import { ActionBuffer } from './actions.js';
import { OrchestrationContext } from './context.js';
import type { ContextHost, TraceLevel } from './context.js';
import { CoroutineDriver } from './coroutine.js';
import type { OrchestrationHandler } from './coroutine.js';
import { HistoryMatcher } from './history-matcher.js';
import type { Divergence } from './history-matcher.js';
import { Inbox } from './inbox.js';
import { checkLimits } from './limits.js';
import { Mailboxes } from './mailboxes.js';
import type { GuardedExecution, StepGuard, StepGuardFactory } from './step-guard.js';
import { EndState, MAX_CARRY_FORWARD_EVENTS, terminalEvent } from './termination.js';
import type { ExecutionOutcome } from './termination.js';
import { TaskTree } from './tree.js';

export type { OrchestrationHandler } from './coroutine.js';
export type { StepGuardFactory } from './step-guard.js';
export { MAX_CARRY_FORWARD_EVENTS } from './termination.js';
export type { ExecutionOutcome } from './termination.js';

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
  /** Wraps every run of the code (the determinism guard); none: the code runs unguarded. */
  guard?: StepGuardFactory;
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

export interface TurnResult {
  /** Events recorded this turn, in order. */
  delta: HistoryEvent[];
  outcome: ExecutionOutcome;
}

/** The replay state of one execution. */
export class ExecutionState implements ContextHost, GuardedExecution {
  readonly instanceId: string;
  readonly executionId: number;
  readonly ctx: OrchestrationContext;

  private readonly traceSink: TraceSink | undefined;
  private started: EventKinds['OrchestrationStarted'] | null = null;
  private startedTimestamp = 0;
  private readonly kv: Map<string, KvValue>;
  private customStatus: string | null = null;

  private readonly actions: ActionBuffer;
  private readonly mailboxes = new Mailboxes();
  private readonly end = new EndState();
  private readonly tree: TaskTree;
  private readonly driver: CoroutineDriver;
  private readonly matcher: HistoryMatcher;
  private readonly inbox: Inbox;
  private readonly guard: StepGuard | null;

  constructor(init: ExecutionInit) {
    this.instanceId = init.instanceId;
    this.executionId = init.executionId;
    this.traceSink = init.trace;
    this.kv = new Map(Object.entries(init.kvSnapshot ?? {}).map(([k, v]) => [k, { ...v }]));
    this.ctx = new OrchestrationContext(this);
    this.guard = init.guard ? init.guard(this) : null;

    const nondeterminism = (message: string): NondeterminismError =>
      new NondeterminismError(message, { instanceId: this.instanceId, executionId: this.executionId });
    this.actions = new ActionBuffer(this.instanceId, this.executionId, (leaf, event) =>
      this.tree.bind(leaf, event),
    );
    this.tree = new TaskTree(this.actions, this.mailboxes, this.end, (co, outcome) =>
      this.driver.resume(co, outcome),
    );
    this.driver = new CoroutineDriver(
      this.instanceId,
      init.handler,
      this.ctx,
      this.actions,
      this.tree,
      this.end,
      this.guard,
    );
    this.matcher = new HistoryMatcher({
      actions: this.actions,
      tree: this.tree,
      driver: this.driver,
      end: this.end,
      begin: (event) => this.adoptStarted(event),
      hasStarted: () => this.started !== null,
      nondeterminism,
    });
    this.inbox = new Inbox(
      this.executionId,
      this.actions,
      this.tree,
      this.mailboxes,
      this.end,
      nondeterminism,
    );
  }

  // ---- ContextHost --------------------------------------------------------------------------

  get orchestrationName(): string {
    return this.started?.name ?? '';
  }

  get orchestrationVersion(): string {
    return this.started?.version ?? '';
  }

  get replaying(): boolean {
    return !this.actions.live;
  }

  /** The turn's recorded time (see GuardedExecution.now). */
  get now(): number {
    return this.actions.now;
  }

  /** Timestamp of the OrchestrationStarted event (0 before it). */
  get startedAtMs(): number {
    return this.startedTimestamp;
  }

  /** Number of events recorded so far (the history length a cache entry is valid for). */
  get historyLength(): number {
    return this.actions.eventCount;
  }

  /** True once the execution has reached a terminal outcome. */
  get isFinished(): boolean {
    return this.end.halted;
  }

  assertInTurn(method: string): void {
    this.driver.assertInTurn(method);
  }

  setCustomStatus(status: string | null): void {
    this.customStatus = status;
    this.actions.emit({ body: { type: 'CustomStatusUpdated', status } });
  }

  getCustomStatus(): string | null {
    return this.customStatus;
  }

  kvSet(key: string, value: string): void {
    this.kv.set(key, { value, lastUpdatedAtMs: this.actions.now });
    this.actions.emit({ body: { type: 'KeyValueSet', key, value, last_updated_at_ms: this.actions.now } });
  }

  kvGet(key: string): string | null {
    return this.kv.get(key)?.value ?? null;
  }

  kvClear(key: string): void {
    this.kv.delete(key);
    this.actions.emit({ body: { type: 'KeyValueCleared', key } });
  }

  kvClearAll(): void {
    this.kv.clear();
    this.actions.emit({ body: { type: 'KeyValuesCleared' } });
  }

  kvEntries(): ReadonlyMap<string, KvValue> {
    return this.kv;
  }

  trace(level: TraceLevel, message: string): void {
    if (this.actions.live && this.traceSink) this.traceSink(level, message, this);
  }

  // ---- driving ------------------------------------------------------------------------------

  /** Re-runs the code over persisted history. Nondeterminism is recorded, not thrown. */
  replay(history: readonly HistoryEvent[]): void {
    if (this.actions.eventCount !== 0) throw new IllegalStateError('replay() must run before any turn');
    this.actions.live = false;
    this.guard?.open();
    try {
      if (history.length > 0 && history[0]?.type !== 'OrchestrationStarted') {
        throw new NondeterminismError('corrupted history: first event must be OrchestrationStarted', {
          instanceId: this.instanceId,
        });
      }
      for (const [index, event] of history.entries()) {
        if (this.end.halted) {
          if (this.matcher.matchAfterFinish(event)) continue;
          this.matcher.noteFinishedBefore(history.slice(index));
          break;
        }
        this.actions.now = event.timestamp_ms;
        this.actions.eventCount = event.event_id;
        this.matcher.apply(event);
        this.tree.drain();
      }
    } catch (err) {
      this.end.recordFailure(err, true, this.orchestrationName);
    } finally {
      this.guard?.close();
    }
    this.actions.eventCount = history.length;
  }

  /** Runs a live turn: applies the messages and records what the code does. */
  runTurn(input: TurnInput): TurnResult {
    if (this.end.ended) throw new IllegalStateError('runTurn() on an execution that has already ended');
    this.actions.live = true;
    this.actions.now = input.now;
    this.actions.newGuid = input.newGuid;
    this.actions.delta = [];
    this.guard?.open();
    try {
      if (input.start) {
        if (this.actions.eventCount !== 0)
          throw new IllegalStateError('start given for an execution that has history');
        this.beginExecution(input.start);
      } else if (!this.end.failure) {
        if (this.started === null) {
          throw new NondeterminismError('corrupted history: empty', { instanceId: this.instanceId });
        }
        // Actions emitted during replay beyond recorded history are recorded first.
        this.actions.recordPending();
      }
      this.tree.drain();
      for (const message of input.messages) {
        if (this.end.halted) {
          this.inbox.applyAfterContinueAsNew(message);
          continue;
        }
        this.inbox.apply(message);
        this.tree.drain();
      }
    } catch (err) {
      this.end.recordFailure(err, false, this.orchestrationName);
    } finally {
      this.guard?.close();
    }
    const outcome = this.conclude();
    return { delta: this.actions.delta, outcome };
  }

  /** What the code itself did so far: still waiting, returned, threw or continued as new. */
  get codeOutcome():
    | { kind: 'waiting' }
    | { kind: 'returned'; value: unknown }
    | { kind: 'threw'; error: unknown }
    | { kind: 'continuedAsNew'; input: string } {
    const { continueAsNew, rootOutcome } = this.end;
    if (continueAsNew) return { kind: 'continuedAsNew', input: continueAsNew.input };
    if (!rootOutcome) return { kind: 'waiting' };
    return rootOutcome.ok
      ? { kind: 'returned', value: rootOutcome.value }
      : { kind: 'threw', error: rootOutcome.error };
  }

  /** Nondeterminism or other failure recorded during replay, if any. */
  get replayFailure(): ErrorDetails | null {
    return this.end.failure?.details ?? null;
  }

  /** Where replay found the code disagreeing with history (set with a nondeterminism failure). */
  get divergence(): Divergence | null {
    return this.matcher.divergence;
  }

  /** Set when the code finished while history still had actions to match (tolerated). */
  get finishedBefore(): { eventId: number; recorded: string } | null {
    return this.matcher.finishedBefore;
  }

  /** The instance id of the sub-orchestration scheduled at `eventId`. */
  childInstanceOf(eventId: number): string | undefined {
    return this.tree.childInstanceOf(eventId);
  }

  /** The OrchestrationStarted fields of this execution. */
  get startedEvent(): EventKinds['OrchestrationStarted'] | null {
    return this.started;
  }

  /** Activity schedules of this execution that have neither completed nor been cancelled. */
  openActivityIds(): number[] {
    return this.tree.openActivityIds();
  }

  // ---- starting and ending ------------------------------------------------------------------

  /** The recorded OrchestrationStarted event: adopts it and starts the code. */
  private adoptStarted(event: EventKinds['OrchestrationStarted']): void {
    this.started = event;
    // replay() set the clock to this event's timestamp before applying it.
    this.startedTimestamp = this.actions.now;
    this.customStatus = event.initial_custom_status ?? null;
    this.driver.startRoot(event);
  }

  /** A new execution: records OrchestrationStarted and the carried-forward queue messages. */
  private beginExecution(start: EventKinds['OrchestrationStarted']): void {
    const started = this.actions.append({ type: 'OrchestrationStarted', ...start });
    this.started = started as EventKinds['OrchestrationStarted'];
    this.startedTimestamp = started.timestamp_ms;
    this.customStatus = start.initial_custom_status ?? null;
    for (const [name, data] of start.carry_forward_events ?? []) {
      this.actions.append({ type: 'QueueEventDelivered', name, data });
      this.tree.deliverQueue(name, data);
    }
    this.driver.startRoot(this.started);
  }

  private conclude(): ExecutionOutcome {
    const outcome = this.end.outcome(
      () => checkLimits(this.actions.delta, this.kv),
      () => this.mailboxes.undelivered(MAX_CARRY_FORWARD_EVENTS),
    );
    if (outcome.status === 'Running') return outcome;
    if (!this.end.failure?.duringReplay) this.tree.closeOpenLeaves(outcome);
    // The terminal event is recorded even after a replay that ended in failure.
    this.actions.live = true;
    this.end.ended = true;
    const terminal = terminalEvent(outcome);
    if (terminal) this.actions.append(terminal);
    return outcome;
  }
}
