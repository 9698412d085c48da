/**
 * Driving the code: calling the orchestration function, stepping its generators, and turning
 * each yielded task into a node of the task tree (emitting the node's actions).
 *
 * Errors the code throws become outcomes (the root's or a child coroutine's); a
 * `NondeterminismError` is never the code's: it propagates and aborts the turn. Each run of the
 * code is wrapped in the execution's step guard (`step-guard.ts`), if it has one.
 */
import { decodePayload } from '../../core/history.js';
import type { EventKinds } from '../../core/history.js';
import { IllegalStateError, isDuroxError } from '../../core/errors.js';
import { assertNever } from '../../core/exhaustive.js';
import type { ActionBuffer } from './actions.js';
import type { OrchestrationContext } from './context.js';
import type { EventBody } from './matching.js';
import type { StepGuard } from './step-guard.js';
import { CoroutineNode, JoinNode, LeafNode, SelectNode, isGenerator } from './nodes.js';
import type { LeafKind, Node, Outcome, Parent } from './nodes.js';
import { retryActivity } from './retry.js';
import { SYSCALL_GET_KV_VALUE, SYSCALL_NEW_GUID, SYSCALL_UTC_NOW, isTask } from './tasks.js';
import type { Task } from './tasks.js';
import type { EndState } from './termination.js';
import type { TaskTree } from './tree.js';

/**
 * An orchestration function: a generator function taking the context and the decoded input.
 * (A plain function returning a value also works; an async function or an async generator
 * function is rejected at run time: replay needs every step to run synchronously.)
 */
export type OrchestrationHandler = (ctx: OrchestrationContext, input: any) => Generator<any, any, any>;

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

/** An async generator object (what an `async function*` returns). */
function isAsyncGenerator(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AsyncGenerator).next === 'function' &&
    typeof (value as AsyncGenerator)[Symbol.asyncIterator] === 'function'
  );
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

export class CoroutineDriver {
  readonly root = new CoroutineNode(null, true);
  /** Depth of calls into the code in progress (0: outside the turn). */
  private codeDepth = 0;

  constructor(
    private readonly instanceId: string,
    private readonly handler: OrchestrationHandler,
    private readonly ctx: OrchestrationContext,
    private readonly actions: ActionBuffer,
    private readonly tree: TaskTree,
    private readonly end: EndState,
    private readonly guard: StepGuard | null = null,
  ) {}

  /** Throws when called outside the code's turn, naming the context method. */
  assertInTurn(method: string): void {
    if (this.codeDepth === 0) {
      throw new IllegalStateError(
        `ctx.${method}() was called outside the orchestration's turn; call it from the orchestration function while it runs`,
        { instanceId: this.instanceId },
      );
    }
  }

  /** Calls the orchestration function with the execution's input and runs it to its first wait. */
  startRoot(started: EventKinds['OrchestrationStarted']): void {
    const input = decodePayload(started.input);
    let result: unknown;
    let error: unknown;
    let threw = false;
    this.enterCode();
    try {
      result = this.handler(this.ctx, input);
    } catch (thrown) {
      threw = true;
      error = thrown;
    } finally {
      this.leaveCode();
    }
    this.checkGuard();
    if (threw) {
      this.finish(this.root, { ok: false, error });
    } else if (isGenerator(result)) {
      this.root.gen = result;
      this.resume(this.root, { ok: true, value: undefined });
    } else if (isThenable(result)) {
      ignoreRejection(result);
      const failure = new TypeError(
        `orchestration "${started.name}" returned a Promise: orchestrations must be generator functions (function*), which durox can replay`,
      );
      this.finish(this.root, { ok: false, error: failure });
    } else if (isAsyncGenerator(result)) {
      const failure = new TypeError(
        `orchestration "${started.name}" is an async generator function: orchestrations must be generator functions (function*) without async, which durox can replay; wait for work with yield, not await`,
      );
      this.finish(this.root, { ok: false, error: failure });
    } else {
      this.finish(this.root, { ok: true, value: result });
    }
  }

  /** Sends an outcome into a coroutine and runs it to its next wait. */
  resume(co: CoroutineNode, outcome: Outcome): void {
    if (co.done || this.end.halted) return;
    let step: IteratorResult<Task, unknown> | undefined;
    let error: unknown;
    this.enterCode();
    try {
      step = outcome.ok ? co.gen!.next(outcome.value) : co.gen!.throw(outcome.error);
    } catch (thrown) {
      error = thrown;
    } finally {
      this.leaveCode();
    }
    this.checkGuard();
    if (step === undefined) {
      if (isDuroxError(error, 'NONDETERMINISM')) throw error;
      this.finish(co, { ok: false, error });
      return;
    }
    if (step.done) {
      this.finish(co, { ok: true, value: step.value });
      return;
    }
    const yielded: unknown = step.value;
    if (isTask(yielded) && yielded.type === 'continueAsNew') {
      if (co.isRoot) {
        this.end.continueAsNew = {
          input: yielded.input,
          ...(yielded.version ? { version: yielded.version } : {}),
        };
        co.done = true;
        this.end.halted = true;
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

  /** The code starts running: enters the guard on the outermost call (if that throws, nothing ran). */
  private enterCode(): void {
    if (this.codeDepth === 0) this.guard?.enter();
    this.codeDepth++;
  }

  /** The code stopped running: leaves the guard when the outermost call returns. */
  private leaveCode(): void {
    if (--this.codeDepth === 0) this.guard?.exit();
  }

  /** Fails the turn when a step broke the guard's rules (strict mode), even if the code caught it. */
  private checkGuard(): void {
    const violation = this.guard?.violation;
    if (violation) throw violation;
  }

  private finish(co: CoroutineNode, outcome: Outcome): void {
    co.done = true;
    if (co.isRoot) {
      this.end.rootOutcome = outcome;
      this.end.halted = true;
    } else {
      this.tree.settle(co, outcome);
    }
  }

  private immediate(parent: CoroutineNode, error: unknown): LeafNode {
    const leaf = new LeafNode('immediate', null);
    leaf.parent = parent;
    this.tree.settle(leaf, { ok: false, error });
    return leaf;
  }

  /** Turns a yielded value into a node, emitting its actions. */
  private start(task: unknown, parent: Parent, inheritedTyped: boolean): Node {
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
          fire_at_ms: this.actions.now + task.delayMs,
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
        if (join.children.length === 0) this.tree.settle(join, { ok: true, value: [] });
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
      default:
        return assertNever(task);
    }
  }

  private leaf(kind: LeafKind, parent: Node, typed: boolean, body: EventBody): LeafNode {
    const leaf = new LeafNode(kind, body);
    leaf.parent = parent as Parent;
    leaf.typed = typed;
    this.actions.emit({ body, leaf });
    return leaf;
  }

  private startCoroutine(
    gen: Generator<Task, unknown, unknown>,
    parent: Parent,
    typed: boolean,
  ): CoroutineNode {
    const co = new CoroutineNode(gen, false);
    co.parent = parent;
    co.typed = typed;
    this.resume(co, { ok: true, value: undefined });
    return co;
  }
}
