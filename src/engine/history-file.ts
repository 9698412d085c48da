/**
 * The history file format written by `durox history dump` and read by `durox history replay`,
 * `history show --file` and `replayHistory` of `durox/testing` (documented in
 * docs/history-format.md). Events are stored exactly as the engine records them (duroxide's
 * snake_case fields), so a dump replays byte for byte.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { InvalidInputError } from '../core/errors.js';
import type { HistoryEvent } from '../core/history.js';
import type { ExecutionStatus } from '../core/provider.js';
import { firstZodIssue } from '../core/zod-issues.js';

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

/** Where a history file's problems are described from: its path or a label. */
function problem(source: string, message: string): InvalidInputError {
  return new InvalidInputError(`history file ${source}: ${message}`);
}

/**
 * Validates a parsed history document (`source` names it in messages).
 * @throws InvalidInputError naming the file and the first problem.
 */
export function parseHistoryFile(json: unknown, source: string): HistoryFile {
  const version = (json as { formatVersion?: unknown } | null)?.formatVersion;
  if (typeof version === 'number' && version > HISTORY_FORMAT_VERSION) {
    throw problem(
      source,
      `format version ${version} is newer than this durox reads (${HISTORY_FORMAT_VERSION}); upgrade durox`,
    );
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = firstZodIssue(parsed.error);
    throw problem(source, `${issue.path || 'document'}: ${issue.message}`);
  }
  return parsed.data as unknown as HistoryFile;
}

/**
 * Reads and validates a history file.
 * @throws InvalidInputError naming the file and the problem.
 */
export function readHistoryFile(path: string): HistoryFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw problem(path, `cannot read (${typeof code === 'string' ? code : String(err)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw problem(path, `not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  return parseHistoryFile(json, path);
}
