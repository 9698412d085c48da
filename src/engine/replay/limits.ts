/**
 * Size limits checked at the end of every turn. A violation fails the orchestration with an
 * application error and none of the turn's new work is dispatched.
 */
import type { ApplicationErrorDetails } from '../../core/failure.js';
import type { HistoryEvent } from '../../core/history.js';

/** Most KV keys one instance may hold. */
export const MAX_KV_KEYS = 150;
/** Largest KV value, in UTF-8 bytes. */
export const MAX_KV_VALUE_BYTES = 65_536;
/** Largest custom status, in UTF-8 bytes. */
export const MAX_CUSTOM_STATUS_BYTES = 256 * 1024;
/** Longest activity tag, in UTF-8 bytes. */
export const MAX_TAG_NAME_BYTES = 256;
/** Most tags one worker tag filter may list. */
export const MAX_WORKER_TAGS = 5;

const encoder = new TextEncoder();

function bytes(text: string): number {
  return encoder.encode(text).length;
}

function violation(message: string): ApplicationErrorDetails {
  return { category: 'application', kind: 'OrchestrationFailed', message, retryable: false };
}

/** Returns the first limit the turn's events or the resulting KV state exceed, if any. */
export function checkLimits(
  delta: readonly HistoryEvent[],
  kv: ReadonlyMap<string, unknown>,
): ApplicationErrorDetails | null {
  for (const event of delta) {
    if (event.type === 'KeyValueSet' && bytes(event.value) > MAX_KV_VALUE_BYTES) {
      return violation(`KV value for key "${event.key}" exceeds limit of ${MAX_KV_VALUE_BYTES} bytes`);
    }
    if (
      event.type === 'CustomStatusUpdated' &&
      event.status !== null &&
      bytes(event.status) > MAX_CUSTOM_STATUS_BYTES
    ) {
      return violation(`custom status exceeds limit of ${MAX_CUSTOM_STATUS_BYTES} bytes`);
    }
    if (
      event.type === 'ActivityScheduled' &&
      event.tag !== undefined &&
      bytes(event.tag) > MAX_TAG_NAME_BYTES
    ) {
      return violation(`activity tag exceeds limit of ${MAX_TAG_NAME_BYTES} bytes`);
    }
  }
  if (kv.size > MAX_KV_KEYS) return violation(`KV key count ${kv.size} exceeds limit of ${MAX_KV_KEYS} keys`);
  return null;
}
