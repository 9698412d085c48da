/**
 * OpenTelemetry spans in one process (docs/observability.md): without an SDK nothing is
 * recorded in history; with one, the client's start span is the root of one trace holding every
 * turn, child start and activity attempt, the contexts are stored in history, and a restarted
 * runtime (which replays history) emits no span again for replayed work.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { eventually } from '../helpers/eventually.js';
import { createHarness } from '../helpers/runtime-harness.js';
import type { Harness } from '../helpers/runtime-harness.js';
import { spanContextOf, tracingEnabled } from '../../src/engine/otel.js';
import type { HistoryEvent } from '../../src/core/history.js';
import type { OrchestrationContext } from '../../src/index.js';

function register(h: Harness, rt = h.runtime): void {
  rt.registerActivity('Work', async (_ctx, n: number) => n * 2);
  rt.registerOrchestration('Child', function* (ctx: OrchestrationContext, n: number) {
    yield ctx.scheduleTimer(5);
    return yield ctx.scheduleActivity('Work', n);
  });
  rt.registerOrchestration('Parent', function* (ctx: OrchestrationContext) {
    const a = (yield ctx.scheduleActivity('Work', 1)) as number;
    const b = (yield ctx.scheduleSubOrchestration('Child', a)) as number;
    const go = yield ctx.waitForEvent('go');
    return { a, b, go };
  });
}

let provider: BasicTracerProvider | null = null;
afterEach(async () => {
  await provider?.shutdown();
  provider = null;
  trace.disable();
});

function install(): InMemorySpanExporter {
  const exporter = new InMemorySpanExporter();
  provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  trace.setGlobalTracerProvider(provider);
  return exporter;
}

async function histories(h: Harness, root: string): Promise<HistoryEvent[]> {
  const children = await h.client.listChildren(root);
  return [...(await h.history(root)), ...(await Promise.all(children.map((c) => h.history(c)))).flat()];
}

const parentOf = (s: ReadableSpan): string | undefined => s.parentSpanContext?.spanId;

/** The span id of the context stored with the instance's first event of `type`. */
async function storedSpanId(
  h: Harness,
  instanceId: string,
  type: HistoryEvent['type'],
): Promise<string | undefined> {
  const event = (await h.history(instanceId)).find((e) => e.type === type);
  return spanContextOf(event !== undefined && 'trace' in event ? event.trace : undefined)?.spanId;
}

describe('stored trace context', () => {
  it('reads back a traceparent with its trace state, and rejects malformed ones', () => {
    const sc = spanContextOf({
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      tracestate: 'vendor=value',
    });
    expect(sc).toMatchObject({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: 1,
      isRemote: true,
    });
    expect(sc?.traceState?.get('vendor')).toBe('value');
    for (const traceparent of [
      '',
      'garbage',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra',
    ])
      expect(spanContextOf({ traceparent }), traceparent).toBeUndefined();
    expect(spanContextOf(undefined)).toBeUndefined();
  });
});

