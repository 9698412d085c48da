/**
 * The in-process wake-up signal's instance waits: a wait for an instance's end is not woken by
 * turns that leave it running (each such wake-up cost a waitForOrchestration a status read per
 * step), while waits for any change still are.
 */
import { describe, expect, it } from 'vitest';
import { WakeSignal } from '../../src/providers/wake-signal.js';
import type { OrchestrationAck } from '../../src/core/provider.js';
import { emptyAck } from '../../src/providers/validation/builders.js';

class TestSignal extends WakeSignal {
  protected override onTimerFired(): void {}
}

/** A turn's ack with only the execution status that matters here. */
function ackWithStatus(status: NonNullable<OrchestrationAck['metadata']['status']>): OrchestrationAck {
  return emptyAck({ metadata: { status } });
}

/** Records whether `wait` has settled, checked after pending callbacks ran. */
function track(wait: Promise<void>): { settled: () => Promise<boolean> } {
  let done = false;
  void wait.then(() => (done = true));
  return {
    settled: async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return done;
    },
  };
}

describe('WakeSignal instance waits', () => {
  it("wakes 'end' waits only for turns that may have ended the instance", async () => {
    const signal = new TestSignal();
    const end = track(signal.waitForInstanceChange('i', 60_000, undefined, 'end'));
    const any = signal.waitForInstanceChange('i', 60_000);
    signal.notifyTurn('i', ackWithStatus('Running'), ['i']);
    await any; // the running turn reached the 'any' wait …
    expect(await end.settled()).toBe(false); // … and left the 'end' wait alone
    signal.notifyTurn('i', ackWithStatus('ContinuedAsNew'), ['i']);
    expect(await end.settled()).toBe(false);
    signal.notifyTurn('i', ackWithStatus('Completed'), ['i']);
    expect(await end.settled()).toBe(true);
    signal.close();
  });

  it('treats messages to other instances as progress, and unclassified notices as possible ends', async () => {
    const signal = new TestSignal();
    const target = track(signal.waitForInstanceChange('target', 60_000, undefined, 'end'));
    const targetAny = signal.waitForInstanceChange('target', 60_000);
    // A completing turn of 'parent' that sent 'target' a message: only 'parent' may have ended.
    signal.notifyTurn('parent', ackWithStatus('Completed'), ['parent', 'target']);
    await targetAny;
    expect(await target.settled()).toBe(false);
    signal.notifyInstance('target'); // a delete, a peer's NOTIFY: not known to be progress
    expect(await target.settled()).toBe(true);
    signal.close();
  });

  it("remembers an end nobody waited for, but not a turn that left the instance running, for 'end' waits", async () => {
    const signal = new TestSignal();
    signal.notifyTurn('i', ackWithStatus('Running'), ['i']);
    const end = track(signal.waitForInstanceChange('i', 60_000, undefined, 'end'));
    expect(await end.settled()).toBe(false);
    // An 'any' wait started now sees the remembered change at once.
    await signal.waitForInstanceChange('i', 60_000);
    signal.notifyTurn('j', ackWithStatus('Failed'), ['j']);
    await signal.waitForInstanceChange('j', 60_000, undefined, 'end');
    signal.close();
    expect(await end.settled()).toBe(true); // close releases every waiter
  });
});
