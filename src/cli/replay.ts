/**
 * `history replay`: the engine's replay report over the orchestrations the --module files
 * register.
 */
import { replayFiles } from '../engine/replay-report.js';
import type { ReplayReport } from '../engine/replay-report.js';
import type { HistoryFile } from './history-file.js';
import { describeOrchestrations } from './user-module.js';
import type { Registrations } from './user-module.js';

export type { ReplayReport } from '../engine/replay-report.js';

/** Replays every execution of every file against what the modules registered. */
export function replayModuleFiles(
  files: readonly { path: string; history: HistoryFile }[],
  registrations: Registrations,
): ReplayReport {
  return replayFiles(files, {
    orchestrationHandler: (name, version) => registrations.orchestrations.get(name)?.get(version),
    registeredOrchestrations: () => describeOrchestrations(registrations),
  });
}
