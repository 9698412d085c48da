import { existsSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { systemClock } from '../../../src/core/clock.js';
import { describe, expect, it } from 'vitest';
import { isDuroxError, type ProviderError } from '../../../src/core/errors.js';
import { parseSqliteLocation } from '../../../src/providers/sqlite/connection.js';
import { SqliteProvider } from '../../../src/providers/sqlite/sqlite-provider.js';
import { compileSqliteOptions } from '../../../src/providers/sqlite/sqlite-options.js';
import { openProvider, rawConnection, startItem, tempDir, track } from './helpers.js';

describe('parseSqliteLocation', () => {
  it('accepts the URL forms and bare paths', () => {
    expect(parseSqliteLocation('sqlite::memory:')).toEqual({ kind: 'memory' });
    expect(parseSqliteLocation(':memory:')).toEqual({ kind: 'memory' });
    expect(parseSqliteLocation('sqlite:/abs/x.db')).toEqual({ kind: 'file', path: '/abs/x.db' });
    expect(parseSqliteLocation('sqlite:///abs/x.db')).toEqual({ kind: 'file', path: '/abs/x.db' });
    expect(parseSqliteLocation('sqlite:./x.db')).toEqual({ kind: 'file', path: join(process.cwd(), 'x.db') });
    expect(parseSqliteLocation('/abs/y.db')).toEqual({ kind: 'file', path: '/abs/y.db' });
    expect(parseSqliteLocation('rel/y.db')).toEqual({ kind: 'file', path: join(process.cwd(), 'rel/y.db') });
    expect(parseSqliteLocation('sqlite:/abs/x.db?mode=rwc')).toEqual({ kind: 'file', path: '/abs/x.db' });
  });

  it('rejects an empty path and unknown URL parameters', () => {
    expect(() => parseSqliteLocation('sqlite:')).toThrow(/no file path/);
    expect(() => parseSqliteLocation('sqlite:/x.db?mode=ro')).toThrow(/unsupported URL parameter "mode=ro"/);
  });
});

describe('compileSqliteOptions', () => {
  it('fills defaults and freezes', () => {
    const options = compileSqliteOptions();
    expect(options).toEqual({
      durability: 'normal',
      busyTimeoutMs: 60_000,
      historyCacheEvents: 100_000,
      clock: systemClock,
    });
    expect(Object.isFrozen(options)).toBe(true);
  });

  it('names the bad field', () => {
    expect(() => compileSqliteOptions({ durability: 'fast' as 'full' })).toThrow(/durability/);
    expect(() => compileSqliteOptions({ busyTimeoutMs: -1 })).toThrow(/busyTimeoutMs/);
    let error: unknown;
    try {
      compileSqliteOptions({ bogus: 1 } as never);
    } catch (err) {
      error = err;
    }
    expect(isDuroxError(error, 'INVALID_INPUT')).toBe(true);
  });
});

describe('SqliteProvider.open', () => {
  it('opens every URL form of a file and creates parent directories', async () => {
    const dir = tempDir();
    const urls = [
      `sqlite:${join(dir, 'a', 'b', 'one.db')}`,
      `sqlite://${join(dir, 'two.db')}`,
      join(dir, 'nested', 'three.db'),
      `sqlite:./${relative(process.cwd(), join(dir, 'four.db'))}`,
    ];
    for (const url of urls) {
      const provider = await openProvider(url);
      expect(provider.name).toBe('sqlite');
      await provider.enqueueOrchestratorWork(startItem('i1'));
      await provider.close();
    }
    for (const file of ['a/b/one.db', 'two.db', 'nested/three.db', 'four.db']) {
      expect(existsSync(join(dir, file))).toBe(true);
    }
  });

  it('uses WAL for files', async () => {
    const path = join(tempDir(), 'wal.db');
    await openProvider(path);
    expect(rawConnection(path).pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('gives each in-memory provider a private database', async () => {
    const a = track(await SqliteProvider.inMemory());
    const b = await openProvider('sqlite::memory:');
    await a.enqueueOrchestratorWork(startItem('only-in-a'));
    expect(await b.fetchOrchestrationItem(1000)).toBeNull();
    expect((await a.fetchOrchestrationItem(1000))?.instanceId).toBe('only-in-a');
  });

  it('reports an unusable location as a ProviderError', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a-file'), '');
    const error = await openProvider(join(dir, 'a-file', 'x.db')).catch((err: unknown) => err);
    expect(isDuroxError(error, 'PROVIDER')).toBe(true);
    expect((error as ProviderError).operation).toBe('open');
  });

  it('accepts durability full', async () => {
    const path = join(tempDir(), 'full.db');
    const provider = await openProvider(path, { durability: 'full' });
    await provider.enqueueOrchestratorWork(startItem('i1'));
    expect((await provider.fetchOrchestrationItem(1000))?.messages).toHaveLength(1);
  });
});

describe('close', () => {
  it('is idempotent and makes every later call fail clearly', async () => {
    const provider = await openProvider();
    await provider.close();
    await provider.close();
    await expect(provider.fetchOrchestrationItem(1000)).rejects.toThrow(/closed/);
    await expect(provider.enqueueOrchestratorWork(startItem('x'))).rejects.toThrow(/closed/);
    await expect(provider.getInstanceInfo('x')).rejects.toThrow(/closed/);
    await expect(provider.waitForWork('worker', 10)).rejects.toThrow(/closed/);
    await expect(provider.waitForInstanceChange('x', 10)).rejects.toThrow(/closed/);
    const error = await provider.readHistory('x').catch((err: unknown) => err);
    expect(isDuroxError(error, 'PROVIDER')).toBe(true);
  });

  it('releases pending waiters', async () => {
    const provider = await openProvider();
    const started = Date.now();
    const waits = [provider.waitForWork('orchestrator', 30_000), provider.waitForInstanceChange('i', 30_000)];
    await provider.close();
    await Promise.all(waits);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
