/**
 * The durox build under test: ../../dist by default, or the dist/ directory named by the
 * DUROX_BENCH_DIST environment variable (to compare two builds with the same harness).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = process.env.DUROX_BENCH_DIST
  ? pathToFileURL(`${resolve(process.env.DUROX_BENCH_DIST)}/`)
  : new URL('../../dist/', import.meta.url);

/** Where the build under test lives (reported in results when it is not the default). */
export const DIST = process.env.DUROX_BENCH_DIST ? resolve(process.env.DUROX_BENCH_DIST) : undefined;

export const { Client, Runtime, SqliteProvider, PostgresProvider } = await import(
  new URL('index.js', root).href
);
export const { ExecutionState } = await import(new URL('engine/replay/execution.js', root).href);

/**
 * The determinism guard's factory (`createStepGuard(mode)`), for workloads that build
 * executions directly as the runtime does; undefined for builds that predate the guard.
 */
export const createStepGuard = await import(new URL('engine/determinism/guard.js', root).href).then(
  (module) => module.createStepGuard,
  () => undefined,
);
