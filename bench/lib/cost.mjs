/**
 * The cost model every workload reports: how many transactions the store committed and how much
 * CPU time the workload process spent in the measured window, per activity step. See
 * docs/performance.md, "Cost model", for what each counter counts and why.
 *
 * A commit counter is `{ method, read(), finish?(a, b), close() }`: `read()` resolves to a
 * snapshot of the store's counters; the window's figures are the difference of two snapshots
 * (`{ commits }`), or what `finish(a, b)` computes from them (`{ commits, transactions,
 * walBytes }`). Counters read the store from outside the provider: they work with any build
 * under test and add no work to the provider.
 */
import { execFileSync } from 'node:child_process';
import { openSync, closeSync, readFileSync, readdirSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import { round } from './stats.mjs';

/**
 * SQLite: write transactions committed to the WAL, from the wal-index header in the `-shm` file.
 * Its `iChange` field ("unsigned integer counter, incremented with each transaction",
 * https://www.sqlite.org/walformat.html) is bumped by every commit that writes frames, on any
 * connection, and by nothing else: read-only and empty `BEGIN IMMEDIATE` transactions, rollbacks
 * and checkpoints leave it alone. The header is kept twice (bytes 0–47 and 48–95) in native byte
 * order; a read where the copies differ raced a writer and is retried.
 */
export function sqliteCommitCounter(file) {
  const fd = openSync(`${file}-shm`, 'r');
  const buf = Buffer.alloc(96);
  const little = endianness() === 'LE';
  let base = 0;
  let last = 0;
  const readIChange = () => {
    for (let attempt = 0; attempt < 100; attempt++) {
      readSync(fd, buf, 0, 96, 0);
      if (buf.subarray(0, 48).equals(buf.subarray(48, 96))) {
        return little ? buf.readUInt32LE(8) : buf.readUInt32BE(8);
      }
    }
    throw new Error('wal-index header kept changing while being read');
  };
  return {
    method: 'sqlite wal-index iChange (write transactions committed to the WAL)',
    async read() {
      // A 32-bit counter: unwrap it so deltas stay right past 2^32.
      const value = readIChange();
      if (value < last) base += 2 ** 32;
      last = value;
      return { commits: base + value };
    },
    async close() {
      closeSync(fd);
    },
  };
}

/**
 * PostgreSQL, two counters, read over a connection to a side database of the same server
 * (`durox_bench_meter`, created if missing) so that the reads are not counted themselves:
 *
 * - `commits`: COMMIT records written to the WAL between two reads (pg_walinspect's
 *   `pg_get_wal_stats`, cluster-wide), i.e. transactions that wrote something and are durable
 *   (flushed at commit under `synchronous_commit=on`). Read-only transactions write no such
 *   record. Other writers of the cluster (autovacuum) count too.
 * - `transactions`: the `xact_commit` delta of pg_stat_database for the bench database: every
 *   committed transaction, read-only ones included (client status reads, fetches that found
 *   nothing). Backends accumulate these and flush them to shared memory asynchronously (at most
 *   once a second, or ten seconds after going idle), so before each read every connection of
 *   the provider's pool runs `pg_stat_force_next_flush()` (PG 15+), which flushes that backend's
 *   counts before it answers. Those statements are transactions of the bench database too:
 *   they are counted as they are issued and subtracted.
 *
 * `pool` is the provider's pg.Pool (private in TypeScript, reachable from JavaScript); without it
 * `transactions` may lag by up to ten seconds of traffic.
 */
const FLUSH_SQL = 'SELECT pg_stat_force_next_flush() FROM pg_catalog.pg_database LIMIT 1';

export async function postgresCommitCounter(url, pool) {
  const { default: pg } = await import('pg');
  const benchDb = decodeURIComponent(new URL(url).pathname.slice(1)) || new URL(url).username;
  const meterUrl = new URL(url);
  meterUrl.pathname = '/durox_bench_meter';
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const { rowCount } = await admin.query("SELECT 1 FROM pg_database WHERE datname = 'durox_bench_meter'");
    if (rowCount === 0) await admin.query('CREATE DATABASE durox_bench_meter').catch(() => undefined);
  } finally {
    await admin.end();
  }
  let meter = new pg.Client({ connectionString: meterUrl.href });
  let sideDb = true;
  try {
    await meter.connect();
  } catch {
    // No side database (no CREATEDB privilege on an external server): read from the bench
    // database itself, whose `transactions` then include a few of the counter's own reads.
    meter = new pg.Client({ connectionString: url });
    await meter.connect();
    sideDb = false;
  }
  let walinspect = true;
  try {
    await meter.query('CREATE EXTENSION IF NOT EXISTS pg_walinspect');
  } catch {
    walinspect = false; // not a superuser, or the extension is not installed
  }
  const serverCpu = serverCpuReader(Number(process.env.DUROX_BENCH_PG_PID));
  // Transactions of the bench's own making in the bench database, already in the server's count.
  let own = 0;
  const flushPool = async () => {
    const n = pool?.totalCount ?? 0;
    if (n === 0) return;
    const before = pool.totalCount;
    const clients = await Promise.all(Array.from({ length: n }, () => pool.connect()));
    try {
      // The scan gives the backend a pending relation entry: a backend with none skips the flush
      // (and leaves its transaction count unflushed).
      await Promise.all(clients.map((c) => c.query(FLUSH_SQL)));
    } finally {
      for (const c of clients) c.release();
    }
    // Each flush statement is one transaction; a connection opened for it runs one more at
    // start-up (measured: a new connection's first flush shows two).
    own += clients.length + Math.max(0, pool.totalCount - before);
  };
  return {
    method:
      (walinspect
        ? 'postgres: commits = WAL COMMIT records (pg_walinspect), transactions = pg_stat_database.xact_commit'
        : 'postgres: commits = pg_stat_database.xact_commit (pg_walinspect unavailable)') +
      (sideDb ? '' : ' (meter in the bench database: transactions approximate)'),
    async read() {
      await flushPool();
      const { rows } = await meter.query(
        `SELECT xact_commit::float8 AS xact_commit, pg_current_wal_insert_lsn()::text AS lsn
           FROM pg_stat_database WHERE datname = $1`,
        [benchDb],
      );
      return { transactions: rows[0].xact_commit - own, lsn: rows[0].lsn, serverCpuUs: serverCpu?.() };
    },
    /** The window's figures between two snapshots (waits until the end of the window is flushed). */
    async finish(a, b) {
      const walBytes = await lsnDiff(meter, b.lsn, a.lsn);
      const transactions = b.transactions - a.transactions;
      const serverCpuUs = a.serverCpuUs === undefined ? undefined : b.serverCpuUs - a.serverCpuUs;
      if (!walinspect) return { commits: transactions, transactions, walBytes, serverCpuUs };
      // pg_get_wal_stats fails on an empty range (no record after the start).
      if (walBytes <= 0) return { commits: 0, transactions, walBytes, serverCpuUs };
      await waitFlushed(meter, b.lsn);
      const { rows } = await meter.query(
        `SELECT coalesce(sum(count), 0)::float8 AS n FROM pg_get_wal_stats($1::pg_lsn, $2::pg_lsn, true)
          WHERE "resource_manager/record_type" IN ('Transaction/COMMIT', 'Transaction/COMMIT_PREPARED')`,
        [a.lsn, b.lsn],
      );
      return { commits: rows[0].n, transactions, walBytes, serverCpuUs };
    },
    async close() {
      await meter.end();
    },
  };
}

