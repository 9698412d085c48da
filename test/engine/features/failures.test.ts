import { describe, expect, it } from 'vitest';
import { parseErrorDetails } from '../../../src/core/failure.js';
import type { ApplicationErrorDetails } from '../../../src/core/failure.js';
import { createHarness, TEST_PROVIDER } from '../../helpers/runtime-harness.js';
import type { Harness } from '../../helpers/runtime-harness.js';

class PaymentDeclined extends Error {}
class OrderFailed extends Error {}

/** An activity that fails with a user error class and a cause, as real code does. */
function registerCharge(h: Harness): void {
  h.runtime.registerActivity('Charge', async () => {
    throw new PaymentDeclined('card refused', { cause: new RangeError('limit 100 exceeded') });
  });
}

/** What the library reports and what the store holds for a failed instance: all must agree. */
async function failureOf(h: Harness, instanceId: string): Promise<ApplicationErrorDetails> {
  const status = await h.client.waitForOrchestration(instanceId, 10_000);
  expect(status.status).toBe('Failed');
  const info = await h.client.getInstanceInfo(instanceId);
  expect(info.failureDetails).toEqual(status.failureDetails);
  const stored = await h.provider.getExecutionInfo(instanceId, 1);
  expect(parseErrorDetails(stored!.output!)).toEqual(status.failureDetails);
  const terminal = (await h.history(instanceId)).at(-1);
  expect(terminal).toMatchObject({ type: 'OrchestrationFailed', details: status.failureDetails });
  return status.failureDetails as ApplicationErrorDetails;
}

describe(`failures keep the user's error (${TEST_PROVIDER})`, () => {
  it('an activity error the orchestration does not catch keeps its class, message, stack and cause', async () => {
    const h = await createHarness();
    registerCharge(h);
    h.runtime.registerOrchestration('Checkout', function* (ctx) {
      return yield ctx.scheduleActivity('Charge', { amount: 500 });
    });
    await h.runtime.start();
    await h.client.startOrchestration('unc-1', 'Checkout');

    const details = await failureOf(h, 'unc-1');
    expect((await h.client.getStatus('unc-1')).error).toBe('card refused');
    expect(details).toMatchObject({
      category: 'application',
      kind: 'ActivityFailed',
      type: 'PaymentDeclined',
      message: 'card refused',
      cause: { type: 'RangeError', message: 'limit 100 exceeded' },
    });
    // The user's stack (thrown in this file), not the engine's replay code.
    expect(details.stack).toMatch(/^Error: card refused\n/);
    expect(details.stack).toContain('failures.test.ts');
    expect(details.stack).not.toMatch(/replay[/\\]execution/);
    expect(details.cause?.category === 'application' && details.cause.stack).toContain('failures.test.ts');
  });

  it('a caught activity error shows the user error at the yield, and wrapping it keeps it as the cause', async () => {
    const h = await createHarness();
    registerCharge(h);
    const seen: { name: string; message: string; stack: string; cause: string }[] = [];
    h.runtime.registerOrchestration('Wrap', function* (ctx) {
      try {
        yield ctx.scheduleActivity('Charge', null);
        return 'charged';
      } catch (err) {
        const e = err as Error;
        seen.push({
          name: e.name,
          message: e.message,
          stack: e.stack ?? '',
          cause: (e.cause as Error | undefined)?.message ?? '',
        });
        throw new OrderFailed('order 7 failed', { cause: err });
      }
    });
    await h.runtime.start();
    await h.client.startOrchestration('wrap-1', 'Wrap');

    const details = await failureOf(h, 'wrap-1');
    expect(seen[0]).toMatchObject({
      name: 'PaymentDeclined',
      message: 'card refused',
      cause: 'limit 100 exceeded',
    });
    expect(seen[0]!.stack).toContain('failures.test.ts');
    expect(details).toMatchObject({
      kind: 'OrchestrationFailed',
      type: 'OrderFailed',
      message: 'order 7 failed',
      cause: {
        kind: 'ActivityFailed',
        type: 'PaymentDeclined',
        message: 'card refused',
        cause: { type: 'RangeError', message: 'limit 100 exceeded' },
      },
    });
    const cause = details.cause as ApplicationErrorDetails;
    expect(cause.stack).toContain('failures.test.ts');
    expect(cause.stack).not.toMatch(/replay[/\\]execution/);
  });

  it("a sub-orchestration's uncaught failure reaches the parent with the child's error", async () => {
    const h = await createHarness();
    registerCharge(h);
    h.runtime.registerOrchestration('Child', function* (ctx) {
      yield ctx.scheduleActivity('Charge', null);
    });
    h.runtime.registerOrchestration('Parent', function* (ctx) {
      return yield ctx.scheduleSubOrchestration('Child');
    });
    await h.runtime.start();
    await h.client.startOrchestration('sub-1', 'Parent');

    const details = await failureOf(h, 'sub-1');
    expect(details).toMatchObject({
      kind: 'ActivityFailed',
      type: 'PaymentDeclined',
      message: 'card refused',
      cause: { type: 'RangeError' },
    });
    expect(details.stack).toContain('failures.test.ts');
  });
});
