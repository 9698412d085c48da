/**
 * The in-memory tree of what an orchestration is waiting on. Leaves are single history-backed
 * operations; joins, selects and coroutines (generators) compose them.
 */
import type { EventBody } from './matching.js';
import type { Task } from './tasks.js';

/** How a node ended: a value, or a thrown error. */
export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** The history-backed operations. */
export type LeafKind =
  | 'activity'
  | 'syscall'
  | 'timer'
  | 'waitEvent'
  | 'dequeue'
  | 'subOrchestration'
  | 'detached'
  /** Settled when created: a value or an error delivered to the awaiting code. */
  | 'immediate';

export type Parent = JoinNode | SelectNode | CoroutineNode;

abstract class BaseNode {
  parent: Parent | null = null;
  settled = false;
  cancelled = false;
  outcome: Outcome | undefined;
  /** A string result holding JSON is parsed once more (the `…Typed` API variants). */
  typed = false;
}

export class LeafNode extends BaseNode {
  readonly node = 'leaf';
  /** event_id of the schedule event, once matched or recorded. */
  eventId: number | undefined;
  /** For a settled dequeue: the queue message it took (given back if the value goes unobserved). */
  taken: { queue: string; data: string; seq: number } | undefined;

  constructor(
    readonly kind: LeafKind,
    readonly body: EventBody | null,
  ) {
    super();
  }
}

export class JoinNode extends BaseNode {
  readonly node = 'join';
  children: Node[] = [];
}

export class SelectNode extends BaseNode {
  readonly node = 'select';
  children: Node[] = [];
}

export class CoroutineNode extends BaseNode {
  readonly node = 'coroutine';
  awaiting: Node | null = null;
  done = false;

  constructor(
    public gen: Generator<Task, unknown, unknown> | null,
    readonly isRoot: boolean,
  ) {
    super();
  }
}

export type Node = LeafNode | JoinNode | SelectNode | CoroutineNode;

/** An action waiting to be matched against history (replay) or recorded (live). */
export interface PendingAction {
  body: EventBody;
  /** The leaf this schedule event binds to. */
  leaf?: LeafNode;
  /** For cancellation breadcrumbs: the leaf whose schedule event is the source. */
  cancelOf?: LeafNode;
}

export function isGenerator(value: unknown): value is Generator<Task, unknown, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Generator).next === 'function' &&
    typeof (value as Generator).throw === 'function' &&
    typeof (value as Generator)[Symbol.iterator] === 'function'
  );
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : String(error);
}
