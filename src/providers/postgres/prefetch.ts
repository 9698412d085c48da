/**
 * Ack-and-fetch-next. A runtime's dispatcher slot acks its work item and immediately fetches the
 * next one; when the provider sees dispatchers at work it lets the ack's round trip lock that
 * next item too (same function call, same transaction) and keeps it here until the slot asks —
 * one round trip per item instead of two. When the ack finds nothing to take, the provider
 * remembers that the queue was empty for that fetch profile, and answers the slot's next fetch
 * without a round trip unless work was announced since (a local write, a NOTIFY, a timer).
 *
 * Both are bounded so that nothing here can hide work for long:
 * - a buffered lease not asked for within BUFFER_MAX_AGE_MS is given back (abandoned without
 *   counting the attempt), so other processes can take it;
 * - an "empty" answer is reused only within EMPTY_GRACE_MS and only while no wake-up arrived.
 *   Work that appears without any announcement (an expired lease elsewhere, a session lease
 *   running out) is therefore found at most that much later — about a NOTIFY's latency.
 *
 * Dispatchers are recognised by concurrency: at least two callers fetching or waiting on the
 * queue at once, recently. Single calls (tools, tests, a client) never trigger either behaviour.
 */

/** A buffered lease is handed out only this fresh; older ones are given back. */
export const BUFFER_MAX_AGE_MS = 250;
/** How long a queue observed empty is taken to stay empty without an announcement. */
export const EMPTY_GRACE_MS = 25;
/** How long after the last sign of concurrent dispatchers prefetching stays on. */
const DISPATCHER_WINDOW_MS = 2000;

interface Buffered<T> {
  value: T;
  at: number;
}

/** Leases locked ahead for fetch profiles, oldest first per profile. */
export class LeaseBuffer<T> {
  private readonly entries = new Map<string, Buffered<T>[]>();

  /**
   * @param giveBack called with leases that went stale (and on clear), to abandon them.
   */
  constructor(private readonly giveBack: (values: T[]) => void) {}

  get size(): number {
    let size = 0;
    for (const list of this.entries.values()) size += list.length;
    return size;
  }

  add(key: string, value: T, at: number): void {
    let list = this.entries.get(key);
    if (list === undefined) {
      list = [];
      this.entries.set(key, list);
    }
    list.push({ value, at });
    const timer = setTimeout(() => this.sweep(), BUFFER_MAX_AGE_MS + 5);
    timer.unref();
  }

  /** A fresh buffered lease for the profile, if any. */
  take(key: string, now: number): T | undefined {
    const list = this.entries.get(key);
    if (list === undefined) return undefined;
    let found: T | undefined;
    const stale: T[] = [];
    while (list.length > 0 && found === undefined) {
      const entry = list.shift()!;
      if (now - entry.at <= BUFFER_MAX_AGE_MS) found = entry.value;
      else stale.push(entry.value);
    }
    if (list.length === 0) this.entries.delete(key);
    if (stale.length > 0) this.giveBack(stale);
    return found;
  }

  /** Gives back every lease older than BUFFER_MAX_AGE_MS. */
  sweep(now = Date.now()): void {
    const stale: T[] = [];
    for (const [key, list] of this.entries) {
      while (list.length > 0 && now - list[0]!.at > BUFFER_MAX_AGE_MS) stale.push(list.shift()!.value);
      if (list.length === 0) this.entries.delete(key);
    }
    if (stale.length > 0) this.giveBack(stale);
  }

  /** Gives back everything (on close). */
  clear(): T[] {
    const all: T[] = [];
    for (const list of this.entries.values()) for (const entry of list) all.push(entry.value);
    this.entries.clear();
    return all;
  }
}

/** Per fetch profile: when the queue was last seen empty, and the wake-up epoch back then. */
export class EmptyHints {
  private readonly hints = new Map<string, { epoch: number; at: number }>();

  /** The queue had nothing for `key` at `at` (a fetch that started then came back short). */
  set(key: string, epoch: number, at: number): void {
    this.hints.set(key, { epoch, at });
    if (this.hints.size > 1024) this.hints.delete(this.hints.keys().next().value!);
  }

  /** Work was found for `key`: forget the hint. */
  clear(key: string): void {
    this.hints.delete(key);
  }

  /** True when `key` was seen empty within the grace period and no wake-up arrived since. */
  stillEmpty(key: string, epoch: number, now: number): boolean {
    const hint = this.hints.get(key);
    return hint !== undefined && hint.epoch === epoch && now - hint.at < EMPTY_GRACE_MS;
  }
}

/** Recognises dispatcher loops on a queue by concurrent fetch/wait calls. */
export class DispatcherDetector {
  private active = 0;
  private lastConcurrentAt = Number.NEGATIVE_INFINITY;

  enter(): void {
    this.active++;
    if (this.active >= 2) this.lastConcurrentAt = Date.now();
  }

  leave(): void {
    this.active--;
  }

  /** True when several callers fetched or waited at once within the last two seconds. */
  get dispatching(): boolean {
    return Date.now() - this.lastConcurrentAt < DISPATCHER_WINDOW_MS;
  }
}
