/**
 * The storage contract every durox provider implements.
 *
 * A provider stores histories and two queues. The orchestrator queue holds messages for
 * orchestration instances (starts, completions, timers, events); it is fetched one instance at a
 * time under an instance-level lease, and a turn is committed with one atomic ack. The worker
 * queue holds activity executions, fetched one at a time with peek-lock. Providers never run
 * user code and never interpret history beyond what the ack hands them explicitly.
 *
 * Times are epoch milliseconds from the calling process's clock.
 */
import type { ManagementProvider } from './management-provider.js';
import type { QueueProvider } from './queue-provider.js';

export type * from './management-provider.js';
export type * from './queue-provider.js';

/**
 * The provider contract: the queue and turn operations the runtime uses plus the management
 * operations of the Client. All methods may reject with a `ProviderError`.
 */
export interface Provider extends QueueProvider, ManagementProvider {}
