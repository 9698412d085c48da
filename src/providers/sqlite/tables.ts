/**
 * The statement groups of one open connection, prepared once when the provider opens.
 */
import type Database from 'better-sqlite3';
import { HistoryCache } from './history-cache.js';
import { KvTables } from './kv.js';
import { OrchestrationAckWriter } from './orchestration-ack.js';
import { OrchestrationFetcher } from './orchestration-fetch.js';
import { OrchestratorQueue } from './orchestrator-queue.js';
import { InstanceReads } from './reads.js';
import { SessionTable } from './sessions.js';
import { prepareAdminTables, type AdminTables } from './sqlite-admin.js';
import type { CompiledSqliteOptions } from './sqlite-options.js';
import { WorkerQueue } from './worker-queue.js';
import { WorkerTable } from './workers.js';

/** The statement groups of one open connection. */
export interface Tables {
  fetcher: OrchestrationFetcher;
  orchestratorQueue: OrchestratorQueue;
  ack: OrchestrationAckWriter;
  workerQueue: WorkerQueue;
  sessions: SessionTable;
  kv: KvTables;
  reads: InstanceReads;
  admin: AdminTables;
  workers: WorkerTable;
}

export function prepareTables(db: Database.Database, options: CompiledSqliteOptions): Tables {
  const { clock } = options;
  const kv = new KvTables(db);
  const sessions = new SessionTable(db, clock);
  const historyCache = new HistoryCache(options.historyCacheEvents);
  const fetcher = new OrchestrationFetcher(db, kv, historyCache, clock);
  const orchestratorQueue = new OrchestratorQueue(db, clock);
  const workerQueue = new WorkerQueue(db, sessions, orchestratorQueue, clock);
  const ack = new OrchestrationAckWriter(db, kv, orchestratorQueue, workerQueue, clock);
  return {
    fetcher,
    orchestratorQueue,
    ack,
    workerQueue,
    sessions,
    kv,
    reads: new InstanceReads(db),
    admin: prepareAdminTables(db, historyCache, clock),
    workers: new WorkerTable(db, clock),
  };
}