describe('OpenTelemetry tracing', () => {
  it('records no trace context in history and creates no span without an SDK', async () => {
    expect(tracingEnabled()).toBe(false);
    const h = await createHarness();
    register(h);
    await h.runtime.start();
    await h.client.startOrchestration('plain', 'Parent');
    await eventuallyWaiting(h, 'plain');
    await h.client.raiseEvent('plain', 'go', 'now');
    expect((await h.client.waitForOrchestration('plain', 10_000)).status).toBe('Completed');
    const events = await histories(h, 'plain');
    expect(events.length).toBeGreaterThan(8);
    expect(events.filter((e) => 'trace' in e)).toEqual([]);
    expect(JSON.stringify(events)).not.toContain('traceparent');
  });

  it('joins client, turns, child starts and activity attempts in one trace rooted at the client span', async () => {
    const exporter = install();
    expect(tracingEnabled()).toBe(true);
    const h = await createHarness();
    register(h);
    await h.runtime.start();
    await h.client.startOrchestration('traced', 'Parent');
    // The raise waits for the subscription so the event is not buffered before it.
    await eventuallyWaiting(h, 'traced');
    await h.client.raiseEvent('traced', 'go', 'now');
    expect((await h.client.waitForOrchestration('traced', 10_000)).status).toBe('Completed');
    await h.runtime.shutdown();

    const spans = exporter.getFinishedSpans();
    const root = spans.find((s) => s.name === 'StartOrchestration:Parent')!;
    expect(root).toBeDefined();
    expect(parentOf(root)).toBeUndefined();
    const traceId = root.spanContext().traceId;
    const raise = spans.find((s) => s.name === 'RaiseEvent:go')!;
    // The raise is its own trace (no active span in the test), linked from the turn it woke.
    expect(spans.filter((s) => s !== raise).every((s) => s.spanContext().traceId === traceId)).toBe(true);
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    for (const s of spans) {
      if (s === root || s === raise) continue;
      expect(byId.has(parentOf(s)!), `${s.name} has a parent in the trace`).toBe(true);
    }
    const names = spans.map((s) => s.name);
    expect(names.filter((n) => n === 'StartChildOrchestration:Child')).toHaveLength(1);
    expect(names.filter((n) => n === 'RunActivity:Work')).toHaveLength(2);
    const parentTurns = spans.filter((s) => s.name === 'RunOrchestration:Parent');
    const childTurns = spans.filter((s) => s.name === 'RunOrchestration:Child');
    expect(parentTurns.length).toBeGreaterThanOrEqual(3);
    expect(childTurns.length).toBeGreaterThanOrEqual(2);
    for (const t of parentTurns) expect(parentOf(t)).toBe(root.spanContext().spanId);
    const childStart = spans.find((s) => s.name === 'StartChildOrchestration:Child')!;
    for (const t of childTurns) expect(parentOf(t)).toBe(childStart.spanContext().spanId);
    expect(
      parentTurns.some((t) => t.links.some((l) => l.context.spanId === raise.spanContext().spanId)),
    ).toBe(true);
    expect(childTurns.flatMap((t) => t.events.map((e) => e.name))).toEqual(
      expect.arrayContaining(['durox.timer.created', 'durox.timer.fired']),
    );
    const last = parentTurns.at(-1)!;
    expect(last.attributes['durox.turn.outcome']).toBe('Completed');
    expect(last.attributes['durox.instance_id']).toBe('traced');

    // History holds the contexts the spans were parented to.
    const events = await histories(h, 'traced');
    const started = events.filter((e) => e.type === 'OrchestrationStarted');
    expect(spanContextOf(started[0]!.trace)?.spanId).toBe(root.spanContext().spanId);
    expect(spanContextOf(started[1]!.trace)?.spanId).toBe(childStart.spanContext().spanId);
    const scheduled = events.filter((e) => e.type === 'ActivityScheduled');
    expect(scheduled.every((e) => e.trace !== undefined)).toBe(true);
    const attempts = spans.filter((s) => s.name === 'RunActivity:Work');
    for (const a of attempts) {
      const turn = byId.get(parentOf(a)!)!;
      expect(turn.name).toMatch(/^RunOrchestration:/);
      expect(a.attributes['durox.activity.attempt']).toBe(1);
      expect(a.attributes['durox.activity.outcome']).toBe('completed');
    }
    expect(events.find((e) => e.type === 'ExternalEvent')?.trace?.traceparent).toContain(
      raise.spanContext().spanId,
    );
  });

  it('parents a detached start to a StartDetachedOrchestration span of the turn that made it', async () => {
    const exporter = install();
    const h = await createHarness();
    h.runtime.registerOrchestration('Launcher', function* (ctx: OrchestrationContext) {
      yield ctx.startOrchestration('Child', 'launched', 3);
      return 'sent';
    });
    register(h);
    await h.runtime.start();
    await h.client.startOrchestration('launcher', 'Launcher');
    expect((await h.client.waitForOrchestration('launcher', 10_000)).status).toBe('Completed');
    expect((await h.client.waitForOrchestration('launched', 10_000)).status).toBe('Completed');
    await h.runtime.shutdown();

    const spans = exporter.getFinishedSpans();
    const root = spans.find((s) => s.name === 'StartOrchestration:Launcher')!;
    const start = spans.find((s) => s.name === 'StartDetachedOrchestration:Child')!;
    expect(start).toBeDefined();
    expect(start.spanContext().traceId).toBe(root.spanContext().traceId);
    const launcherTurn = spans.find((s) => s.spanContext().spanId === parentOf(start))!;
    expect(launcherTurn.name).toBe('RunOrchestration:Launcher');
    const childTurns = spans.filter((s) => s.name === 'RunOrchestration:Child');
    expect(childTurns.length).toBeGreaterThanOrEqual(2);
    for (const t of childTurns) expect(parentOf(t)).toBe(start.spanContext().spanId);
    // The context travels in history: the chained event and the new instance's start.
    const startId = start.spanContext().spanId;
    expect(await storedSpanId(h, 'launcher', 'OrchestrationChained')).toBe(startId);
    expect(await storedSpanId(h, 'launched', 'OrchestrationStarted')).toBe(startId);
  });

  it('gives each run a schedule starts a trace of its own', async () => {
    const exporter = install();
    const h = await createHarness();
    register(h);
    await h.runtime.start();
    await h.client.createSchedule({ id: 'daily', interval: '1d', orchestration: 'Child', input: 2 });
    await h.client.triggerSchedule('daily');
    const run = await eventually(async () => {
      const runs = await h.client.listInstances({ orchestrationName: 'Child', status: 'Completed' });
      return runs[0]?.instanceId;
    }, 'the triggered run to complete');
    await h.runtime.shutdown();

    const spans = exporter.getFinishedSpans();
    expect(spans.some((s) => s.name.startsWith('StartDetachedOrchestration:'))).toBe(false);
    const rootId = await storedSpanId(h, run, 'OrchestrationStarted');
    const root = spans.find((s) => s.spanContext().spanId === rootId)!;
    // The run's first turn is the root of its trace.
    expect(root.name).toBe('RunOrchestration:Child');
    expect(parentOf(root)).toBeUndefined();
  });

  it('links the turn that records a cancellation to the client span that asked for it', async () => {
    const exporter = install();
    const h = await createHarness();
    register(h);
    await h.runtime.start();
    await h.client.startOrchestration('to-cancel', 'Parent');
    await eventuallyWaiting(h, 'to-cancel');
    await h.client.cancelInstance('to-cancel', 'no longer needed');
    expect((await h.client.waitForOrchestration('to-cancel', 10_000)).status).toBe('Failed');
    await h.runtime.shutdown();

    const spans = exporter.getFinishedSpans();
    const cancel = spans.find((s) => s.name === 'CancelOrchestration')!;
    expect(cancel).toBeDefined();
    const linked = spans.filter(
      (s) =>
        s.name === 'RunOrchestration:Parent' &&
        s.links.some((l) => l.context.spanId === cancel.spanContext().spanId),
    );
    expect(linked).toHaveLength(1);
    const link = linked[0]!.links.find((l) => l.context.spanId === cancel.spanContext().spanId)!;
    expect(link.attributes).toEqual({ 'durox.cancel.reason': 'no longer needed' });
    expect(await storedSpanId(h, 'to-cancel', 'OrchestrationCancelRequested')).toBe(
      cancel.spanContext().spanId,
    );
  });

  it('emits no span twice when a new runtime replays history', async () => {
    const exporter = install();
    const h = await createHarness();
    register(h);
    await h.runtime.start();
    await h.client.startOrchestration('restart', 'Parent');
    await eventuallyWaiting(h, 'restart');
    await h.runtime.shutdown();
    const before = exporter.getFinishedSpans().length;
    const rt = h.newRuntime();
    register(h, rt);
    await rt.start();
    await h.client.raiseEvent('restart', 'go', 1);
    expect((await h.client.waitForOrchestration('restart', 10_000)).status).toBe('Completed');
    await rt.shutdown();
    const spans = exporter.getFinishedSpans();
    const after = spans.slice(before).filter((s) => s.name !== 'RaiseEvent:go');
    // Only the turn that took the event ran after the restart; it replayed the rest.
    expect(after.map((s) => s.name)).toEqual(['RunOrchestration:Parent']);
    expect(after[0]!.attributes['durox.turn.replayed_events']).toBeGreaterThan(0);
    expectNoDuplicates(spans);
  });
});

