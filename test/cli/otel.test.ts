/**
 * `durox worker run --otlp-endpoint`: real worker processes export their spans over OTLP/HTTP to
 * a receiver in the test, and a client in the test process (with its own tracer provider, so its
 * start span is the root) starts the orchestration. The receiver must see one connected trace
 * across processes, and no span twice after a worker is killed mid-orchestration and another
 * replays its history.
 *
 * "Duplicate" here means: two turn spans of one execution whose recorded event ranges
 * (`durox.turn.first_event_id`..`last_event_id`) overlap (every history event is recorded by
 * exactly one turn), two `StartChildOrchestration` spans for one child instance, or two
 * `RunActivity` spans with the same (instance, execution, activity id, attempt) — a re-run of an
 * activity is a new attempt and legitimately gets a new span.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Client, SqliteProvider } from '../../src/index.js';
import type { Provider } from '../../src/index.js';
import { durox, startWorker, tempDir } from './helpers.js';
import type { WorkerProcess } from './helpers.js';
import { startOtlpReceiver } from '../helpers/otlp-receiver.js';
import type { OtlpReceiver, ReceivedSpan } from '../helpers/otlp-receiver.js';
import { eventually } from '../helpers/eventually.js';

const MODULE = fileURLToPath(new URL('./fixtures/traced-workflows.mjs', import.meta.url));
const dir = tempDir();

let receiver: OtlpReceiver;
let tracerProvider: BasicTracerProvider;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  tracerProvider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'otel-test-client', 'process.pid': process.pid }),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${receiver.url}/v1/traces` }))],
  });
  trace.setGlobalTracerProvider(tracerProvider);
});

afterAll(async () => {
  await tracerProvider.shutdown();
  trace.disable();
  await receiver.close();
});

const workerFlags = (store: string, ...extra: string[]): string[] => [
  '-m',
  MODULE,
  '--store',
  store,
  '--otlp-endpoint',
  receiver.url,
  ...extra,
];

async function withClient<T>(
  store: string,
  run: (client: Client, provider: Provider) => Promise<T>,
): Promise<T> {
  const provider = await SqliteProvider.open(store.replace(/^sqlite:/, ''));
  try {
    return await run(new Client(provider), provider);
  } finally {
    await provider.close();
  }
}

/** Waits until the instance subscribed to `go`; returns that event's id. */
async function waitingForGo(client: Client, instanceId: string): Promise<number> {
  return eventually(
    async () =>
      (await client.readStoredHistory(instanceId, 1)).find((e) => e.type === 'ExternalSubscribed')?.event_id,
    { what: `${instanceId} to wait for its event`, timeoutMs: 20_000 },
  );
}

function spansOfTrace(traceId: string): ReceivedSpan[] {
  return receiver.spans.filter((s) => s.traceId === traceId);
}

/** Asserts that the spans form one tree rooted at `root`, and returns each span's depth-first path. */
function expectTree(spans: ReceivedSpan[], root: ReceivedSpan): void {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  for (const s of spans) {
    if (s === root) continue;
    expect(byId.has(s.parentSpanId), `parent of ${s.name} (${s.parentSpanId}) is in the trace`).toBe(true);
    // Walking up ends at the root (no cycles, no second root).
    let at = s;
    for (let hops = 0; at !== root; hops++) {
      expect(hops).toBeLessThan(spans.length);
      at = byId.get(at.parentSpanId)!;
    }
  }
}

