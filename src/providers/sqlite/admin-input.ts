/**
 * Argument checks shared by the management operations. They run inside the provider operation,
 * so a bad argument rejects the returned promise with `InvalidInputError`.
 */
import { InvalidInputError } from '../../core/errors.js';
import type { InstanceStatus } from '../../core/provider.js';

const STATUSES: ReadonlySet<string> = new Set([
  'Pending',
  'Running',
  'Completed',
  'Failed',
  'ContinuedAsNew',
]);

/** A non-negative integer, or `fallback` when absent. */
export function countArg(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidInputError(`${name} must be a non-negative integer (got ${String(value)})`);
  }
  return value;
}

/** An epoch-ms time, or undefined when absent. */
export function timeArg(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidInputError(
      `${name} must be a finite number of epoch milliseconds (got ${String(value)})`,
    );
  }
  return value;
}

/** An instance status, or undefined when absent. */
export function statusArg(value: InstanceStatus | undefined): InstanceStatus | undefined {
  if (value === undefined || STATUSES.has(value)) return value;
  throw new InvalidInputError(
    `status must be one of Pending, Running, Completed, Failed, ContinuedAsNew (got ${String(value)})`,
  );
}

/** A list of instance ids without duplicates, or undefined when absent. */
export function idsArg(name: string, value: readonly string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((id) => typeof id !== 'string')) {
    throw new InvalidInputError(`${name} must be an array of instance ids`);
  }
  return [...new Set(value)];
}
