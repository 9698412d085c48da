/**
 * An in-process worker that runs toygres only, for `durox instance create --wait` (and delete)
 * on a machine where no `durox worker run` is running. It shares the store with any other worker
 * through leases. Messages of orchestrations it does not know are put back for a minute, so it
 * barely touches other applications' work (each such delivery still counts an attempt).
 */
import { Runtime } from '../index.js';
import type { Provider, RuntimeOptions } from '../index.js';
import { registerToygres } from './register.js';
import type { ToygresOptions } from './register.js';

export interface EmbeddedWorker {
  runtime: Runtime;
  /** Stops the worker (in-flight work is given back to the store within `drainMs`). */
  stop(drainMs?: number): Promise<void>;
}

export async function startEmbeddedWorker(
  provider: Provider,
  options: ToygresOptions,
  runtimeOptions: RuntimeOptions = {},
): Promise<EmbeddedWorker> {
  const runtime = new Runtime(provider, {
    dispatcherPollIntervalMs: 50,
    logLevel: 'error',
    unregisteredBackoff: { baseDelayMs: 60_000, maxDelayMs: 300_000 },
    ...runtimeOptions,
  });
  registerToygres(runtime, options);
  await runtime.start();
  let stopped: Promise<void> | null = null;
  return {
    runtime,
    stop: (drainMs = 2_000) => (stopped ??= runtime.shutdown(drainMs)),
  };
}
