/**
 * The status a client reads (`client.getStatus`, the waits): duroxide-node's shape plus
 * `Pending` and `waitingOn`, made from an instance row; and the typed error a Failed one becomes.
 */
import { NondeterminismError, OrchestrationFailedError, PoisonError } from '../core/errors.js';
import type { DuroxError } from '../core/errors.js';
import { displayMessage, parseErrorDetails } from '../core/failure.js';
import type { ErrorDetails } from '../core/failure.js';
import { decodePayload } from '../core/history.js';
import type { InstanceInfo } from '../core/provider.js';
import type { WaitingOn } from './waiting-on.js';

/** Status as clients see it (duroxide-node's shape, plus `Pending`). */
export interface OrchestrationStatus {
  /**
   * `NotFound` for an unknown id; `Pending` from the start until a worker has run the first
   * turn (a durox addition); `Running` while it runs (also between continue-as-new
   * executions); then `Completed` or `Failed`.
   */
  status: 'NotFound' | 'Pending' | 'Running' | 'Completed' | 'Failed';
  /** Decoded output (Completed). */
  output?: unknown;
  /** One-line failure description (Failed). */
  error?: string;
  /** Structured failure (Failed): category, kind, message … */
  failureDetails?: ErrorDetails;
  customStatus?: string;
  customStatusVersion: number;
  /**
   * What the current execution waits on (`Pending` and `Running`; empty lists while `Pending`
   * or between continue-as-new executions); absent once the instance ended.
   */
  waitingOn?: WaitingOn;
}

/** The typed error a Failed status becomes; the message is the status's `error` text. */
export function failureError(instanceId: string, status: OrchestrationStatus): DuroxError {
  const message = status.error ?? 'orchestration failed';
  const details = status.failureDetails;
  if (details?.category === 'poison')
    return Object.assign(new PoisonError(message, { instanceId }), { details });
  if (details?.category === 'configuration' && details.kind === 'Nondeterminism') {
    return Object.assign(new NondeterminismError(message, { instanceId }), { details });
  }
  return new OrchestrationFailedError(message, details, { instanceId });
}

/** The status of an instance row (without `waitingOn`). */
export function statusOf(info: InstanceInfo | null): OrchestrationStatus {
  if (!info) return { status: 'NotFound', customStatusVersion: 0 };
  const status: OrchestrationStatus = {
    status:
      info.status === 'Completed' || info.status === 'Failed' || info.status === 'Pending'
        ? info.status
        : 'Running',
    customStatusVersion: info.customStatusVersion,
  };
  if (info.customStatus !== null) status.customStatus = info.customStatus;
  if (info.status === 'Completed') status.output = decodePayload(info.output);
  if (info.status === 'Failed') {
    const details = parseErrorDetails(info.output ?? '');
    status.error = displayMessage(details);
    status.failureDetails = details;
  }
  return status;
}