/** Turn spans cover disjoint event ranges per execution; schedule and activity spans are unique. */
function expectNoDuplicates(spans: ReadableSpan[]): void {
  const seen = new Set<string>();
  for (const s of spans) {
    const a = s.attributes;
    let key: string | null = null;
    if (s.name.startsWith('RunOrchestration:')) {
      for (
        let id = Number(a['durox.turn.first_event_id']);
        id <= Number(a['durox.turn.last_event_id']);
        id++
      ) {
        const k = `${String(a['durox.instance_id'])}/${String(a['durox.execution_id'])}/${id}`;
        expect(seen.has(k), `event ${k} in two turn spans`).toBe(false);
        seen.add(k);
      }
      continue;
    }
    if (s.name.startsWith('RunActivity:'))
      key = `${s.name}/${String(a['durox.instance_id'])}/${String(a['durox.activity.id'])}/${String(a['durox.activity.attempt'])}`;
    else if (s.name.startsWith('StartChildOrchestration:'))
      key = `${s.name}/${String(a['durox.child.instance_id'])}`;
    if (key === null) continue;
    expect(seen.has(key), `${key} twice`).toBe(false);
    seen.add(key);
  }
}

async function eventuallyWaiting(h: Harness, instanceId: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const events = await h.history(instanceId);
    if (events.some((e) => e.type === 'ExternalSubscribed')) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${instanceId} never waited for its event`);
}
