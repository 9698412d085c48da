/**
 * Real local servers in tests: a world-traversable temporary instances root (servers run as the
 * `postgres` OS user when the tests run as root), a list of the postgres processes that use it,
 * and a cleanup that stops every server under it even when a test failed.
 */
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { LocalPlatform } from '../../../src/toygres/platforms/local/local-platform.js';

/** A fresh directory every user can traverse (for DUROX_HOME or a platform root). */
export function traversableTempDir(prefix = 'toygres-pg-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

/** Pids of running processes whose command line mentions `path` (postmasters and their children). */
export function processesUsing(path: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (/\) Z /.test(stat)) continue; // zombies
      if (cmdline.includes(path) && cmdline.includes('postgres')) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** The postmaster pid from `<root>/<name>/data/postmaster.pid`, or null. */
export function postmasterPid(root: string, name: string): number | null {
  try {
    return Number(readFileSync(join(root, name, 'data', 'postmaster.pid'), 'utf8').split('\n', 1)[0]);
  } catch {
    return null;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) Z /.test(stat);
  } catch {
    return false;
  }
}

/** Instance directories (holding `toygres-instance.json`) under `base`, a few levels deep. */
function instanceDirs(base: string, depth = 4): string[] {
  if (depth < 0 || !existsSync(base)) return [];
  if (existsSync(join(base, 'toygres-instance.json'))) return [base];
  const found: string[] = [];
  for (const entry of readdirSync(base, { withFileTypes: true })) {
    if (entry.isDirectory()) found.push(...instanceDirs(join(base, entry.name), depth - 1));
  }
  return found;
}

/** Stops every server under `base` (pg_ctl stop, then SIGKILL) and removes `base`. */
export async function stopAllServers(base: string): Promise<void> {
  for (const dir of instanceDirs(base)) {
    const platform = new LocalPlatform({ root: dirname(dir) });
    await platform
      .destroy({
        name: basename(dir),
        namespace: 'toygres',
        postgresVersion: '17',
        storageGb: 1,
        loadBalancer: false,
      })
      .catch(() => undefined);
  }
  for (const pid of processesUsing(base)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(base, { recursive: true, force: true });
}
