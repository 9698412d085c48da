/**
 * Shared helpers for the SQLite provider tests: temporary database files that are removed
 * after each test, providers that are closed after each test, and small item/event builders.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach } from 'vitest';
import type { ActivityExecuteItem, HistoryEvent, OrchestratorWorkItem } from '../../../src/engine/history.js';
import { isDuroxError } from '../../../src/engine/errors.js';
import type {
  FetchWorkItemOptions,
  OrchestrationAck,
  OrchestrationItem,
  WorkItemLease,
} from '../../../src/providers/provider.js';
import { SqliteProvider } from '../../../src/providers/sqlite/sqlite-provider.js';
import type { SqliteProviderOptions } from '../../../src/providers/sqlite/sqlite-options.js';

const tempDirs: string[] = [];
const providers: SqliteProvider[] = [];
const connections: Database.Database[] = [];

afterEach(async () => {
  await Promise.all(providers.splice(0).map((provider) => provider.close()));
  for (const db of connections.splice(0)) db.close();
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'durox-sqlite-test-'));
  tempDirs.push(dir);
  return dir;
}

/** A path for a new database file in a fresh temporary directory. */
export function tempDbPath(): string {
  return join(tempDir(), 'durox.db');
}

/** Opens a provider that is closed after the test. */
export async function openProvider(
  pathOrUrl: string = tempDbPath(),
  options?: SqliteProviderOptions,
): Promise<SqliteProvider> {
  const provider = await SqliteProvider.open(pathOrUrl, options);
  providers.push(provider);
  return provider;
}

/** Registers a provider opened some other way, so it is closed after the test. */
export function track(provider: SqliteProvider): SqliteProvider {
  providers.push(provider);
  return provider;
}

/** A raw connection to inspect or tamper with a database file; closed after the test. */
export function rawConnection(path: string): Database.Database {
  const db = new Database(path, { timeout: 5000 });
  connections.push(db);
  return db;
}

export function startItem(
  instance: string,
  orchestration = 'Greeter',
  version?: string,
): OrchestratorWorkItem {
  const item: OrchestratorWorkItem = {
    type: 'StartOrchestration',
    instance,
    orchestration,
    input: '"hi"',
    execution_id: 1,
  };
  if (version !== undefined) item.version = version;
  return item;
}

export function externalItem(instance: string, data = '"x"', name = 'evt'): OrchestratorWorkItem {
  return { type: 'ExternalRaised', instance, name, data };
}

export function completionItem(
  instance: string,
  id: number,
  result = '"done"',
  executionId = 1,
): OrchestratorWorkItem {
  return { type: 'ActivityCompleted', instance, execution_id: executionId, id, result };
}

export function activityItem(
  instance: string,
  id: number,
  extra: Partial<Pick<ActivityExecuteItem, 'session_id' | 'tag' | 'execution_id' | 'input'>> = {},
): ActivityExecuteItem {
  return { type: 'ActivityExecute', instance, execution_id: 1, id, name: 'Work', input: '"in"', ...extra };
}

export function startedEvent(instance: string, eventId = 1, executionId = 1): HistoryEvent {
  return {
    type: 'OrchestrationStarted',
    event_id: eventId,
    instance_id: instance,
    execution_id: executionId,
    timestamp_ms: 1,
    name: 'Greeter',
    version: '1.0.0',
    input: '"hi"',
  };
}

export function scheduledEvent(instance: string, eventId: number, executionId = 1): HistoryEvent {
  return {
    type: 'ActivityScheduled',
    event_id: eventId,
    instance_id: instance,
    execution_id: executionId,
    timestamp_ms: 1,
    name: 'Work',
    input: '"in"',
  };
}

export function externalEvent(
  instance: string,
  eventId: number,
  data: string,
  executionId = 1,
): HistoryEvent {
  return {
    type: 'ExternalEvent',
    event_id: eventId,
    instance_id: instance,
    execution_id: executionId,
    timestamp_ms: 1,
    name: 'evt',
    data,
  };
}

/** An ack with nothing in it but what `overrides` sets. */
export function ack(overrides: Partial<OrchestrationAck> = {}): OrchestrationAck {
  return {
    executionId: 1,
    historyDelta: [],
    workerItems: [],
    orchestratorItems: [],
    cancelledActivities: [],
    metadata: {},
    kvMutations: [],
    ...overrides,
  };
}

/** An ack that creates the instance (name + version) with a started event. */
export function startAck(instance: string, overrides: Partial<OrchestrationAck> = {}): OrchestrationAck {
  return ack({
    historyDelta: [startedEvent(instance)],
    metadata: { orchestrationName: 'Greeter', orchestrationVersion: '1.0.0' },
    ...overrides,
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Fetches an orchestration item that must be there. */
export async function fetchOrchestration(
  provider: SqliteProvider,
  lockMs = 30_000,
): Promise<OrchestrationItem> {
  const item = await provider.fetchOrchestrationItem(lockMs);
  if (item === null) throw new Error('expected an orchestration item');
  return item;
}

/** Fetches a work item that must be there (default-only tags, no session unless given). */
export async function fetchWork(
  provider: SqliteProvider,
  options: FetchWorkItemOptions = { tagFilter: { mode: 'defaultOnly' } },
  lockMs = 30_000,
): Promise<WorkItemLease> {
  const lease = await provider.fetchWorkItem(lockMs, options);
  if (lease === null) throw new Error('expected a work item');
  return lease;
}

/** The error `promise` rejects with (fails the test if it resolves). */
export async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

/** True when `promise` rejects with a LockLostError. */
export async function isLockLost(promise: Promise<unknown>): Promise<boolean> {
  return isDuroxError(await errorOf(promise), 'LOCK_LOST');
}
