/**
 * `history replay`: checks saved histories against the current code, with no store and no side
 * effects (activities are never run: replay answers every yield from the history).
 */
import type { Divergence } from '../engine/replay/verify.js';
import { verifyHistory } from '../engine/verify-history.js';
import { messageOf } from './errors.js';
import type { HistoryFile } from './history-file.js';
import { describeOrchestrations } from './user-module.js';
import type { Registrations } from './user-module.js';

export type ReplayOutcome = 'ok' | 'diverged' | 'missing';

/** The check of one execution. */
export interface ExecutionReplay {
  executionId: number;
  orchestrationName: string;
  orchestrationVersion: string;
  result: ReplayOutcome;
  /** Events checked. */
  events: number;
  /** The first point where code and history disagree (result `diverged`). */
  divergence?: Divergence;
  /** Differences that do not break replay (e.g. a different output). */
  warnings: string[];
  /** Why the execution could not be checked (result `missing`). */
  message?: string;
}

/** The check of one file: `diverged` if any execution diverged, else `missing` if any was not checked. */
export interface FileReplay {
  file: string;
  instanceId: string;
  result: ReplayOutcome;
  executions: ExecutionReplay[];
}

/** `--json` document of `history replay`. */
export interface ReplayReport {
  /** True when every execution of every file replayed. */
  ok: boolean;
  files: FileReplay[];
  summary: { ok: number; diverged: number; missing: number };
}

function worst(results: ReplayOutcome[]): ReplayOutcome {
  if (results.includes('diverged')) return 'diverged';
  if (results.includes('missing')) return 'missing';
  return 'ok';
}

/** Replays every execution of every file against the registered orchestrations. */
export function replayFiles(
  files: { path: string; history: HistoryFile }[],
  registrations: Registrations,
): ReplayReport {
  const reports = files.map(({ path, history }): FileReplay => {
    const executions = history.executions.map((x): ExecutionReplay => {
      const base = {
        executionId: x.executionId,
        orchestrationName: x.orchestrationName,
        orchestrationVersion: x.orchestrationVersion,
        events: x.events.length,
        warnings: [] as string[],
      };
      const handler = registrations.orchestrations.get(x.orchestrationName)?.get(x.orchestrationVersion);
      if (!handler) {
        const known = describeOrchestrations(registrations).join(', ') || 'none';
        return {
          ...base,
          result: 'missing',
          message: `orchestration ${x.orchestrationName}@${x.orchestrationVersion} is not registered by the module (registered: ${known})`,
        };
      }
      try {
        const check = verifyHistory(handler, x.events, x.kvSnapshot);
        return {
          ...base,
          result: check.ok ? 'ok' : 'diverged',
          warnings: check.warnings,
          ...(check.divergence ? { divergence: check.divergence } : {}),
        };
      } catch (err) {
        return {
          ...base,
          result: 'diverged',
          divergence: {
            eventId: 0,
            recorded: 'history',
            actual: `replay threw: ${messageOf(err)}`,
            message: messageOf(err),
          },
        };
      }
    });
    return {
      file: path,
      instanceId: history.instance.instanceId,
      result: worst(executions.map((x) => x.result)),
      executions,
    };
  });
  const count = (r: ReplayOutcome): number => reports.filter((f) => f.result === r).length;
  return {
    ok: reports.every((f) => f.result === 'ok'),
    files: reports,
    summary: { ok: count('ok'), diverged: count('diverged'), missing: count('missing') },
  };
}
