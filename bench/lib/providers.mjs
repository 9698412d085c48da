/**
 * Provider factories for the benchmark. Each call opens a fresh, empty store and returns a
 * cleanup function that closes it and removes everything it created.
 *
 * To add a provider, add an entry to PROVIDERS: `open(options)` resolves to
 * `{ provider, description, commits, cleanup }`, where `description` lands in each result's
 * `params` and `commits` counts the store's commits (see cost.mjs).
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { postgresCommitCounter, sqliteCommitCounter } from './cost.mjs';
import { PostgresProvider, SqliteProvider } from './durox.mjs';

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
      const commits = sqliteCommitCounter(file);
      return {
        provider,
        description: { store: 'file', durability: 'default (normal)', dir: tmpdir() },
        commits,
        /** Size of the database and its WAL, for the record. */
        async sizeMb() {
          return (await fileSizeMb(file)) + (await fileSizeMb(`${file}-wal`));
        },
        async cleanup() {
          await commits.close();
          await provider.close();
          await rm(dir, { recursive: true, force: true });
        },
      };
    },
  },
  postgres: {
    /**
     * A fresh schema on the server the parent started (DUROX_BENCH_PG_URL, set by run.mjs),
     * dropped afterwards.
     */
    async open() {
      const url = process.env.DUROX_BENCH_PG_URL;
      if (!url) throw new Error('DUROX_BENCH_PG_URL is not set (run.mjs starts a server)');
      const schema = `bench_${randomBytes(4).toString('hex')}`;
      const provider = await PostgresProvider.connectWithSchema(url, schema);
      // The pool is private in TypeScript: the counter only flushes its connections' statistics.
      const commits = await postgresCommitCounter(url, provider.pool);
      return {
        provider,
        commits,
        // Builds whose provider recommends its own runtime options (recommendedRuntimeOptions)
        // run with those, as a user passing no options would; older builds get the same
        // 16 / 32 explicitly, so A/B runs compare like with like.
        runtimeDefaults:
          typeof provider.recommendedRuntimeOptions === 'function'
            ? {}
            : { orchestrationConcurrency: 16, workerConcurrency: 32 },
        description: {
          store: 'postgres',
          schema,
          ...JSON.parse(process.env.DUROX_BENCH_PG_DESCRIPTION ?? '{}'),
        },
        async cleanup() {
          await commits.close();
          await provider.close();
          const { default: pg } = await import('pg');
          const admin = new pg.Client({ connectionString: url });
          await admin.connect();
          await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
          await admin.end();
        },
      };
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
