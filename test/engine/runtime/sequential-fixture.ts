/**
 * The fixture the eager-dispatch and held-turns tests share: a started runtime (real store, see
 * `createHarness`) that runs `Seq` — `steps` calls of the activity `Inc` (x → x + 1), one after
 * the other, so its output is `steps` — and records every provider operation the runtime made.
 * Each step is a turn that schedules one activity and, from the second on, consumes one result:
 * the path eager dispatch and held turns take.
 */
import type {
  OrchestrationStatus,
  ProviderOperationEvent,
  Runtime,
  RuntimeOptions,
} from '../../../src/index.js';
import { createHarness } from '../../helpers/runtime-harness.js';
import type { Harness } from '../../helpers/runtime-harness.js';

/** The provider operations a runtime made, through its `providerOperation` observer. */
export interface OperationLog {
  /** Observers to give the runtime. */
  readonly observers: { providerOperation: (e: ProviderOperationEvent) => void };
  /** How many times `operation` ended with `ok` (default: succeeded). */
  count(operation: string, ok?: boolean): number;
}

/** An empty {@link OperationLog}. */
export function operationLog(): OperationLog {
  const seen: ProviderOperationEvent[] = [];
  return {
    observers: { providerOperation: (e) => seen.push(e) },
    count: (operation, ok = true) => seen.filter((e) => e.operation === operation && e.ok === ok).length,
  };
}

/** Registers `Inc` and `Seq` (see the module comment) on `runtime`. */
export function registerSequential(runtime: Runtime): void {
  runtime.registerActivity('Inc', async (_ctx, x: number) => x + 1);
  runtime.registerOrchestration('Seq', function* (ctx, steps: number) {
    let x = 0;
    for (let i = 0; i < steps; i++) x = yield ctx.scheduleActivity('Inc', x);
    return x;
  });
}

/** What {@link sequentialFixture} gives a test. */
export interface SequentialFixture {
  h: Harness;
  ops: OperationLog;
  /** Starts `Seq` as `instanceId` with `steps` and waits (10 s at most) for it to end. */
  run(instanceId: string, steps: number): Promise<OrchestrationStatus>;
}

/** A harness whose runtime, made with `options`, runs `Seq` and logs its provider operations. */
export async function sequentialFixture(options: RuntimeOptions = {}): Promise<SequentialFixture> {
  const ops = operationLog();
  const h = await createHarness({ ...options, observers: ops.observers });
  registerSequential(h.runtime);
  await h.runtime.start();
  return {
    h,
    ops,
    run: async (instanceId, steps) => {
      await h.client.startOrchestration(instanceId, 'Seq', steps);
      return h.client.waitForOrchestration(instanceId, 10_000);
    },
  };
}
