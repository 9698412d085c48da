#!/usr/bin/env node
/**
 * Diagnostic: where does a sequential workload spend its provider time? Runs N instances × K
 * sequential activities on a fresh SQLite file (like the `sequential` workload) with every
 * provider method wrapped, and prints per method: calls, synchronous time (the SQLite work runs
 * synchronously inside the call), and WAL frames (pages) written per call.
 *
 *   node bench/provider-ops.mjs [--instances 500] [--steps 5] [--serial]
 *
 * --serial runs the instances one at a time (like the `latency` workload) instead of all at once.
 *
 * Frames are read from the WAL file size, so checkpoints must not happen during the run: the
 * script raises wal_autocheckpoint for its own connection.
 */
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Runtime, SqliteProvider } from './lib/durox.mjs';
import { nowMs, percentile, round } from './lib/stats.mjs';

const argv = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const instances = arg('instances', 500);
const steps = arg('steps', 5);
const serial = argv.includes('--serial');

const dir = await mkdtemp(join(tmpdir(), 'durox-ops-'));
const file = join(dir, 'ops.db');
const provider = await SqliteProvider.open(`sqlite:${file}`);
// Private in TypeScript, reachable from JS: only to read the page size and hold off checkpoints.
const db = provider.db;
const pageSize = db.pragma('page_size', { simple: true });
db.pragma('wal_autocheckpoint = 1000000');
const walFrames = () => {
  try {
    return Math.max(0, (statSync(`${file}-wal`).size - 32) / (pageSize + 24));
  } catch {
    return 0;
  }
};

const stats = new Map();
const METHODS = [
  'fetchOrchestrationItem',
  'ackOrchestrationItem',
  'fetchWorkItem',
  'ackWorkItem',
  'enqueueOrchestratorWork',
  'getInstanceInfo',
  'renewWorkItemLock',
  'renewOrchestrationItemLock',
];
for (const method of METHODS) {
  const original = provider[method].bind(provider);
  provider[method] = (...args) => {
    const frames0 = walFrames();
    const t0 = nowMs();
    const result = original(...args);
    const elapsed = nowMs() - t0;
    const frames = walFrames() - frames0;
    // Empty fetches (nothing to do) are counted apart: they cost a transaction but no work.
    const record = (empty) => {
      const name = empty ? `${method} (empty)` : method;
      let s = stats.get(name);
      if (!s) stats.set(name, (s = { times: [], frames: 0 }));
      s.times.push(elapsed);
      s.frames += frames;
    };
    if (method.startsWith('fetch')) {
      return result.then((value) => {
        record(value === null);
        return value;
      });
    }
    record(false);
    return result;
  };
}

const runtime = new Runtime(provider, { logLevel: 'error' });
runtime.registerActivity('Step', async (_ctx, x) => x + 1);
runtime.registerOrchestration('Sequential', function* (ctx, n) {
  let x = 0;
  for (let i = 0; i < n; i++) x = yield ctx.scheduleActivity('Step', x);
  return x;
});
await runtime.start();
const client = new Client(provider);
const ids = Array.from({ length: instances }, (_, i) => `ops-${i}`);
const t0 = nowMs();
if (!serial) await Promise.all(ids.map((id) => client.startOrchestration(id, 'Sequential', steps)));
for (const id of ids) {
  if (serial) await client.startOrchestration(id, 'Sequential', steps);
  const status = await client.waitForOrchestration(id, 300_000);
  if (status.status !== 'Completed') throw new Error(`${id}: ${status.status}`);
}
const wallMs = nowMs() - t0;
await runtime.shutdown(1000);
await provider.close();
await rm(dir, { recursive: true, force: true });

const activities = instances * steps;
let syncTotal = 0;
const rows = [...stats].map(([name, s]) => {
  const total = s.times.reduce((a, b) => a + b, 0);
  syncTotal += total;
  return { name, s, total };
});
rows.sort((a, b) => b.total - a.total);
process.stdout.write(
  `${instances} instances x ${steps} activities${serial ? ' (one at a time)' : ''}: ${round(wallMs)} ms wall, ` +
    `${round(activities / (wallMs / 1000), 1)} activities/s, page size ${pageSize}\n\n`,
);
process.stdout.write(
  'method                               calls  total ms  % wall  mean us  p50 us  p99 us  frames/call  calls/activity\n',
);
for (const { name, s, total } of rows) {
  const n = s.times.length;
  process.stdout.write(
    `${name.padEnd(36)} ${String(n).padStart(5)} ${round(total, 1).toString().padStart(9)} ${round(
      (100 * total) / wallMs,
      1,
    )
      .toString()
      .padStart(7)} ${round((1000 * total) / n, 0)
      .toString()
      .padStart(8)} ${round(1000 * percentile(s.times, 50), 0)
      .toString()
      .padStart(7)} ${round(1000 * percentile(s.times, 99), 0)
      .toString()
      .padStart(7)} ${round(s.frames / n, 2)
      .toString()
      .padStart(12)} ${round(n / activities, 2)
      .toString()
      .padStart(15)}\n`,
  );
}
process.stdout.write(
  `\nsynchronous provider time: ${round(syncTotal, 1)} ms = ${round((100 * syncTotal) / wallMs, 1)} % of wall\n`,
);
process.exit(0);
