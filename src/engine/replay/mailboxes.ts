/**
 * External-event subscriptions and named queues: where delivered event data and queue
 * messages wait for the code, and where the code's subscriptions wait for them.
 *
 * An external event reaches only a subscription open when it arrives (else it is recorded and
 * never delivered); a queue message waits in its queue's buffer until a dequeue takes it.
 * Every queue message gets an arrival sequence number, so a message given back by a cancelled
 * dequeue returns to its place and continue-as-new carries messages forward in arrival order.
 */
import type { LeafNode } from './nodes.js';

/** A queue message with its arrival sequence number. */
export interface QueuedMessage {
  data: string;
  seq: number;
}

interface QueueState {
  buffer: QueuedMessage[];
  waiting: LeafNode[];
}

function removeFrom<T>(list: T[] | undefined, item: T): void {
  const index = list?.indexOf(item) ?? -1;
  if (index >= 0) list!.splice(index, 1);
}

export class Mailboxes {
  private readonly externalSubs = new Map<string, LeafNode[]>();
  private readonly queues = new Map<string, QueueState>();
  private queueSeq = 0;

  /** Adds a subscription to external event `name`, after those already waiting. */
  subscribeExternal(name: string, leaf: LeafNode): void {
    const subs = this.externalSubs.get(name) ?? [];
    subs.push(leaf);
    this.externalSubs.set(name, subs);
  }

  /** The oldest subscription waiting for external event `name`, removed; undefined if none. */
  takeExternalSubscriber(name: string): LeafNode | undefined {
    return this.externalSubs.get(name)?.shift();
  }

  /**
   * A queue message arrives: the oldest waiting dequeue takes it (and is returned, its `taken`
   * set), else the message is buffered.
   */
  deliverQueue(name: string, data: string): LeafNode | undefined {
    const queue = this.queue(name);
    const leaf = queue.waiting.shift();
    const seq = this.queueSeq++;
    if (!leaf) {
      queue.buffer.push({ data, seq });
      return undefined;
    }
    leaf.taken = { queue: name, data, seq };
    return leaf;
  }

  /** Buffers a queue message without offering it to waiting dequeues. */
  bufferQueue(name: string, data: string): void {
    this.queue(name).buffer.push({ data, seq: this.queueSeq++ });
  }

  /**
   * A dequeue subscribes: it takes the oldest buffered message (returned, `taken` set) or
   * waits for the next one (undefined).
   */
  takeOrWait(name: string, leaf: LeafNode): QueuedMessage | undefined {
    const queue = this.queue(name);
    const message = queue.buffer.shift();
    if (message) {
      leaf.taken = { queue: name, ...message };
      return message;
    }
    queue.waiting.push(leaf);
    return undefined;
  }

  /** Puts back the message a dequeue took but whose value was never observed. */
  giveBack(leaf: LeafNode): void {
    const { queue: name, data, seq } = leaf.taken!;
    leaf.taken = undefined;
    const buffer = this.queue(name).buffer;
    const at = buffer.findIndex((m) => m.seq > seq);
    buffer.splice(at < 0 ? buffer.length : at, 0, { data, seq });
  }

  /** Removes a cancelled subscription (external event or dequeue) from its waiting list. */
  unsubscribe(leaf: LeafNode): void {
    if (leaf.kind === 'waitEvent' && leaf.body?.type === 'ExternalSubscribed') {
      removeFrom(this.externalSubs.get(leaf.body.name), leaf);
    }
    if (leaf.kind === 'dequeue' && leaf.body?.type === 'QueueSubscribed') {
      removeFrom(this.queues.get(leaf.body.name)?.waiting, leaf);
    }
  }

  /** Queue messages not yet dequeued, in arrival order, at most `max`. */
  undelivered(max: number): [string, string][] {
    const all: { name: string; data: string; seq: number }[] = [];
    for (const [name, queue] of this.queues) for (const m of queue.buffer) all.push({ name, ...m });
    all.sort((a, b) => a.seq - b.seq);
    return all.slice(0, max).map((m) => [m.name, m.data]);
  }

  private queue(name: string): QueueState {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = { buffer: [], waiting: [] };
      this.queues.set(name, queue);
    }
    return queue;
  }
}
