/**
 * Group commit for PostgreSQL round trips. Calls of one kind that arrive while a batch of that
 * kind is in flight wait for it and then leave together as the next batch: one round trip, one
 * transaction and one NOTIFY for many calls. An unloaded caller never waits (its batch of one
 * leaves at once), so latency is unchanged; under load the batches grow by themselves.
 *
 * A failed batch rejects its callers with the error, unless it had several calls and the error
 * is permanent: then each call runs again as a batch of its own (a failed batch rolled back
 * whole), so one bad call — say an ack with a duplicate event id — fails alone.
 */
import { isRetryable } from '../../core/errors.js';

interface Pending<Request, Result> {
  request: Request;
  resolve: (result: Result) => void;
  reject: (err: unknown) => void;
}

export interface BatcherOptions {
  /** Batches of this kind in flight at once (each holds a pooled connection). */
  maxInFlight: number;
  /** Most calls per batch. */
  maxBatch: number;
}

export class Batcher<Request, Result> {
  private queue: Pending<Request, Result>[] = [];
  private inFlight = 0;

  /**
   * @param execute runs one batch; resolves with one result per request, in order.
   */
  constructor(
    private readonly options: BatcherOptions,
    private readonly execute: (requests: Request[]) => Promise<Result[]>,
  ) {}

  /** True when nothing is queued or in flight. */
  get idle(): boolean {
    return this.inFlight === 0 && this.queue.length === 0;
  }

  /** Queues one call; resolves with its result. */
  submit(request: Request): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.inFlight++;
      void this.run(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async run(batch: Pending<Request, Result>[]): Promise<void> {
    let results: Result[];
    try {
      results = await this.execute(batch.map((pending) => pending.request));
    } catch (err) {
      if (batch.length === 1 || isRetryable(err)) {
        for (const pending of batch) pending.reject(err);
        return;
      }
      await Promise.all(batch.map((pending) => this.run([pending])));
      return;
    }
    batch.forEach((pending, index) => {
      const result = results[index];
      if (result === undefined) pending.reject(new Error('internal error: batch result missing'));
      else pending.resolve(result);
    });
  }
}

/** Batchers keyed by a string (e.g. fetch options), created on first use. */
export class BatcherMap<Request, Result> {
  private readonly batchers = new Map<string, Batcher<Request, Result>>();

  constructor(
    private readonly options: BatcherOptions,
    private readonly execute: (key: string, requests: Request[]) => Promise<Result[]>,
  ) {}

  submit(key: string, request: Request): Promise<Result> {
    let batcher = this.batchers.get(key);
    if (batcher === undefined) {
      // Keys are few in practice (a runtime's fetch options); forget idle ones if they pile up.
      if (this.batchers.size >= 64) {
        for (const [k, b] of this.batchers) if (b.idle) this.batchers.delete(k);
      }
      batcher = new Batcher(this.options, (requests) => this.execute(key, requests));
      this.batchers.set(key, batcher);
    }
    return batcher.submit(request);
  }
}
