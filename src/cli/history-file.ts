/**
 * Writing history files (`durox history dump`, `demo`) and reading them for the CLI. The format
 * itself lives in src/engine/history-file.ts.
 */
import type { Client } from '../engine/client.js';
import { DUROX_VERSION } from '../core/history.js';
import type { HistoryEvent } from '../core/history.js';
import { isDuroxError } from '../core/errors.js';
import {
  HISTORY_FORMAT,
  HISTORY_FORMAT_VERSION,
  readHistoryFile as readFile,
} from '../engine/history-file.js';
import type { HistoryFile, HistoryFileExecution, KvSnapshotEntry } from '../engine/history-file.js';
import { CliError, usageError } from './errors.js';

export type { HistoryFile, HistoryFileExecution, KvSnapshotEntry } from '../engine/history-file.js';

/** Which executions to dump. */
export type ExecutionSelection = { kind: 'current' } | { kind: 'all' } | { kind: 'one'; executionId: number };

/** KV state after folding the KV events of `events` into `state`. */
function foldKv(state: Map<string, KvSnapshotEntry>, events: readonly HistoryEvent[]): void {
  for (const e of events) {
    if (e.type === 'KeyValueSet') state.set(e.key, { value: e.value, lastUpdatedAtMs: e.last_updated_at_ms });
    else if (e.type === 'KeyValueCleared') state.delete(e.key);
    else if (e.type === 'KeyValuesCleared') state.clear();
  }
}

/** Reads an instance from the store into a history file. NOT_FOUND for unknown ids. */
export async function buildHistoryFile(
  client: Client,
  instanceId: string,
  selection: ExecutionSelection,
): Promise<HistoryFile> {
  const info = await client.getInstanceInfo(instanceId);
  // A Pending instance has recorded nothing yet: there is no history to write.
  if (info.status === 'Pending') {
    throw new CliError('NOT_FOUND', `instance '${instanceId}' has no history yet: it is Pending`, {
      hint: 'a worker (`durox worker run`) runs its first turn; see `durox orchestration status`',
    });
  }
  const stored = await client.listExecutions(instanceId);
  let wanted: number[];
  if (selection.kind === 'all') wanted = stored;
  else if (selection.kind === 'current') wanted = [info.currentExecutionId];
  else {
    if (!stored.includes(selection.executionId)) {
      throw new CliError(
        'NOT_FOUND',
        `instance '${instanceId}' has no execution ${selection.executionId} (stored: ${stored.join(', ') || 'none'})`,
        { hint: 'pruned executions cannot be dumped; use --all to dump what is stored' },
      );
    }
    wanted = [selection.executionId];
  }
  // KV snapshots are exact only when the chain of earlier executions is complete.
  const complete = stored[0] === 1 && stored.every((id, i) => id === i + 1);
  const kv = new Map<string, KvSnapshotEntry>();
  const executions: HistoryFileExecution[] = [];
  for (const executionId of complete ? stored : wanted) {
    const events = await client.readStoredHistory(instanceId, executionId);
    if (wanted.includes(executionId)) {
      const exec = await client.getExecutionInfo(instanceId, executionId);
      const started = events[0]?.type === 'OrchestrationStarted' ? events[0] : undefined;
      executions.push({
        executionId,
        orchestrationName: started?.name ?? info.orchestrationName,
        orchestrationVersion: started?.version ?? info.orchestrationVersion ?? '1.0.0',
        status: exec.status,
        startedAt: exec.startedAt,
        completedAt: exec.completedAt ?? null,
        ...(complete ? { kvSnapshot: Object.fromEntries(kv) } : {}),
        events,
      });
    }
    foldKv(kv, events);
  }
  return {
    format: HISTORY_FORMAT,
    formatVersion: HISTORY_FORMAT_VERSION,
    exportedAt: new Date().toISOString(),
    duroxVersion: DUROX_VERSION,
    instance: {
      instanceId: info.instanceId,
      orchestrationName: info.orchestrationName,
      orchestrationVersion: info.orchestrationVersion,
      status: info.status,
      currentExecutionId: info.currentExecutionId,
      parentInstanceId: info.parentInstanceId ?? null,
      createdAt: info.createdAt,
      updatedAt: info.updatedAt,
    },
    executions,
  };
}

/** Reads and validates a history file; any problem is a usage error naming the file. */
export function readHistoryFile(path: string): HistoryFile {
  try {
    return readFile(path);
  } catch (err) {
    if (!isDuroxError(err, 'INVALID_INPUT')) throw err;
    throw usageError(
      err.message,
      'history files are written by `durox history dump` (see docs/history-format.md)',
    );
  }
}
