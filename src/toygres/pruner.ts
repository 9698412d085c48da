/**
 * Starting the singleton system pruner (`toygres-system-pruner`). The control plane ensures it on
 * every create, so stores that never see toygres get no pruner.
 */
import type { Client } from '../index.js';
import { DEFAULTS } from './config.js';
import { ORCHESTRATIONS, SYSTEM_PRUNER_ID } from './names.js';
import type { SystemPrunerInput } from './types.js';

/** Pruner settings (defaults: hourly, finished toygres orchestrations older than 6 h, keep 3 executions). */
export interface SystemPrunerOptions {
  intervalMs?: number;
  terminalOlderThanMs?: number;
  keepExecutions?: number;
}

/**
 * Starts the singleton system pruner unless it runs (a finished or failed one is replaced).
 * Returns true when it started it.
 */
export async function ensureSystemPruner(
  client: Client,
  options: SystemPrunerOptions = {},
): Promise<boolean> {
  const status = await client.getStatus(SYSTEM_PRUNER_ID);
  // A started pruner is Pending until a worker runs its first turn: it needs no second start.
  if (status.status === 'Running' || status.status === 'Pending') return false;
  // A pruner that ended (it should not) is replaced.
  if (status.status !== 'NotFound') await client.deleteInstance(SYSTEM_PRUNER_ID, true);
  const input: SystemPrunerInput = {
    intervalMs: options.intervalMs ?? DEFAULTS.prunerIntervalMs,
    terminalOlderThanMs: options.terminalOlderThanMs ?? DEFAULTS.pruneTerminalOlderThanMs,
    keepExecutions: options.keepExecutions ?? DEFAULTS.pruneKeepExecutions,
    iteration: 0,
  };
  await client.startOrchestration(SYSTEM_PRUNER_ID, ORCHESTRATIONS.systemPruner, input);
  return true;
}
