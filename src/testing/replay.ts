/**
 * Replay testing: check recorded histories (files written by `durox history dump`, or history
 * objects) against the current code, so a change that would break running orchestrations fails
 * a test instead of production. The library form of `durox history replay`, sharing its code.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { NondeterminismError, Runtime } from '../index.js';
import type { Provider } from '../index.js';
import { readHistoryFile } from '../engine/history-file.js';
import type { HistoryFile } from '../engine/history-file.js';
import { replayFiles } from '../engine/replay-report.js';
import type { ReplayReport } from '../engine/replay-report.js';

/** Registers the code to check, like `TestEnvironment`'s `register` or a worker module's. */
export type RegisterCode = (runtime: Runtime) => void | Promise<void>;

/** One execution whose recorded history the code no longer reproduces (or cannot check). */
export interface ReplayDivergence {
  /** The file, or `history` for a history object. */
  source: string;
  instanceId: string;
  executionId: number;
  /** `name@version` of the orchestration. */
  orchestration: string;
  /** `diverged`: code and history disagree; `missing`: that version is not registered. */
  kind: 'diverged' | 'missing';
  /** event_id where they disagree (0 when `missing`). */
  eventId: number;
  /** What history recorded there. */
  recorded: string;
  /** What the code does now. */
  actual: string;
  /** One line describing it. */
  message: string;
}

/** The outcome of checking one or more histories. */
export interface ReplayResult {
  /** True when every execution replayed exactly. */
  ok: boolean;
  /** Executions checked. */
  executions: number;
  divergences: ReplayDivergence[];
}

/** A registry that runs nothing: registrations are only read (replay never touches a store). */
/** Optional provider methods the Runtime probes for: absent here. */
const OPTIONAL_CAPABILITIES: ReadonlySet<PropertyKey> = new Set([
  'recommendedRuntimeOptions',
  'ackOrchestrationItemEager',
  'ackHeldTurn',
]);

const NO_STORE = new Proxy({} as Provider, {
  get: (_target, property) =>
    property === 'then' || OPTIONAL_CAPABILITIES.has(property)
      ? undefined
      : () => Promise.reject(new Error('replay checks run without a store; this should not be called')),
});

function toResult(report: ReplayReport): ReplayResult {
  const divergences: ReplayDivergence[] = [];
  let executions = 0;
  for (const file of report.files) {
    for (const x of file.executions) {
      executions++;
      if (x.result === 'ok') continue;
      const d = x.divergence;
      divergences.push({
        source: file.file,
        instanceId: file.instanceId,
        executionId: x.executionId,
        orchestration: `${x.orchestrationName}@${x.orchestrationVersion}`,
        kind: x.result,
        eventId: d?.eventId ?? 0,
        recorded: d?.recorded ?? 'history',
        actual: d?.actual ?? 'not registered',
        message: d?.message ?? x.message ?? 'not checked',
      });
    }
  }
  return { ok: divergences.length === 0, executions, divergences };
}

/** One readable paragraph per divergence. */
function describe(divergences: readonly ReplayDivergence[]): string {
  return divergences
    .map((d) => {
      const where = `${d.source}: ${d.instanceId} execution ${d.executionId} (${d.orchestration})`;
      return d.kind === 'missing'
        ? `${where}: ${d.message}`
        : `${where} diverged at event ${d.eventId}\n  recorded: ${d.recorded}\n  code now: ${d.actual}\n  ${d.message}`;
    })
    .join('\n');
}

/** History files in `paths`: files as given, directories by their `*.json` files (sorted). */
function historyPaths(paths: string | readonly string[]): string[] {
  return (typeof paths === 'string' ? [paths] : [...paths]).flatMap((path) =>
    statSync(path).isDirectory()
      ? readdirSync(path)
          .filter((name) => name.endsWith('.json'))
          .sort()
          .map((name) => join(path, name))
      : [path],
  );
}

/** Checks histories against the code `register` registers; create with {@link Replayer.create}. */
export class Replayer {
  private constructor(private readonly runtime: Runtime) {}

  /** Registers the code to check against. */
  static async create(register: RegisterCode): Promise<Replayer> {
    const runtime = new Runtime(NO_STORE, { logLevel: 'off' });
    await register(runtime);
    return new Replayer(runtime);
  }

  /** Replays every execution of one history (a dump file's path, or its parsed content). */
  replay(history: HistoryFile | string): ReplayResult {
    const file =
      typeof history === 'string'
        ? { path: history, history: readHistoryFile(history) }
        : { path: 'history', history };
    return toResult(replayFiles([file], this.runtime));
  }

  /**
   * Replays every history in `paths` (dump files, or directories of them) and throws one
   * `NondeterminismError` listing each divergence; resolves with the result when all replay.
   */
  async replayAll(paths: string | readonly string[]): Promise<ReplayResult> {
    const files = historyPaths(paths).map((path) => ({ path, history: readHistoryFile(path) }));
    const result = toResult(replayFiles(files, this.runtime));
    if (!result.ok) {
      throw new NondeterminismError(
        `${result.divergences.length} of ${result.executions} execution(s) do not replay:\n${describe(result.divergences)}`,
      );
    }
    return result;
  }
}

/**
 * Replays one history (a `durox history dump` file's path, or its parsed content) against the
 * code `register` registers: `{ ok, divergences }`.
 */
export async function replayHistory(
  register: RegisterCode,
  history: HistoryFile | string,
): Promise<ReplayResult> {
  return (await Replayer.create(register)).replay(history);
}
