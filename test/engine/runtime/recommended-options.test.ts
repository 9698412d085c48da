/**
 * Provider-tuned defaults: a runtime applies the options its provider recommends unless the
 * user set them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Runtime, SqliteProvider, isDuroxError } from '../../../src/index.js';
import type { Provider, RecommendedRuntimeOptions } from '../../../src/index.js';
import { compileRuntimeOptions } from '../../../src/engine/runtime/runtime-options.js';

const opened: { provider: Provider; dir: string }[] = [];

afterEach(async () => {
  for (const { provider, dir } of opened.splice(0)) {
    await provider.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A SQLite provider whose recommendation is replaced by `recommended`. */
async function providerRecommending(recommended: RecommendedRuntimeOptions | undefined): Promise<Provider> {
  const dir = mkdtempSync(join(tmpdir(), 'durox-recommended-'));
  const provider = await SqliteProvider.open(join(dir, 'durox.db'));
  opened.push({ provider, dir });
  return new Proxy(provider, {
    get(target, prop) {
      if (prop === 'recommendedRuntimeOptions')
        return recommended === undefined ? undefined : () => recommended;
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('recommended runtime options', () => {
  it('fill the options the user did not set', async () => {
    const provider = await providerRecommending({ orchestrationConcurrency: 16, workerConcurrency: 32 });
    const runtime = new Runtime(provider);
    expect(runtime.options.orchestrationConcurrency).toBe(16);
    expect(runtime.options.workerConcurrency).toBe(32);
  });

  it('never override an explicit option, 0 included', async () => {
    const provider = await providerRecommending({ orchestrationConcurrency: 16, workerConcurrency: 32 });
    const runtime = new Runtime(provider, { orchestrationConcurrency: 2, workerConcurrency: 0 });
    expect(runtime.options.orchestrationConcurrency).toBe(2);
    expect(runtime.options.workerConcurrency).toBe(0);
  });

  it('leave durox defaults when absent or partial', async () => {
    expect(new Runtime(await providerRecommending(undefined)).options.workerConcurrency).toBe(8);
    const partial = new Runtime(await providerRecommending({ workerConcurrency: 12 })).options;
    expect([partial.orchestrationConcurrency, partial.workerConcurrency]).toEqual([4, 12]);
  });

  it('are validated, and the message names the provider', () => {
    try {
      compileRuntimeOptions({}, { workerConcurrency: -1 });
      expect.unreachable();
    } catch (err) {
      expect(isDuroxError(err, 'INVALID_INPUT')).toBe(true);
      expect((err as Error).message).toMatch(/^provider's recommended runtime option workerConcurrency:/);
    }
    // An explicit valid value hides an invalid recommendation.
    expect(compileRuntimeOptions({ workerConcurrency: 3 }, { workerConcurrency: -1 }).workerConcurrency).toBe(
      3,
    );
  });

  it('are what SqliteProvider recommends: the runtime defaults', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'durox-recommended-'));
    const provider = await SqliteProvider.open(join(dir, 'durox.db'));
    opened.push({ provider, dir });
    expect(provider.recommendedRuntimeOptions()).toEqual({
      orchestrationConcurrency: 4,
      workerConcurrency: 8,
    });
    expect(new Runtime(provider).options.workerConcurrency).toBe(8);
  });
});
