/**
 * Provider factories for the benchmark. Each call opens a fresh, empty store and returns a
 * cleanup function that closes it and removes everything it created.
 *
 * To add a provider, add an entry to PROVIDERS: `open(options)` resolves to
 * `{ provider, description, cleanup }`, where `description` lands in each result's `params`.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteProvider } from './durox.mjs';

async function fileSizeMb(path) {
  try {
    return (await stat(path)).size / (1024 * 1024);
  } catch {
    return 0;
  }
}

const PROVIDERS = {
  sqlite: {
    /** A new database file in a new temp directory, at the provider's default durability. */
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'durox-bench-'));
      const file = join(dir, 'bench.db');
      const provider = await SqliteProvider.open(`sqlite:${file}`);
      return {
        provider,
        description: { store: 'file', durability: 'default (normal)', dir: tmpdir() },
        /** Size of the database and its WAL, for the record. */
        async sizeMb() {
          return (await fileSizeMb(file)) + (await fileSizeMb(`${file}-wal`));
        },
        async cleanup() {
          await provider.close();
          await rm(dir, { recursive: true, force: true });
        },
      };
    },
  },
  postgres: {
    unsupported: '--provider postgres is not yet supported',
    async open() {
      throw new Error(this.unsupported);
    },
  },
};

export const PROVIDER_NAMES = Object.keys(PROVIDERS);

/** Throws when provider `name` is unknown or cannot be benchmarked yet. */
export function assertProvider(name) {
  const factory = PROVIDERS[name];
  if (factory === undefined) {
    throw new Error(`unknown provider "${name}" (expected one of: ${PROVIDER_NAMES.join(', ')})`);
  }
  if (factory.unsupported) throw new Error(factory.unsupported);
}

/** Opens a fresh store of provider `name`. */
export async function openProvider(name) {
  assertProvider(name);
  return PROVIDERS[name].open();
}
