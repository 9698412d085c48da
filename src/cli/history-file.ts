/**
 * The history file format written by `durox history dump` and read by `history replay` and
 * `history show --file` (documented in docs/history-format.md). Events are stored exactly as the
 * engine records them (duroxide's snake_case fields), so a dump replays byte for byte.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Client } from '../engine/client.js';
import { DUROX_VERSION } from '../core/history.js';
import type { HistoryEvent } from '../core/history.js';
import type { ExecutionStatus } from '../core/provider.js';
import { firstZodIssue } from '../core/zod-issues.js';
import { CliError, messageOf, usageError } from './errors.js';

export const HISTORY_FORMAT = 'durox-history';
export const HISTORY_FORMAT_VERSION = 1;

/** A KV entry as it stood when an execution started. */
export interface KvSnapshotEntry {
  value: string;
  lastUpdatedAtMs: number;
}

/** One execution in a history file. */
export interface HistoryFileExecution {
  executionId: number;
  /** From the execution's OrchestrationStarted event. */
  orchestrationName: string;
  orchestrationVersion: string;
  status: ExecutionStatus;
  startedAt: number;
  completedAt: number | null;
  /**
   * KV state committed by earlier executions when this one started; present when every earlier
   * execution was still stored at dump time (replay uses it for `getValue`).
   */
  kvSnapshot?: Record<string, KvSnapshotEntry>;
  /** The recorded events, in event_id order, as stored. */
  events: HistoryEvent[];
}

/** A history file (format version 1). */
export interface HistoryFile {
  format: typeof HISTORY_FORMAT;
  formatVersion: typeof HISTORY_FORMAT_VERSION;
  /** ISO 8601 time of the dump. */
  exportedAt: string;
  /** durox version that wrote the file. */
  duroxVersion: string;
  instance: {
    instanceId: string;
    orchestrationName: string;
    orchestrationVersion: string | null;
    status: ExecutionStatus;
    currentExecutionId: number;
    parentInstanceId: string | null;
    createdAt: number;
    updatedAt: number;
  };
  /** Ascending by executionId. */
  executions: HistoryFileExecution[];
}

const statusSchema = z.enum(['Running', 'Completed', 'Failed', 'ContinuedAsNew']);
const eventSchema = z
  .object({
    type: z.string().min(1),
    event_id: z.number().int().min(1),
    instance_id: z.string(),
    execution_id: z.number().int().min(1),
    timestamp_ms: z.number(),
    source_event_id: z.number().int().optional(),
  })
  .passthrough();
const executionSchema = z.object({
  executionId: z.number().int().min(1),
  orchestrationName: z.string().min(1),
  orchestrationVersion: z.string().min(1),
  status: statusSchema,
  startedAt: z.number(),
  completedAt: z.number().nullable(),
  kvSnapshot: z.record(z.object({ value: z.string(), lastUpdatedAtMs: z.number() })).optional(),
  events: z.array(eventSchema).min(1, 'an execution needs at least its OrchestrationStarted event'),
});
const fileSchema = z.object({
  format: z.literal(HISTORY_FORMAT),
  formatVersion: z.literal(HISTORY_FORMAT_VERSION),
  exportedAt: z.string(),
  duroxVersion: z.string(),
  instance: z.object({
    instanceId: z.string().min(1),
    orchestrationName: z.string().min(1),
    orchestrationVersion: z.string().nullable(),
    status: statusSchema,
    currentExecutionId: z.number().int().min(1),
    parentInstanceId: z.string().nullable(),
    createdAt: z.number(),
    updatedAt: z.number(),
  }),
  executions: z.array(executionSchema).min(1, 'the file holds no execution'),
});

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
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw usageError(
      `history file ${path}: cannot read (${(err as { code?: string }).code ?? messageOf(err)})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw usageError(`history file ${path}: not valid JSON (${messageOf(err)})`);
  }
  const version = (json as { formatVersion?: unknown } | null)?.formatVersion;
  if (typeof version === 'number' && version > HISTORY_FORMAT_VERSION) {
    throw usageError(
      `history file ${path}: format version ${version} is newer than this durox reads (${HISTORY_FORMAT_VERSION})`,
      'upgrade durox',
    );
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = firstZodIssue(parsed.error);
    throw usageError(
      `history file ${path}: ${issue.path || 'document'}: ${issue.message}`,
      'history files are written by `durox history dump` (see docs/history-format.md)',
    );
  }
  return parsed.data as unknown as HistoryFile;
}
