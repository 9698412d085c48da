/**
 * Watching an instance's history as it is committed (`client.watchHistory`): an async iterator
 * that reads the events after the last one it yielded whenever the provider signals a change of
 * the instance (`waitForInstanceChange`: in-process signals, SQLite's shared per-file signal,
 * PostgreSQL's LISTEN/NOTIFY), and at the latest every `pollIntervalMs` (for writers the provider
 * cannot hear, such as another process on a SQLite file). It follows continue-as-new into the
 * next execution and ends after the terminal event of a Completed or Failed execution.
 */
import { NotFoundError } from '../core/errors.js';
import { isTerminal } from '../core/history.js';
import type { HistoryEvent } from '../core/history.js';
import type { Provider } from '../core/provider.js';

/** One committed history event, with the execution it belongs to. */
export interface WatchedEvent {
  /** The execution the event belongs to (a new one after each continue-as-new). */
  executionId: number;
  /** The event exactly as stored (payloads stay encoded). */
  event: HistoryEvent;
}

/** Options of {@link watchHistory} (`client.watchHistory`). */
export interface WatchHistoryOptions {
  /**
   * The first event id to yield of the first execution watched (default 1: all its events). Later
   * executions are always yielded from their first event.
   */
  fromEventId?: number;
  /** The execution to start with (default: the instance's current execution). */
  executionId?: number;
  /**
   * The longest wait without a change signal before the store is read again, in ms (default
   * {@link DEFAULT_WATCH_POLL_MS}, the Client's fallback poll). Signals of the provider wake the
   * watch at once; this only bounds how late a write the provider cannot hear is seen.
   */
  pollIntervalMs?: number;
  /** Ends the watch (the iterator finishes) when aborted. */
  signal?: AbortSignal;
}

/** Default of {@link WatchHistoryOptions.pollIntervalMs}: the Client's fallback poll for waits. */
export const DEFAULT_WATCH_POLL_MS = 100;

function notFound(instanceId: string): NotFoundError {
  return new NotFoundError(`instance '${instanceId}' not found`, { instanceId });
}

/**
 * The watch loop. Each round arms the change wait before it reads, so a commit that lands while
 * the read is on the wire still wakes the next round.
 */
async function* watchLoop(
  provider: Provider,
  instanceId: string,
  options: WatchHistoryOptions,
  stop: AbortSignal,
): AsyncGenerator<WatchedEvent, undefined, undefined> {
  const pollMs = Math.max(1, options.pollIntervalMs ?? DEFAULT_WATCH_POLL_MS);
  const info = await provider.getInstanceInfo(instanceId);
  if (info === null) throw notFound(instanceId);
  let executionId = options.executionId ?? info.currentExecutionId;
  let after = Math.max(0, (options.fromEventId ?? 1) - 1);
  /** The previous round found nothing new although the instance row said the execution is over. */
  let recheck = false;
  while (!stop.aborted) {
    const waiter = new AbortController();
    const release = (): void => waiter.abort();
    stop.addEventListener('abort', release, { once: true });
    const change = provider.waitForInstanceChange(instanceId, pollMs, waiter.signal);
    change.catch(() => undefined); // awaited below; not awaited when the round ends early
    try {
      const fresh = (await provider.readHistory(instanceId, executionId)).filter((e) => e.event_id > after);
      for (const event of fresh) {
        after = event.event_id;
        yield { executionId, event };
      }
      const last = fresh.at(-1);
      if (isTerminal(last)) {
        if (last.type !== 'OrchestrationContinuedAsNew') return;
        executionId += 1;
        after = 0;
        recheck = false;
        continue;
      }
      if (fresh.length === 0) {
        // Nothing new: has the instance gone, or moved past this execution without our seeing
        // its terminal event (it committed after our read, or the execution was pruned)?
        const now = await provider.getInstanceInfo(instanceId);
        if (now === null) throw notFound(instanceId);
        const moved = now.currentExecutionId > executionId;
        const ended =
          now.currentExecutionId === executionId && (now.status === 'Completed' || now.status === 'Failed');
        if (moved || ended) {
          if (!recheck) {
            recheck = true; // read once more at once: the terminal event may have just landed
            continue;
          }
          if (ended) return; // ended without a terminal event in history: nothing more will come
          executionId += 1;
          after = 0;
          recheck = false;
          continue;
        }
      }
      recheck = false;
      await change;
    } finally {
      stop.removeEventListener('abort', release);
      waiter.abort();
    }
  }
}

/**
 * The async iterator `client.watchHistory` returns. `return()` (a `break` out of `for await`)
 * and `throw()` abort the pending change wait at once, also while a `next()` is still waiting.
 */
class HistoryWatch implements AsyncIterableIterator<WatchedEvent> {
  readonly #stop = new AbortController();
  readonly #loop: AsyncGenerator<WatchedEvent, undefined, undefined>;

  constructor(provider: Provider, instanceId: string, options: WatchHistoryOptions) {
    const { signal } = options;
    if (signal?.aborted) this.#stop.abort();
    else signal?.addEventListener('abort', () => this.#stop.abort(), { once: true });
    this.#loop = watchLoop(provider, instanceId, options, this.#stop.signal);
  }

  next(): Promise<IteratorResult<WatchedEvent, undefined>> {
    return this.#loop.next();
  }

  return(): Promise<IteratorResult<WatchedEvent, undefined>> {
    this.#stop.abort();
    return this.#loop.return(undefined);
  }

  throw(error?: unknown): Promise<IteratorResult<WatchedEvent, undefined>> {
    this.#stop.abort();
    return this.#loop.throw(error);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<WatchedEvent> {
    return this;
  }
}

/**
 * The history events of an instance as they are committed, oldest first: those already stored
 * (from `options.fromEventId` of `options.executionId`, default the current execution), then
 * each new one as soon as the provider signals the commit. Follows continue-as-new into the next
 * execution and ends after the terminal event of a Completed or Failed execution. The first
 * `next()` rejects with `NotFoundError` for an unknown instance, and a later one when the
 * instance is deleted while watched.
 */
export function watchHistory(
  provider: Provider,
  instanceId: string,
  options: WatchHistoryOptions = {},
): AsyncIterableIterator<WatchedEvent> {
  return new HistoryWatch(provider, instanceId, options);
}
