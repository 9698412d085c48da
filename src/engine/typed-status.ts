/**
 * What the typed client calls (`Client.start`, `Client.waitFor`) share: the status they return
 * and the check of their definition argument.
 */
import { InvalidInputError } from '../core/errors.js';
import { displayMessage, parseErrorDetails } from '../core/failure.js';
import type { ErrorDetails } from '../core/failure.js';
import { isDefinition } from './definitions.js';

/** Fields of every {@link TypedOrchestrationStatus}. */
interface TypedStatusBase {
  customStatus?: string;
  customStatusVersion: number;
}

/**
 * The end status of an orchestration as `Client.waitFor` returns it: `output` typed `O` when
 * Completed; `error` and `failureDetails` when Failed.
 */
export type TypedOrchestrationStatus<O = unknown> =
  | (TypedStatusBase & { status: 'Completed'; output: O })
  | (TypedStatusBase & { status: 'Failed'; error: string; failureDetails: ErrorDetails });

/** The fields of an ended status that a typed status keeps. */
interface EndedStatus {
  status: string;
  output?: unknown;
  error?: string;
  failureDetails?: ErrorDetails;
  customStatus?: string;
  customStatusVersion: number;
}

/** An ended (Completed or Failed) status as a {@link TypedOrchestrationStatus}. */
export function typedStatus<O>(status: EndedStatus): TypedOrchestrationStatus<O> {
  const base: TypedStatusBase = { customStatusVersion: status.customStatusVersion };
  if (status.customStatus !== undefined) base.customStatus = status.customStatus;
  if (status.status === 'Completed') return { ...base, status: 'Completed', output: status.output as O };
  const failureDetails = status.failureDetails ?? parseErrorDetails(status.error ?? 'orchestration failed');
  return { ...base, status: 'Failed', error: displayMessage(failureDetails), failureDetails };
}

/** Rejects what is not an orchestration definition (for callers without types). */
export function checkOrchestration(def: unknown, method: string): void {
  if (!isDefinition(def) || def.kind !== 'orchestration') {
    throw new InvalidInputError(
      `client.${method}() takes an orchestration definition (made by defineOrchestration)`,
    );
  }
}
