/**
 * WAL checkpoints off the Node thread. A checkpoint copies WAL pages into the database file and
 * syncs it, which takes tens of milliseconds; run inline by SQLite's autocheckpoint it stalls
 * every dispatcher of the process (measured: ~20 % of wall time under load, and the latency
 * tail). A worker thread with its own connection runs PASSIVE checkpoints instead, which never
 * block the writer; durability is unchanged.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Runs inside the worker thread (CommonJS, so it can `require` the native driver). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { timeout: 1000 });
db.pragma('synchronous = ' + workerData.synchronous);
const checkpoint = () => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy or closing: next tick */ }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  checkpoint();
  try { db.close(); } catch { /* already closed */ }
  parentPort.close();
});
`;

export interface Checkpointer {
  /** Stops the thread after a last checkpoint. */
  stop(): Promise<void>;
}

/** How often the thread checkpoints; a busy store writes a few MB of WAL in this time. */
const CHECKPOINT_INTERVAL_MS = 100;

/**
 * Starts the checkpoint thread for a WAL database file. Returns `null` when threads are not
 * available, in which case the caller keeps SQLite's inline autocheckpoint.
 */
export function startCheckpointer(path: string, synchronous: 'NORMAL' | 'FULL'): Checkpointer | null {
  let worker: Worker;
  try {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver, path, synchronous, intervalMs: CHECKPOINT_INTERVAL_MS },
    });
  } catch {
    return null;
  }
  // The thread must never keep a process alive on its own.
  worker.unref();
  worker.on('error', () => undefined);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async stop() {
      // Keep the process alive until the thread has finished its last checkpoint.
      worker.ref();
      worker.postMessage('stop');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000)));
      await Promise.race([exited, timeout]);
      clearTimeout(timer);
      await worker.terminate();
    },
  };
}
