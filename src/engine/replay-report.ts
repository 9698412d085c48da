/**
 * Checking recorded histories against the current code, with no store and no side effects
 * (activities never run: replay answers every yield from the history). The report is what
 * `durox history replay` prints; `replayHistory` and `Replayer` are its library form.
 */
import type { OrchestrationHandler } from './replay/execution.js';
import type { Divergence } from './replay/verify.js';
import { verifyHistory } from './verify-history.js';
import type { HistoryFile } from './history-file.js';

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

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

/** Where replay looks orchestrations up: a `Runtime` with the code registered fits. */
export interface ReplayRegistry {
  /** The handler of `name` at `version`, if registered. */
  orchestrationHandler(name: string, version: string): OrchestrationHandler | undefined;
  /** `name@version` of everything registered (for messages). */
  registeredOrchestrations(): string[];
}

/** Replays every execution of every file against the registered orchestrations. */
export function replayFiles(
  files: readonly { path: string; history: HistoryFile }[],
  registry: ReplayRegistry,
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
      const handler = registry.orchestrationHandler(x.orchestrationName, x.orchestrationVersion);
      if (!handler) {
        const known = registry.registeredOrchestrations().join(', ') || 'none';
        return {
          ...base,
          result: 'missing',
          message: `orchestration ${x.orchestrationName}@${x.orchestrationVersion} is not registered (registered: ${known})`,
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
