/**
 * What a running execution is waiting on, derived from its history alone (no orchestration
 * code needed): activities, timers and sub-orchestrations whose schedule event has no completion
 * or cancellation breadcrumb yet, and external-event and queue subscriptions still open.
 *
 * Completions name their schedule by `source_event_id`, as the replay engine matches them
 * (replay/tree.ts). External events and queue messages carry no source: which subscription took
 * one is decided by the engine's own mailboxes (replay/mailboxes.ts, the oldest open
 * subscription of that name; a queue message with no waiting dequeue is buffered for the next
 * one), which this module replays over the recorded events. A live turn records cancellation
 * breadcrumbs in causal order, so one pass in history order gives the engine's answer.
 *
 * Timers carry no cancellation breadcrumb: a timer that lost a race stays listed until it fires.
 */
import type { EventOf, HistoryEvent } from '../core/history.js';
import { isTerminal } from '../core/history.js';
import { assertNever } from '../core/exhaustive.js';
import { Mailboxes } from './replay/mailboxes.js';
import { LeafNode } from './replay/nodes.js';

/** An activity the execution waits for. */
export interface WaitingActivity {
  name: string;
  /**
   * 1 for a first attempt. History records no attempt numbers: an activity scheduled again with
   * the same name, input, session and tag right after the previous such schedule failed counts
   * as the next attempt, which is what `scheduleActivityWithRetry` records.
   */
  attempt: number;
  /** When the activity was scheduled (epoch ms, the turn's time). */
  scheduledAtMs: number;
  tag?: string;
  sessionId?: string;
}

/** A durable timer the execution waits for. */
export interface WaitingTimer {
  /** When it fires (epoch ms). */
  fireAtMs: number;
}

/**
 * What a running execution waits on, each list in the order the waits were recorded.
 * Everything empty means it waits on nothing recorded (about to run a turn, or between
 * continue-as-new executions).
 */
export interface WaitingOn {
  activities: WaitingActivity[];
  timers: WaitingTimer[];
  /** Names of external events with an open `waitForEvent` (one entry per open wait). */
  events: string[];
  /** Names of queues with an open `dequeueEvent` (one entry per open dequeue). */
  queues: string[];
  /** Instance ids of sub-orchestrations not yet completed. */
  children: string[];
}

/** Nothing to wait on. */
export function nothingWaitedOn(): WaitingOn {
  return { activities: [], timers: [], events: [], queues: [], children: [] };
}

type Schedule =
  | { kind: 'activity'; event: EventOf<'ActivityScheduled'>; attempt: number }
  | { kind: 'timer'; event: EventOf<'TimerCreated'> }
  | { kind: 'child'; event: EventOf<'SubOrchestrationScheduled'> };

/** Identity of an activity call: a retry schedules the same one again. */
function activityKey(e: EventOf<'ActivityScheduled'>): string {
  return JSON.stringify([e.name, e.input, e.session_id ?? null, e.tag ?? null]);
}

/**
 * What the execution whose events are `history` (one execution, in event_id order) waits on.
 * A history that ends in a terminal event waits on nothing.
 */
export function deriveWaitingOn(history: readonly HistoryEvent[]): WaitingOn {
  if (history.length === 0 || isTerminal(history.at(-1))) return nothingWaitedOn();
  const open = new Map<number, Schedule>();
  /** Per activity identity: the attempt number of its last schedule and whether that one failed. */
  const lastAttempt = new Map<string, { attempt: number; failed: boolean }>();
  const mailboxes = new Mailboxes();
  const subscriptions = new Map<number, LeafNode>();
  const settle = (leaf: LeafNode | undefined): void => {
    if (leaf !== undefined) leaf.settled = true;
  };

  for (const e of history) {
    switch (e.type) {
      case 'ActivityScheduled': {
        const key = activityKey(e);
        const last = lastAttempt.get(key);
        const attempt = last?.failed === true ? last.attempt + 1 : 1;
        lastAttempt.set(key, { attempt, failed: false });
        open.set(e.event_id, { kind: 'activity', event: e, attempt });
        break;
      }
      case 'ActivityFailed': {
        const schedule = open.get(e.source_event_id ?? -1);
        if (schedule?.kind === 'activity') {
          const last = lastAttempt.get(activityKey(schedule.event));
          if (last?.attempt === schedule.attempt) last.failed = true;
        }
        open.delete(e.source_event_id ?? -1);
        break;
      }
      case 'TimerCreated':
        open.set(e.event_id, { kind: 'timer', event: e });
        break;
      case 'SubOrchestrationScheduled':
        open.set(e.event_id, { kind: 'child', event: e });
        break;
      case 'ActivityCompleted':
      case 'ActivityCancelRequested':
      case 'TimerFired':
      case 'SubOrchestrationCompleted':
      case 'SubOrchestrationFailed':
      case 'SubOrchestrationCancelRequested':
        open.delete(e.source_event_id ?? -1);
        break;
      case 'ExternalSubscribed': {
        const leaf = new LeafNode('waitEvent', { type: 'ExternalSubscribed', name: e.name });
        subscriptions.set(e.event_id, leaf);
        mailboxes.subscribeExternal(e.name, leaf);
        break;
      }
      case 'ExternalEvent':
        settle(mailboxes.takeExternalSubscriber(e.name));
        break;
      case 'QueueSubscribed': {
        const leaf = new LeafNode('dequeue', { type: 'QueueSubscribed', name: e.name });
        subscriptions.set(e.event_id, leaf);
        if (mailboxes.takeOrWait(e.name, leaf) !== undefined) settle(leaf);
        break;
      }
      case 'QueueEventDelivered':
        settle(mailboxes.deliverQueue(e.name, e.data));
        break;
      case 'ExternalSubscribedCancelled':
      case 'QueueSubscriptionCancelled': {
        const leaf = subscriptions.get(e.source_event_id ?? -1);
        if (leaf === undefined || leaf.cancelled) break;
        // As the task tree does: a dequeue that took a message nobody observed gives it back.
        if (leaf.taken !== undefined) mailboxes.giveBack(leaf);
        else mailboxes.unsubscribe(leaf);
        leaf.cancelled = true;
        break;
      }
      case 'OrchestrationStarted':
      case 'OrchestrationCompleted':
      case 'OrchestrationFailed':
      case 'OrchestrationContinuedAsNew':
      case 'OrchestrationCancelRequested':
      case 'OrchestrationChained':
      case 'CustomStatusUpdated':
      case 'KeyValueSet':
      case 'KeyValueCleared':
      case 'KeyValuesCleared':
        break;
      default:
        assertNever(e);
    }
  }

  const waiting = nothingWaitedOn();
  for (const schedule of open.values()) {
    switch (schedule.kind) {
      case 'activity': {
        const { event, attempt } = schedule;
        waiting.activities.push({
          name: event.name,
          attempt,
          scheduledAtMs: event.timestamp_ms,
          ...(event.tag === undefined ? {} : { tag: event.tag }),
          ...(event.session_id === undefined ? {} : { sessionId: event.session_id }),
        });
        break;
      }
      case 'timer':
        waiting.timers.push({ fireAtMs: schedule.event.fire_at_ms });
        break;
      case 'child':
        waiting.children.push(schedule.event.instance);
        break;
      default:
        assertNever(schedule);
    }
  }
  for (const leaf of subscriptions.values()) {
    if (leaf.settled || leaf.cancelled || leaf.body === null) continue;
    if (leaf.body.type === 'ExternalSubscribed') waiting.events.push(leaf.body.name);
    else if (leaf.body.type === 'QueueSubscribed') waiting.queues.push(leaf.body.name);
  }
  return waiting;
}
