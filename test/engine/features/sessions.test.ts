/**
 * Session affinity through the real runtime on a SQLite file: activities on one session run on
 * the worker that owns it, the per-runtime session cap, and sessions across continue-as-new
 * (duroxide-core §4.4, §10.2 scenario 58).
 */
import { describe, expect, it } from 'vitest';
import { createHarness } from '../../helpers/runtime-harness.js';
import type { Harness } from '../../helpers/runtime-harness.js';
import type { Runtime } from '../../../src/index.js';

interface Report {
  runtime: string;
  workerId: string;
  sessionId: string | null;
  start: number;
  end: number;
}

/**
 * Registers 'WhoAmI' (reports where it ran, taking `input` ms) on a runtime labelled `label`.
 * The work takes real (wall) time on purpose: the tests compare when activities ran, and only
 * activities that run for a while can show that two of them overlapped or did not.
 */
function registerWhoAmI(rt: Runtime, label: string): void {
  rt.registerActivity('WhoAmI', async (ctx, ms: number): Promise<Report> => {
    const start = Date.now();
    await new Promise<void>((resolve) => setTimeout(resolve, ms ?? 0));
    return { runtime: label, workerId: ctx.workerId, sessionId: ctx.sessionId, start, end: Date.now() };
  });
}

/** Two activity runtimes ("A" also runs orchestrations), each with one slot and its own node id. */
async function twoNodes(): Promise<Harness> {
  const h = await createHarness({ workerConcurrency: 1, workerNodeId: 'node-A' });
  const b = h.newRuntime({ orchestrationConcurrency: 0, workerNodeId: 'node-B' });
  registerWhoAmI(h.runtime, 'A');
  registerWhoAmI(b, 'B');
  await h.runtime.start();
  await b.start();
  return h;
}

function overlaps(a: Report, b: Report): boolean {
  return a.start < b.end && b.start < a.end;
}

describe('sessions (file SQLite)', () => {
  it('58: with workerNodeId, every activity of session "s1" reports the same worker', async () => {
    const h = await twoNodes();
    h.runtime.registerOrchestration('SessionWork', function* (ctx) {
      const reports: Report[] = [];
      for (let i = 0; i < 3; i++) reports.push(yield ctx.scheduleActivityOnSession('WhoAmI', 20, 's1'));
      const fanned = yield ctx.all(
        [0, 1, 2].map(() => ctx.scheduleActivity('WhoAmI', 20, { sessionId: 's1' })),
      );
      for (const r of fanned as { ok: Report }[]) reports.push(r.ok);
      return reports;
    });
    await h.client.startOrchestration('s58', 'SessionWork');
    const status = await h.client.waitForOrchestration('s58', 10_000);
    expect(status.status).toBe('Completed');
    const reports = status.output as Report[];
    expect(reports).toHaveLength(6);
    const owner = reports[0]!;
    expect(owner.workerId).toBe(owner.runtime === 'A' ? 'work-0-node-A' : 'work-0-node-B');
    for (const r of reports) {
      expect(r.sessionId).toBe('s1');
      expect(r.workerId).toBe(owner.workerId);
      expect(r.runtime).toBe(owner.runtime);
    }
    const scheduled = (await h.history('s58')).filter((e) => e.type === 'ActivityScheduled');
    expect(scheduled.map((e) => e.session_id)).toEqual(Array(6).fill('s1'));
  });

  it('58: without workerNodeId each slot owns its sessions, so one session runs on one slot', async () => {
    const h = await createHarness({ workerConcurrency: 4 });
    registerWhoAmI(h.runtime, 'A');
    h.runtime.registerOrchestration('FanOnSession', function* (ctx) {
      const onSession = ctx.all([0, 1, 2].map(() => ctx.scheduleActivityOnSession('WhoAmI', 50, 's1')));
      return ((yield onSession) as { ok: Report }[]).map((r) => r.ok);
    });
    await h.runtime.start();
    await h.client.startOrchestration('s58b', 'FanOnSession');
    const status = await h.client.waitForOrchestration('s58b', 10_000);
    expect(status.status).toBe('Completed');
    const reports = status.output as Report[];
    expect(new Set(reports.map((r) => r.workerId)).size).toBe(1);
    expect(reports[0]!.workerId).toMatch(/^work-[0-3]-[0-9a-f]{4}$/);
    // One slot: the three activities ran one after another.
    for (let i = 0; i < reports.length; i++)
      for (let j = i + 1; j < reports.length; j++) expect(overlaps(reports[i]!, reports[j]!)).toBe(false);
  });

  async function twoSessions(maxSessionsPerRuntime: number): Promise<Report[]> {
    const h = await createHarness({ workerConcurrency: 4, workerNodeId: 'node-A', maxSessionsPerRuntime });
    registerWhoAmI(h.runtime, 'A');
    h.runtime.registerOrchestration('TwoSessions', function* (ctx) {
      const results = yield ctx.all([
        ctx.scheduleActivityOnSession('WhoAmI', 300, 'first'),
        ctx.scheduleActivityOnSession('WhoAmI', 300, 'second'),
      ]);
      return (results as { ok: Report }[]).map((r) => r.ok);
    });
    await h.runtime.start();
    await h.client.startOrchestration('two', 'TwoSessions');
    const status = await h.client.waitForOrchestration('two', 10_000);
    expect(status.status).toBe('Completed');
    return status.output as Report[];
  }

  it('58: with maxSessionsPerRuntime 1 a second session waits until the first one is done', async () => {
    const [a, b] = await twoSessions(1);
    expect(overlaps(a!, b!)).toBe(false);
    const [first, second] = a!.start <= b!.start ? [a!, b!] : [b!, a!];
    expect(second.start).toBeGreaterThanOrEqual(first.end);
  });

  it('58: with maxSessionsPerRuntime 2 the two sessions run side by side (control)', async () => {
    const [a, b] = await twoSessions(2);
    expect(overlaps(a!, b!)).toBe(true);
  });

  it('58: session affinity survives continue-as-new', async () => {
    const h = await twoNodes();
    h.runtime.registerOrchestration('SessionCan', function* (ctx, seen: Report[]) {
      const r: Report = yield ctx.scheduleActivityOnSession('WhoAmI', 10, 'sticky');
      const all = [...seen, r];
      if (all.length < 4) return yield ctx.continueAsNew(all);
      return all;
    });
    await h.client.startOrchestration('s58c', 'SessionCan', []);
    const status = await h.client.waitForOrchestration('s58c', 10_000);
    expect(status.status).toBe('Completed');
    const reports = status.output as Report[];
    expect(reports).toHaveLength(4);
    expect(new Set(reports.map((r) => r.workerId)).size).toBe(1);
    expect(new Set(reports.map((r) => r.runtime)).size).toBe(1);
    for (const exec of [1, 2, 3]) {
      expect((await h.history('s58c', exec)).at(-1)?.type).toBe('OrchestrationContinuedAsNew');
    }
    expect((await h.history('s58c', 4)).at(-1)?.type).toBe('OrchestrationCompleted');
  });
});
