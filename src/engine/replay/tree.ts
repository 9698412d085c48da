/**
 * The task tree at run time: binding leaves to their schedule events, delivering completions,
 * external events and queue messages to them, propagating settled nodes to their parents
 * (joins, selects, coroutines) and cancelling what a race dropped or the end left open.
 *
 * Pending schedules sit in a map keyed by the event_id their completion carries as
 * `source_event_id`. Settled nodes are queued as jobs and delivered by `drain()`, so the code
 * is resumed from one place, in order.
 */
import { decodePayload, encodePayload } from '../../core/history.js';
import type { EventKinds, HistoryEvent } from '../../core/history.js';
import { failureToError } from '../../core/failure.js';
import { assertNever } from '../../core/exhaustive.js';
import type { ActionBuffer } from './actions.js';
import type { Mailboxes } from './mailboxes.js';
import type { EventBody } from './matching.js';
import { errorMessage } from './nodes.js';
import type { CoroutineNode, LeafNode, Node, Outcome } from './nodes.js';
import { SYSCALL_UTC_NOW } from './tasks.js';
import type { EndState, ExecutionOutcome } from './termination.js';

/** What a schedule waits for: the kind of completion that may settle it. */
export type CompletionKind = 'activity' | 'timer' | 'subOrchestration';

/** A completion event (`source_event_id` names the schedule it completes). */
export type CompletionEvent = Extract<
  HistoryEvent,
  {
    type:
      | 'ActivityCompleted'
      | 'ActivityFailed'
      | 'TimerFired'
      | 'SubOrchestrationCompleted'
      | 'SubOrchestrationFailed';
  }
>;

export interface ScheduleRecord {
  kind: CompletionKind;
  leaf: LeafNode;
  completed: boolean;
}

/** Resumes a coroutine whose awaited node settled. */
export type Resume = (co: CoroutineNode, outcome: Outcome) => void;

