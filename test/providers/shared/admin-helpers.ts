/**
 * Builders for the management tests: instances created the way the engine creates them (a
 * start message, a fetch, an ack carrying metadata), continue-as-new executions, and bulk
 * seeding through concurrent fetch/ack loops.
 */
import type { HistoryEvent } from '../../../src/core/history.js';
import type {
  ExecutionStatus,
  OrchestrationAck,
  OrchestrationItem,
  Provider,
} from '../../../src/core/provider.js';
import {
  ack,
  externalItem,
  fetchOrchestration,
  scheduledEvent,
  startItem,
  startedEvent,
} from './builders.js';

/** How a test instance is created. */
export interface InstanceSpec {
  id: string;
  name?: string;
  parent?: string;
  /** Status reported by the creating ack (default: none, i.e. Running). */
  status?: ExecutionStatus;
  /** Extra ActivityScheduled events after the started event. */
  extraEvents?: number;
}

/** The ack that creates `spec` in its first turn. */
export function creatingAck(spec: InstanceSpec): OrchestrationAck {
  const events: HistoryEvent[] = [startedEvent(spec.id)];
  for (let i = 0; i < (spec.extraEvents ?? 0); i++) events.push(scheduledEvent(spec.id, i + 2));
  return ack({
    historyDelta: events,
    metadata: {
      orchestrationName: spec.name ?? 'Greeter',
      orchestrationVersion: '1.0.0',
      ...(spec.parent === undefined ? {} : { parentInstanceId: spec.parent }),
      ...(spec.status === undefined ? {} : { status: spec.status, output: `"${spec.status}"` }),
    },
  });
}

/** Fetches the next batch, which must belong to `instanceId`, and acks what `build` returns. */
export async function turn(
  provider: Provider,
  instanceId: string,
  build: (item: OrchestrationItem) => OrchestrationAck,
): Promise<void> {
  const item = await fetchOrchestration(provider);
  if (item.instanceId !== instanceId) throw new Error(`expected ${instanceId}, fetched ${item.instanceId}`);
  await provider.ackOrchestrationItem(item.lockToken, build(item));
}

/** Creates one instance (no other instance may have queued messages). */
export async function createInstance(provider: Provider, spec: InstanceSpec): Promise<void> {
  await provider.enqueueOrchestratorWork(startItem(spec.id, spec.name ?? 'Greeter'));
  await turn(provider, spec.id, () => creatingAck(spec));
}

/** Reports a terminal status for the instance's current execution in a new turn. */
export async function finish(
  provider: Provider,
  instanceId: string,
  status: 'Completed' | 'Failed',
  executionId = 1,
): Promise<void> {
  await provider.enqueueOrchestratorWork(externalItem(instanceId));
  await turn(provider, instanceId, () =>
    ack({ executionId, metadata: { orchestrationName: 'Greeter', status, output: '"end"' } }),
  );
}

/**
 * Ends execution `from` with continue-as-new (its ack enqueues the ContinueAsNew message with
 * `carried` carry-forward messages). With `start` (default) the next execution's first turn
 * runs too; without it the instance is left awaiting that turn.
 */
export async function continueAsNew(
  provider: Provider,
  instanceId: string,
  from: number,
  options: { start?: boolean; carried?: number } = {},
): Promise<void> {
  const carried = Array.from({ length: options.carried ?? 0 }, (_, i): [string, string] => ['q', `"m${i}"`]);
  await provider.enqueueOrchestratorWork(externalItem(instanceId));
  await turn(provider, instanceId, () =>
    ack({
      executionId: from,
      historyDelta: [scheduledEvent(instanceId, 100, from)],
      metadata: { orchestrationName: 'Greeter', status: 'ContinuedAsNew', output: '"next"' },
      orchestratorItems: [
        {
          item: {
            type: 'ContinueAsNew',
            instance: instanceId,
            orchestration: 'Greeter',
            input: '"next"',
            carry_forward_events: carried,
          },
        },
      ],
    }),
  );
  if (options.start === false) return;
  await turn(provider, instanceId, () =>
    ack({
      executionId: from + 1,
      historyDelta: [
        {
          ...startedEvent(instanceId, 1, from + 1),
          ...(carried.length > 0 ? { carry_forward_events: carried } : {}),
        },
      ],
      metadata: { orchestrationName: 'Greeter' },
    }),
  );
}

/**
 * Creates many instances quickly: enqueues every start, then runs `concurrency` fetch/ack loops
 * (default: 64 on SQLite, whose operations group-commit together; 16 elsewhere, as many as a
 * PostgreSQL pool serves at once). Returns when all are acked.
 */
export async function seedInstances(
  provider: Provider,
  specs: readonly InstanceSpec[],
  concurrency = provider.name === 'sqlite' ? 64 : 16,
): Promise<void> {
  const byId = new Map(specs.map((spec) => [spec.id, spec]));
  await Promise.all(specs.map((spec) => provider.enqueueOrchestratorWork(startItem(spec.id, spec.name))));
  let remaining = specs.length;
  const loop = async (): Promise<void> => {
    while (remaining > 0) {
      const item = await provider.fetchOrchestrationItem(30_000);
      if (item === null) {
        // The other loops hold the rest: yield to them (a spin, not a wait on time).
        if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, 1));
        continue;
      }
      const spec = byId.get(item.instanceId);
      if (spec === undefined) throw new Error(`unexpected instance ${item.instanceId}`);
      await provider.ackOrchestrationItem(item.lockToken, creatingAck(spec));
      remaining--;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
}
