/**
 * durox/testing's TestEnvironment: virtual time that skips while the test waits for an outcome,
 * manual sleep/advanceTo that fire due timers in order, scheduled events, mocks, isolation of
 * environments, and a PostgreSQL store on the same clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { defineActivity, defineOrchestration, isDuroxError } from '../../src/index.js';
import type { OrchestrationContext } from '../../src/index.js';
import { TestEnvironment } from '../../src/testing/index.js';
import { PostgresProvider } from '../../src/index.js';
import { createTestSchema, pgUrl } from '../helpers/postgres.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.UTC(2031, 4, 1);

const envs: TestEnvironment[] = [];
afterEach(async () => {
  await Promise.all(envs.splice(0).map((env) => env.close()));
});

async function environment(options: Parameters<typeof TestEnvironment.create>[0]): Promise<TestEnvironment> {
  const env = await TestEnvironment.create({ startTime: START, ...options });
  envs.push(env);
  return env;
}

describe('TestEnvironment', () => {
  it('an orchestration that waits 30 days then runs an activity completes in well under a second', async () => {
    const env = await environment({
      register(runtime) {
        runtime.registerActivity('Remind', (_ctx, who: string) => `reminded ${who}`);
        runtime.registerOrchestration('Reminder', function* (ctx: OrchestrationContext, who: string) {
          yield ctx.scheduleTimer(30 * DAY);
          const sent: string = yield ctx.scheduleActivity('Remind', who);
          const at: number = yield ctx.utcNow();
          return { sent, at };
        });
      },
    });
    const wall = Date.now();
    await env.client.startOrchestration('r1', 'Reminder', 'ann');
    const status = await env.client.waitForOrchestration('r1', 10_000);
    expect(Date.now() - wall).toBeLessThan(1000);
    expect(status).toMatchObject({
      status: 'Completed',
      output: { sent: 'reminded ann', at: START + 30 * DAY },
    });
    expect(env.now()).toBe(START + 30 * DAY);
  });

  it('an event raised at virtual day 3 beats a 7-day timer, at day 3', async () => {
    const env = await environment({
      register(runtime) {
        runtime.registerOrchestration('Approval', function* (ctx: OrchestrationContext) {
          const winner: { index: number; value: unknown } = yield ctx.race(
            ctx.waitForEvent('approve'),
            ctx.scheduleTimer(7 * DAY),
          );
          const at: number = yield ctx.utcNow();
          return { winner: winner.index === 0 ? 'event' : 'timer', value: winner.value, at };
        });
      },
    });
    await env.client.startOrchestration('a1', 'Approval');
    await env.raiseEvent('a1', 'approve', { by: 'bob' }, { after: '3d' });
    const status = await env.client.waitForOrchestration('a1');
    expect(status.output).toEqual({ winner: 'event', value: { by: 'bob' }, at: START + 3 * DAY });
  });

  it('an activity retried with exponential backoff for hours completes at once', async () => {
    let attempts = 0;
    const env = await environment({
      register(runtime) {
        runtime.registerActivity('Flaky', () => {
          attempts++;
          if (attempts < 6) throw new Error(`down (attempt ${attempts})`);
          return 'up';
        });
        runtime.registerOrchestration('Retry', function* (ctx: OrchestrationContext) {
          return yield ctx.scheduleActivityWithRetry('Flaky', null, {
            maxAttempts: 6,
            backoff: { kind: 'exponential', baseMs: HOUR, multiplier: 2, maxMs: 24 * HOUR },
          });
        });
      },
    });
    await env.client.startOrchestration('f1', 'Retry');
    expect(await env.client.waitForOrchestration('f1')).toMatchObject({ status: 'Completed', output: 'up' });
    expect(attempts).toBe(6);
    // 1 + 2 + 4 + 8 + 16 hours of backoff.
    expect(env.now()).toBe(START + 31 * HOUR);
  });

  it('an eternal orchestration looping hourly with continue-as-new runs a virtual week', async () => {
    const env = await environment({
      register(runtime) {
        runtime.registerOrchestration('Hourly', function* (ctx: OrchestrationContext, n: number) {
          if (n === 168) return n;
          yield ctx.scheduleTimer(HOUR);
          yield ctx.continueAsNew(n + 1);
        });
      },
    });
    const wall = Date.now();
    await env.client.startOrchestration('h1', 'Hourly', 0);
    expect(await env.client.waitForOrchestration('h1', 60_000)).toMatchObject({
      status: 'Completed',
      output: 168,
    });
    expect(env.now()).toBe(START + 168 * HOUR);
    expect(Date.now() - wall).toBeLessThan(20_000);
  });

  it('sleep fires due timers in order and lets each one settle; waits without autoSkip do not move time', async () => {
    const env = await environment({
      autoSkip: false,
      register(runtime) {
        runtime.registerOrchestration('Steps', function* (ctx: OrchestrationContext) {
          const seen: number[] = [];
          for (const hours of [1, 2, 3]) {
            yield ctx.scheduleTimer(hours * HOUR);
            seen.push(yield ctx.utcNow());
            ctx.setCustomStatus(`step ${seen.length}`);
          }
          return seen;
        });
      },
    });
    await env.client.startOrchestration('s1', 'Steps');
    const timeout = await env.client.waitForOrchestration('s1', 200).catch((err: unknown) => err);
    expect(isDuroxError(timeout, 'TIMEOUT')).toBe(true);
    expect(env.now()).toBe(START);

    await env.sleep('1h');
    expect((await env.client.getStatus('s1')).customStatus).toBe('step 1');
    await env.advanceTo(new Date(START + 6 * HOUR + 1));
    const status = await env.client.getStatus('s1');
    expect(status).toMatchObject({
      status: 'Completed',
      output: [START + HOUR, START + 3 * HOUR, START + 6 * HOUR],
    });
    expect(env.now()).toBe(START + 6 * HOUR + 1);
  });

  it('waits on sub-orchestrations whose timers must fire', async () => {
    const env = await environment({
      register(runtime) {
        runtime.registerOrchestration('Child', function* (ctx: OrchestrationContext, days: number) {
          yield ctx.scheduleTimer(days * DAY);
          return days;
        });
        runtime.registerOrchestration('Parent', function* (ctx: OrchestrationContext) {
          const results: { ok?: number }[] = yield ctx.all([
            ctx.scheduleSubOrchestration('Child', 2),
            ctx.scheduleSubOrchestration('Child', 5),
          ]);
          return results.map((r) => r.ok);
        });
      },
    });
    await env.client.startOrchestration('p1', 'Parent');
    expect((await env.client.waitForOrchestration('p1')).output).toEqual([2, 5]);
    expect(env.now()).toBe(START + 5 * DAY);
  });

  it('mockActivity replaces an activity for one environment', async () => {
    const register = (runtime: TestEnvironment['runtime']): void => {
      runtime.registerActivity('Charge', () => 'real charge');
      runtime.registerOrchestration('Pay', function* (ctx: OrchestrationContext) {
        return yield ctx.scheduleActivity('Charge', 5);
      });
    };
    const mocked = await environment({ register });
    const real = await environment({ register });
    mocked.mockActivity('Charge', (_ctx, amount: number) => `mock charged ${amount}`);
    await mocked.client.startOrchestration('m', 'Pay');
    await real.client.startOrchestration('m', 'Pay');
    expect((await mocked.client.waitForOrchestration('m')).output).toBe('mock charged 5');
    expect((await real.client.waitForOrchestration('m')).output).toBe('real charge');
  });

  it('typed definitions: waitFor skips time, mockActivity takes a definition', async () => {
    const sendInvoice = defineActivity(
      'SendInvoice',
      async (_ctx, customer: string) => `invoice for ${customer}`,
    );
    const monthly = defineOrchestration('Monthly', function* (ctx, customer: string) {
      yield* ctx.scheduleTimer(31 * DAY);
      const sent = yield* ctx.run(sendInvoice, customer);
      return { sent, at: yield* ctx.utcNow() };
    });
    const env = await environment({ register: (runtime) => void runtime.register(sendInvoice, monthly) });
    env.mockActivity(sendInvoice, async (_ctx, customer: string) => `mock invoice for ${customer}`);
    await env.client.start(monthly, 'inv-1', 'acme');
    const status = await env.client.waitFor(monthly, 'inv-1');
    expect(status).toMatchObject({
      status: 'Completed',
      output: { sent: 'mock invoice for acme', at: START + 31 * DAY },
    });
  });

  it('two environments in one process keep their own time', async () => {
    const register = (runtime: TestEnvironment['runtime']): void => {
      runtime.registerOrchestration('Wait', function* (ctx: OrchestrationContext, days: number) {
        yield ctx.scheduleTimer(days * DAY);
        return yield ctx.utcNow();
      });
    };
    const a = await environment({ register });
    const b = await environment({ register, startTime: new Date(START + 100 * DAY) });
    await a.client.startOrchestration('w', 'Wait', 1);
    await b.client.startOrchestration('w', 'Wait', 10);
    const [ra, rb] = await Promise.all([
      a.client.waitForOrchestration('w'),
      b.client.waitForOrchestration('w'),
    ]);
    expect(ra.output).toBe(START + DAY);
    expect(rb.output).toBe(START + 110 * DAY);
    expect(a.now()).toBe(START + DAY);
    expect(b.now()).toBe(START + 110 * DAY);
  });

  it('a scheduled event for an unknown instance fails the wait that moved time there', async () => {
    const env = await environment({
      register(runtime) {
        runtime.registerOrchestration('Nap', function* (ctx: OrchestrationContext) {
          yield ctx.scheduleTimer(2 * DAY);
          return 'done';
        });
      },
    });
    await env.client.startOrchestration('n', 'Nap');
    await env.raiseEvent('', 'poke', null, { after: '1d' });
    await expect(env.client.waitForOrchestration('n')).rejects.toThrow(/instance id/i);
  });

  it('rejects bad durations with a clear message', async () => {
    const env = await environment({});
    await expect(env.sleep('3 fortnights')).rejects.toThrow(/'250ms', '90s'/);
    await expect(env.sleep(-5)).rejects.toThrow(/non-negative/);
  });

  it('runs on a PostgreSQL store given the environment clock', async () => {
    const env = await environment({
      provider: ({ clock }) => PostgresProvider.connectWithSchema(pgUrl(), createTestSchema(), { clock }),
      register(runtime) {
        runtime.registerOrchestration('Nap', function* (ctx: OrchestrationContext) {
          yield ctx.scheduleTimer(30 * DAY);
          return yield ctx.utcNow();
        });
      },
    });
    await env.client.startOrchestration('pg', 'Nap');
    expect((await env.client.waitForOrchestration('pg')).output).toBe(START + 30 * DAY);
  });
});