/**
 * CPU time (user + system, µs) of a local PostgreSQL server: the postmaster `pid` and every
 * process it started (backends, WAL writer, checkpointer…), from /proc. On a machine shared
 * with the workload this is the other half of a step's cost. Linux only; null elsewhere or when
 * the server is not local (DUROX_BENCH_PG_URL). A backend that exits inside the window takes
 * its time with it: the provider's pool keeps its connections open.
 */
export function serverCpuReader(pid) {
  if (!pid || process.platform !== 'linux') return null;
  let ticksPerSecond = 100;
  try {
    ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    // getconf missing: Linux's USER_HZ is 100 almost everywhere.
  }
  return () => {
    let ticks = 0;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let stat;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      } catch {
        continue; // exited meanwhile
      }
      // Fields after the parenthesised command name: state ppid … utime(14) stime(15).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(entry) !== pid && Number(fields[1]) !== pid) continue;
      ticks += Number(fields[11]) + Number(fields[12]);
    }
    return (ticks * 1e6) / ticksPerSecond;
  };
}

async function lsnDiff(client, to, from) {
  const { rows } = await client.query('SELECT pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn)::float8 AS d', [
    to,
    from,
  ]);
  return rows[0].d;
}

async function waitFlushed(client, lsn) {
  for (let i = 0; i < 200; i++) {
    const { rows } = await client.query('SELECT pg_current_wal_flush_lsn() >= $1::pg_lsn AS ok', [lsn]);
    if (rows[0].ok) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Starts measuring a workload window: store commits (through `store.commits`) and this process's
 * CPU time. `stop(steps)` resolves to the result line's cost fields for `steps` activity steps.
 */
export async function startCostMeter(store) {
  const counter = store.commits;
  const before = await counter.read();
  const cpu0 = process.cpuUsage();
  return {
    async stop(steps) {
      const { user, system } = process.cpuUsage(cpu0);
      const after = await counter.read();
      const d = counter.finish
        ? await counter.finish(before, after)
        : { commits: after.commits - before.commits };
      const per = (n) => (steps > 0 ? round(n / steps, 3) : null);
      return {
        steps,
        commits: d.commits,
        commits_per_step: per(d.commits),
        ...(d.transactions === undefined
          ? {}
          : { transactions: d.transactions, transactions_per_step: per(d.transactions) }),
        ...(d.walBytes === undefined
          ? {}
          : { wal_bytes_per_step: steps > 0 ? round(d.walBytes / steps, 0) : null }),
        cpu_us_per_step: steps > 0 ? round((user + system) / steps, 1) : null,
        ...(d.serverCpuUs === undefined
          ? {}
          : { server_cpu_us_per_step: steps > 0 ? round(d.serverCpuUs / steps, 1) : null }),
        commits_method: counter.method,
      };
    },
  };
}
