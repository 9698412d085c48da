/**
 * The provider conformance suite against SqliteProvider: a fresh temporary database file per
 * case; peers are further providers on the same file (as a client and a runtime would open it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import type { Provider } from '../../../src/core/provider.js';
import { SqliteProvider } from '../../../src/providers/sqlite/index.js';
import {
  VALIDATION_CATEGORIES,
  runProviderValidation,
  type ProviderFactory,
} from '../../../src/providers/validation/index.js';

/** Temporary directory of each provider opened by `create`. */
const directories = new Map<Provider, string>();

const factory: ProviderFactory = {
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'durox-validation-'));
    try {
      const provider = await SqliteProvider.open(join(dir, 'durox.db'));
      directories.set(provider, dir);
      return provider;
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  },
  async openPeer(provider) {
    const dir = directories.get(provider);
    if (dir === undefined) throw new Error('openPeer: unknown provider');
    return SqliteProvider.open(join(dir, 'durox.db'));
  },
  async destroy(provider) {
    const dir = directories.get(provider);
    directories.delete(provider);
    try {
      await provider.close();
    } finally {
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    }
  },
};

describe('SqliteProvider validation', () => {
  for (const category of VALIDATION_CATEGORIES) {
    describe(category, () => {
      runProviderValidation(factory, (name, fn) => it(name, fn), { categories: [category] });
    });
  }
});
