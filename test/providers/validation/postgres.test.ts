/**
 * The provider conformance suite against PostgresProvider: a fresh (quoted, oddly named) schema
 * per case on the run's test server; peers are further providers on the same schema, as other
 * processes would open it. Schemas are dropped after the file (test/helpers/postgres.ts).
 */
import { describe, it } from 'vitest';
import type { Provider } from '../../../src/core/provider.js';
import { PostgresProvider } from '../../../src/providers/postgres/index.js';
import {
  VALIDATION_CATEGORIES,
  runProviderValidation,
  type ProviderFactory,
} from '../../../src/providers/validation/index.js';
import { createTestSchema, pgUrl } from '../../helpers/postgres.js';

/** Small pools: every case opens its own providers. */
const OPTIONS = { poolSize: 4 };

/** Schema of each provider opened by `create`. */
const schemas = new Map<Provider, string>();

const factory: ProviderFactory = {
  async create() {
    const schema = createTestSchema('durox-Validation_');
    const provider = await PostgresProvider.connectWithSchema(pgUrl(), schema, OPTIONS);
    schemas.set(provider, schema);
    return provider;
  },
  async openPeer(provider) {
    const schema = schemas.get(provider);
    if (schema === undefined) throw new Error('openPeer: unknown provider');
    return PostgresProvider.connectWithSchema(pgUrl(), schema, OPTIONS);
  },
  async destroy(provider) {
    schemas.delete(provider);
    await provider.close();
  },
};

describe('PostgresProvider validation', () => {
  for (const category of VALIDATION_CATEGORIES) {
    describe(category, () => {
      runProviderValidation(factory, (name, fn) => it(name, fn), { categories: [category] });
    });
  }
});
