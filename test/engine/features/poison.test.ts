/**
 * Poison messages through the real runtime on a SQLite file: activities and orchestrations that
 * no runtime can run are retried with the unregistered backoff, then poisoned
 * (duroxide-core §4.3–4.4, §10.2 scenarios 38, 46, 55).
 */
import { describe, expect, it } from 'vitest';
import { createHarness } from '../../helpers/runtime-harness.js';
import type { ErrorDetails } from '../../../src/index.js';

const FAST_POISON = { maxAttempts: 3, unregisteredBackoff: { baseDelayMs: 10, maxDelayMs: 20 } };

describe('poison (file SQLite)', () => {
  it('55: an activity registered nowhere poisons the orchestration, uncatchably', async () => {
    const h = await createHarness(FAST_POISON);
    let caught = false;
    h.runtime.registerOrchestration('CallsGhost', function* (ctx) {
      try {
        return yield ctx.scheduleActivity('Ghost', { x: 1 });
      } catch {
        caught = true;
        return 'compensated';
      }
    });
    await h.runtime.start();
    await h.client.startOrchestration('p55', 'CallsGhost');
    const status = await h.client.waitForOrchestration('p55', 10_000);
    expect(status.status).toBe('Failed');
    const expected: ErrorDetails = {
      category: 'poison',
      attempt_count: 4,
      max_attempts: 3,
      message_type: {
        kind: 'Activity',
        instance: 'p55',
        execution_id: 1,
        activity_name: 'Ghost',
        activity_id: 2,
      },
      message: expect.stringContaining('Ghost') as unknown as string,
    };
    expect(status.failureDetails).toEqual(expected);
    expect(caught).toBe(false);
    const history = await h.history('p55');
    expect(history.map((e) => [e.event_id, e.type, e.source_event_id])).toEqual([
      [1, 'OrchestrationStarted', undefined],
      [2, 'ActivityScheduled', undefined],
      [3, 'ActivityFailed', 2],
      [4, 'OrchestrationFailed', undefined],
    ]);
    expect(history[2]).toMatchObject({ details: expected });
    expect(history[3]).toMatchObject({ details: expected });
  });

  it('46: a child whose activity is poisoned fails with Poison and so does its parent', async () => {
    const h = await createHarness(FAST_POISON);
    let parentCaught = false;
    h.runtime.registerOrchestration('Child', function* (ctx) {
      return yield ctx.scheduleActivity('Ghost');
    });
    h.runtime.registerOrchestration('Parent', function* (ctx) {
      try {
        return yield ctx.scheduleSubOrchestration('Child');
      } catch {
        parentCaught = true;
        return 'compensated';
      }
    });
    await h.runtime.start();
    await h.client.startOrchestration('P46', 'Parent');
    const child = await h.client.waitForOrchestration('P46::sub::2', 10_000);
    expect(child.status).toBe('Failed');
    expect(child.failureDetails).toMatchObject({
      category: 'poison',
      message_type: { kind: 'Activity', instance: 'P46::sub::2', activity_name: 'Ghost', activity_id: 2 },
    });
    const parent = await h.client.waitForOrchestration('P46', 10_000);
    expect(parent.status).toBe('Failed');
    expect(parent.failureDetails).toEqual(child.failureDetails);
    expect(parent.error).toBe(child.error);
    expect(parentCaught).toBe(false);
    expect(await h.kinds('P46')).toEqual([
      'OrchestrationStarted',
      'SubOrchestrationScheduled',
      'SubOrchestrationFailed',
      'OrchestrationFailed',
    ]);
  });

  it('38: starting an orchestration version nobody registered ends in Poison', async () => {
    const h = await createHarness(FAST_POISON);
    h.runtime.registerOrchestration('Known', function* () {
      return 'v1';
    });
    await h.runtime.start();
    await h.client.startOrchestrationVersioned('p38', 'Known', null, '9.9.9');
    const status = await h.client.waitForOrchestration('p38', 10_000);
    expect(status.status).toBe('Failed');
    expect(status.failureDetails).toMatchObject({
      category: 'poison',
      max_attempts: 3,
      message_type: { kind: 'Orchestration', instance: 'p38', execution_id: 1 },
    });
    expect((status.failureDetails as { attempt_count: number }).attempt_count).toBeGreaterThan(3);
    const history = await h.history('p38');
    expect(history.map((e) => e.type)).toEqual(['OrchestrationStarted', 'OrchestrationFailed']);
    expect(history[0]).toMatchObject({ name: 'Known', version: '9.9.9' });
  });
});
