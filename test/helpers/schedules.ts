/**
 * Helpers of the schedule suites: virtual-time environments over a store that a second
 * environment (a restart) can open again, a run orchestration that takes a while, run listings.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { PostgresProvider, SqliteProvider } from '../../src/index.js';
import type { Clock, OrchestrationContext, Provider, Runtime, RuntimeOptions } from '../../src/index.js';
import { TestEnvironment } from '../../src/testing/index.js';
import { createTestSchema, pgUrl } from './postgres.js';
import { TEST_PROVIDER } from './runtime-harness.js';

export const MINUTE = 60_000;

const envs: TestEnvironment[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(envs.splice(0).map((env) => env.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Where a test's store lives, so a second environment (a restart) can open it again. */
export function storeLocation(): (options: { clock: Clock }) => Promise<Provider> {
  if (TEST_PROVIDER === 'postgres') {
    const schema = createTestSchema();
    return ({ clock }) => PostgresProvider.connectWithSchema(pgUrl(), schema, { clock });
  }
  const dir = mkdtempSync(join(tmpdir(), 'durox-schedules-'));
  dirs.push(dir);
  return ({ clock }) => SqliteProvider.open(join(dir, 'durox.db'), { clock });
}

/** A run orchestration that takes `input.minutes` of virtual time (0 by default). */
export function registerJob(runtime: Runtime): void {
  runtime.registerOrchestration(
    'Job',
    function* (ctx: OrchestrationContext, input: { minutes?: number } | null) {
      const minutes = input?.minutes ?? 0;
      if (minutes > 0) yield ctx.scheduleTimer(minutes * MINUTE);
      return ctx.instanceId;
    },
  );
}

export async function environment(
  startTime: string | number,
  store = storeLocation(),
  register: (runtime: Runtime) => void = registerJob,
  runtimeOptions: Omit<RuntimeOptions, 'clock'> = {},
): Promise<TestEnvironment> {
  const env = await TestEnvironment.create({
    startTime,
    provider: store,
    register,
    runtimeOptions: { dispatcherPollIntervalMs: 20, logLevel: 'error', ...runtimeOptions },
  });
  envs.push(env);
  return env;
}

/** Ids of the runs a schedule started, oldest first. */
export async function runs(env: TestEnvironment, scheduleId: string): Promise<string[]> {
  const all = await env.client.listInstances({
    orchestrationName: 'Job',
    orderBy: 'instanceId',
    descending: false,
  });
  return all.map((i) => i.instanceId).filter((id) => id.startsWith(`${scheduleId}@`));
}

/** The time of a run id, as ISO. */
export function timeOf(id: string): string {
  return id.slice(id.indexOf('@') + 1);
}
