/**
 * Messages a client sends to an instance — an event, a queue message, a cancellation — each in a
 * client span whose context the message carries, so the turn that records it links the span.
 */
import type { CancelInstanceItem, ExternalRaisedItem, QueueMessageItem } from '../core/history.js';
import type { Provider } from '../core/provider.js';
import { ATTR, traced } from './otel.js';

/** A message for an instance sent by a client. */
export type InstanceMessage = ExternalRaisedItem | QueueMessageItem | CancelInstanceItem;

/** Enqueues `message` in a span `spanName` (with `attributes` and the instance id). */
export function sendInstanceMessage(
  provider: Provider,
  spanName: string,
  attributes: Record<string, string>,
  message: InstanceMessage,
): Promise<void> {
  return traced(spanName, { [ATTR.instanceId]: message.instance, ...attributes }, (trace) =>
    provider.enqueueOrchestratorWork(trace ? { ...message, trace } : message),
  );
}
