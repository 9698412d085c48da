/**
 * ActivityContext: what an activity function receives besides its input.
 */
import type { Client } from '../client.js';
import type { ActivityExecuteItem } from '../../core/history.js';
import type { Logger, LogLevel } from '../logger.js';

/** The context handed to every activity function (duroxide-node's shape). */
export class ActivityContext {
  readonly instanceId: string;
  readonly executionId: number;
  readonly orchestrationName: string;
  readonly orchestrationVersion: string;
  readonly activityName: string;
  /** `work-<slot>-<runtime id or workerNodeId>`. */
  readonly workerId: string;
  /** The session the activity was scheduled on, or `null`. */
  readonly sessionId: string | null;
  readonly #tag: string | null;
  readonly #activityId: number;
  readonly #logger: Logger;
  readonly #client: () => Client;
  // Made on first use of `signal`: most activities never read it, and an AbortController per
  // activity (with the dispatcher's abort listener) was a measurable share of a step's CPU.
  #controller: AbortController | undefined;
  #cancelReason: string | undefined;
  #onCancel: (() => void) | undefined;

  /** @internal */
  constructor(item: ActivityExecuteItem, workerId: string, logger: Logger, client: () => Client) {
    this.instanceId = item.instance;
    this.executionId = item.execution_id;
    this.orchestrationName = item.orchestration_name ?? 'unknown';
    this.orchestrationVersion = item.orchestration_version ?? 'unknown';
    this.activityName = item.name;
    this.workerId = workerId;
    this.sessionId = item.session_id ?? null;
    this.#tag = item.tag ?? null;
    this.#activityId = item.id;
    this.#logger = logger;
    this.#client = client;
  }

  /** The routing tag the activity was scheduled with, or `null`. */
  tag(): string | null {
    return this.#tag;
  }

  /**
   * True once the orchestration no longer needs the result (lost race, orchestration ended,
   * lease lost, runtime shutting down). Long activities should check it and stop early.
   */
  isCancelled(): boolean {
    return this.#cancelReason !== undefined;
  }

  /** Aborted when the activity is cancelled; pass it to fetch() and other abortable APIs. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#cancelReason !== undefined) this.#controller.abort(this.#cancelReason);
    }
    return this.#controller.signal;
  }

  /** A client on the same store (start orchestrations, raise events, prune …). */
  getClient(): Client {
    return this.#client();
  }

  traceInfo(message: string): void {
    this.#trace('info', message);
  }

  traceWarn(message: string): void {
    this.#trace('warn', message);
  }

  traceError(message: string): void {
    this.#trace('error', message);
  }

  traceDebug(message: string): void {
    this.#trace('debug', message);
  }

  /** @internal */
  cancel(reason: string): void {
    if (this.#cancelReason !== undefined) return;
    this.#cancelReason = reason;
    this.#controller?.abort(reason);
    this.#onCancel?.();
  }

  /** @internal Calls `listener` once when the activity is cancelled (at once if it is). */
  whenCancelled(listener: () => void): void {
    if (this.#cancelReason !== undefined) listener();
    else this.#onCancel = listener;
  }

  #trace(level: LogLevel, message: string): void {
    this.#logger.log(
      level,
      String(message),
      {
        instance_id: this.instanceId,
        execution_id: this.executionId,
        activity_name: this.activityName,
        activity_id: this.#activityId,
        worker_id: this.workerId,
      },
      'activity',
    );
  }
}