function expectNoDuplicates(spans: ReceivedSpan[]): void {
  const seen = new Set<string>();
  const once = (key: string): void => {
    expect(seen.has(key), `duplicate span: ${key}`).toBe(false);
    seen.add(key);
  };
  for (const s of spans) {
    const a = s.attributes;
    if (s.name.startsWith('RunOrchestration:')) {
      if (a['durox.turn.first_event_id'] === undefined) continue;
      for (let id = Number(a['durox.turn.first_event_id']); id <= Number(a['durox.turn.last_event_id']); id++)
        once(`event ${String(a['durox.instance_id'])}#${String(a['durox.execution_id'])}/${id}`);
    } else if (s.name.startsWith('StartChildOrchestration:')) {
      once(`${s.name} ${String(a['durox.child.instance_id'])}`);
    } else if (s.name.startsWith('RunActivity:')) {
      once(
        `${s.name} ${String(a['durox.instance_id'])}#${String(a['durox.execution_id'])}/${String(a['durox.activity.id'])} attempt ${String(a['durox.activity.attempt'])}`,
      );
    }
  }
}

describe('worker run --otlp-endpoint', () => {
  it('refuses an endpoint that is not an http(s) URL before opening the store', async () => {
    const store = join(dir, 'never-created.db');
    const run = await durox([
      'worker',
      'run',
      '-m',
      MODULE,
      '--store',
      `sqlite:${store}`,
      '--otlp-endpoint',
      'localhost:4318',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toBe(
      'error: --otlp-endpoint: expected an http(s) URL, got localhost:4318',
    );
  });

  it('exports one connected trace for an orchestration tree run by two worker processes', async () => {
    const store = `sqlite:${join(dir, 'two-workers.db')}`;
    // One worker runs the turns, the other the activities: spans must come from both processes.
    const turns = await startWorker(workerFlags(store, '--worker-concurrency', '0'));
    const acts = await startWorker(workerFlags(store, '--orchestration-concurrency', '0'));
    const workers: WorkerProcess[] = [turns, acts];
    expect(turns.stderr()).toContain(`traces to ${receiver.url}/v1/traces`);
    await withClient(store, async (client) => {
      await client.startOrchestration('tree-1', 'TracedParent', 'x');
      await waitingForGo(client, 'tree-1');
      await client.raiseEvent('tree-1', 'go', 'now');
      expect((await client.waitForOrchestration('tree-1', 20_000)).status).toBe('Completed');
    });
    for (const w of workers) expect(await w.stop()).toBe(0); // flushes the batched spans

    expect(receiver.contentTypes.every((t) => t.startsWith('application/json'))).toBe(true);
    const root = receiver.spans.find(
      (s) => s.name === 'StartOrchestration:TracedParent' && s.attributes['durox.instance_id'] === 'tree-1',
    )!;
    expect(root, 'the client start span').toBeDefined();
    expect(root.parentSpanId).toBe('');
    expect(root.resource['service.name']).toBe('otel-test-client');
    const spans = spansOfTrace(root.traceId);
    // Every span of the tree is in this trace (the raise is its own trace, linked from the turn).
    const tree = receiver.spans.filter(
      (s) => s.name !== 'RaiseEvent:go' && s.resource['service.name'] !== 'otel-test-client',
    );
    expect(tree.every((s) => s.traceId === root.traceId)).toBe(true);
    expectTree(spans, root);
    expectNoDuplicates(spans);

    const names = spans.map((s) => s.name);
    expect(names.filter((n) => n === 'StartChildOrchestration:TracedChild')).toHaveLength(1);
    expect(names.filter((n) => n === 'RunActivity:TracedStep')).toHaveLength(4);
    expect(names.filter((n) => n === 'RunOrchestration:TracedParent').length).toBeGreaterThanOrEqual(4);
    expect(names.filter((n) => n === 'RunOrchestration:TracedChild').length).toBeGreaterThanOrEqual(3);
    const pid = (s: ReceivedSpan): unknown => s.resource['process.pid'];
    const turnPids = new Set(spans.filter((s) => s.name.startsWith('RunOrchestration:')).map(pid));
    const activityPids = new Set(spans.filter((s) => s.name.startsWith('RunActivity:')).map(pid));
    expect(turnPids).toEqual(new Set([turns.child.pid]));
    expect(activityPids).toEqual(new Set([acts.child.pid]));
    expect(new Set(spans.map((s) => s.resource['service.name']))).toEqual(
      new Set(['otel-test-client', 'durox-worker']),
    );
    expect(new Set(spans.map((s) => s.resource['service.instance.id'])).size).toBe(3);
    // The child's turns hang under StartChildOrchestration, itself under a parent turn.
    const childStart = spans.find((s) => s.name === 'StartChildOrchestration:TracedChild')!;
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    expect(byId.get(childStart.parentSpanId)?.name).toBe('RunOrchestration:TracedParent');
    for (const s of spans.filter((x) => x.name === 'RunOrchestration:TracedChild'))
      expect(s.parentSpanId).toBe(childStart.spanId);
    for (const s of spans.filter((x) => x.name === 'RunOrchestration:TracedParent'))
      expect(s.parentSpanId).toBe(root.spanId);
    const activity = spans.find((s) => s.name === 'RunActivity:TracedStep')!;
    expect(activity.attributes).toMatchObject({
      'durox.activity.attempt': 1,
      'durox.activity.outcome': 'completed',
    });
    expect(String(activity.attributes['durox.worker_id'])).toMatch(/^work-\d+-/);
    const raise = receiver.spans.find((s) => s.name === 'RaiseEvent:go')!;
    expect(spans.some((s) => s.links.some((l) => l.spanId === raise.spanId))).toBe(true);
  }, 90_000);

  it('emits no span twice when a worker is killed mid-orchestration and another replays it', async () => {
    const store = `sqlite:${join(dir, 'restart.db')}`;
    const first = await startWorker(workerFlags(store));
    let subscribedAt = 0;
    let traceId = '';
    await withClient(store, async (client) => {
      await client.startOrchestration('tree-2', 'TracedParent', 'y');
      subscribedAt = await waitingForGo(client, 'tree-2');
      const started = (await client.readStoredHistory('tree-2', 1))[0]!;
      expect(started.type === 'OrchestrationStarted' && started.trace !== undefined).toBe(true);
      traceId = started.type === 'OrchestrationStarted' ? started.trace!.traceparent.split('-')[1]! : '';
    });
    // Before the kill, wait until the worker exported the turn that subscribed (batches leave
    // every second), so the trace is complete; then kill it without a chance to flush.
    await eventually(
      () =>
        spansOfTrace(traceId).some(
          (s) =>
            s.name === 'RunOrchestration:TracedParent' &&
            Number(s.attributes['durox.turn.last_event_id']) >= subscribedAt,
        ),
      { what: 'the span of the turn that subscribed', timeoutMs: 20_000 },
    );
    await first.stop('SIGKILL');
    const before = spansOfTrace(traceId).length;

    const second = await startWorker(workerFlags(store));
    await withClient(store, async (client) => {
      await client.raiseEvent('tree-2', 'go', 'later');
      expect((await client.waitForOrchestration('tree-2', 20_000)).status).toBe('Completed');
    });
    expect(await second.stop()).toBe(0);

    const spans = spansOfTrace(traceId);
    const root = spans.find((s) => s.name === 'StartOrchestration:TracedParent')!;
    expectTree(spans, root);
    expectNoDuplicates(spans);
    const pid = (s: ReceivedSpan): unknown => s.resource['process.pid'];
    const after = spans.slice(before).filter((s) => pid(s) === second.child.pid);
    // The second worker replayed the parent's history and ran only what was new: the turn that
    // took the event, the last activity and the final turn.
    expect(after.map((s) => s.name).sort()).toEqual(
      ['RunActivity:TracedStep', 'RunOrchestration:TracedParent', 'RunOrchestration:TracedParent'].sort(),
    );
    expect(
      Number(
        after.find((s) => s.name === 'RunOrchestration:TracedParent')!.attributes[
          'durox.turn.replayed_events'
        ],
      ),
    ).toBeGreaterThan(0);
    expect(new Set(spans.filter((s) => s.name.startsWith('Run')).map(pid))).toEqual(
      new Set([first.child.pid, second.child.pid]),
    );
  }, 90_000);
});