function typedValue(value: unknown, typed: boolean): unknown {
  if (!typed || typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

export class TaskTree {
  private readonly schedules = new Map<number, ScheduleRecord>();
  /** Bound leaves that can still complete and need a breadcrumb if the execution ends first. */
  private readonly openLeaves = new Set<LeafNode>();
  private readonly childInstances = new Map<number, string>();
  private readonly jobs: Node[] = [];

  constructor(
    private readonly actions: ActionBuffer,
    private readonly mailboxes: Mailboxes,
    private readonly end: EndState,
    private readonly resume: Resume,
  ) {}

  /** The schedule whose event_id is `eventId`, if any. */
  schedule(eventId: number): ScheduleRecord | undefined {
    return this.schedules.get(eventId);
  }

  /** The instance id of the sub-orchestration scheduled at `eventId`. */
  childInstanceOf(eventId: number): string | undefined {
    return this.childInstances.get(eventId);
  }

  /** Activity schedules that have neither completed nor been cancelled. */
  openActivityIds(): number[] {
    const ids: number[] = [];
    for (const [id, rec] of this.schedules) {
      if (rec.kind === 'activity' && !rec.completed && !rec.leaf.cancelled && rec.leaf.kind === 'activity')
        ids.push(id);
    }
    return ids;
  }

  /** A leaf's schedule event was recorded or matched: it starts waiting for its completion. */
  bind(leaf: LeafNode, event: HistoryEvent): void {
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
        if (this.actions.live) {
          const name = (event as EventKinds['ActivityScheduled']).name;
          const value = name === SYSCALL_UTC_NOW ? this.actions.now : this.actions.newGuid();
          const completion = this.actions.append(
            { type: 'ActivityCompleted', result: encodePayload(value) },
            event.event_id,
          );
          this.complete(rec, completion as CompletionEvent);
        }
        return;
      }
      case 'waitEvent': {
        if (leaf.cancelled) return;
        this.mailboxes.subscribeExternal((event as EventKinds['ExternalSubscribed']).name, leaf);
        this.openLeaves.add(leaf);
        return;
      }
      case 'dequeue': {
        if (leaf.cancelled) return;
        const message = this.mailboxes.takeOrWait((event as EventKinds['QueueSubscribed']).name, leaf);
        if (message) {
          this.settle(leaf, { ok: true, value: typedValue(decodePayload(message.data), leaf.typed) });
        } else {
          this.openLeaves.add(leaf);
        }
        return;
      }
      case 'detached':
        this.settle(leaf, { ok: true, value: null });
        return;
      case 'immediate':
        return;
      default:
        return assertNever(leaf.kind);
    }
  }

  /** Delivers a completion to its schedule's leaf. */
  complete(rec: ScheduleRecord, event: CompletionEvent): void {
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
          this.end.fail(event.details, !this.actions.live);
          return;
        }
        return this.settle(leaf, { ok: false, error: failureToError(event.details) });
      default:
        return assertNever(event);
    }
  }

  /** An external event arrives: the oldest open subscription gets it, if any. */
  deliverExternal(name: string, data: string): void {
    const leaf = this.mailboxes.takeExternalSubscriber(name);
    if (!leaf) return; // no active subscription: recorded, never delivered
    this.openLeaves.delete(leaf);
    this.settle(leaf, { ok: true, value: typedValue(decodePayload(data), leaf.typed) });
  }

  /** A queue message arrives: the oldest waiting dequeue takes it, else it is buffered. */
  deliverQueue(name: string, data: string): void {
    const leaf = this.mailboxes.deliverQueue(name, data);
    if (!leaf) return;
    this.openLeaves.delete(leaf);
    this.settle(leaf, { ok: true, value: typedValue(decodePayload(data), leaf.typed) });
  }

  settle(node: Node, outcome: Outcome): void {
    if (node.settled || node.cancelled) return;
    node.settled = true;
    node.outcome = outcome;
    if (node.parent) this.jobs.push(node);
  }

  /** Delivers settled nodes to their parents until nothing more can run. */
  drain(): void {
    let head = 0;
    while (head < this.jobs.length && !this.end.halted) {
      const node = this.jobs[head++]!;
      this.notifyParent(node);
    }
    this.jobs.length = 0;
  }

  /** Records a cancellation breadcrumb for every operation still open when the execution ends. */
  closeOpenLeaves(outcome: ExecutionOutcome): void {
    for (const leaf of [...this.openLeaves]) {
      const reason = this.end.terminalReason(leaf, outcome);
      leaf.cancelled = true;
      this.openLeaves.delete(leaf);
      const breadcrumb = breadcrumbFor(leaf, reason);
      if (breadcrumb && leaf.eventId !== undefined) this.actions.append(breadcrumb, leaf.eventId);
    }
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
      default:
        return assertNever(parent);
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
      default:
        return assertNever(node);
    }
  }

  private giveBack(leaf: LeafNode, reason: string): void {
    this.mailboxes.giveBack(leaf);
    leaf.cancelled = true;
    this.actions.emit({ body: { type: 'QueueSubscriptionCancelled', reason }, cancelOf: leaf });
  }

  private cancelLeaf(leaf: LeafNode, reason: string): void {
    this.openLeaves.delete(leaf);
    const breadcrumb = breadcrumbFor(leaf, reason);
    this.mailboxes.unsubscribe(leaf);
    if (breadcrumb) this.actions.emit({ body: breadcrumb, cancelOf: leaf });
  }
}

/** The cancellation breadcrumb of a leaf kind (none for timers, syscalls and the like). */
function breadcrumbFor(leaf: LeafNode, reason: string): EventBody | null {
  switch (leaf.kind) {
    case 'activity':
      return { type: 'ActivityCancelRequested', reason };
    case 'subOrchestration':
      return { type: 'SubOrchestrationCancelRequested', reason };
    case 'waitEvent':
      return { type: 'ExternalSubscribedCancelled', reason };
    case 'dequeue':
      return { type: 'QueueSubscriptionCancelled', reason };
    case 'timer':
    case 'syscall':
    case 'detached':
    case 'immediate':
      return null;
    default:
      return assertNever(leaf.kind);
  }
}
