/**
 * The actions of `durox tui` through its dialogs, on a store a Runtime keeps working: cancel,
 * raise an event (validated name and JSON payload), delete (force for a running instance,
 * refused for a sub-orchestration), prune executions, and dismissing each dialog.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { KEYS, renderTui, stable } from './render.js';
import type { Tui } from './render.js';
import { populatedStore } from './store.js';
import type { TestStore } from './store.js';

const stores: TestStore[] = [];

afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

async function store(): Promise<TestStore> {
  const s = await populatedStore({ keepRunning: true });
  stores.push(s);
  return s;
}

/** The instance table sorted by id (approval-1, counter-1, order-1, order-1-ship, order-2). */
async function table(s: TestStore): Promise<Tui> {
  const t = renderTui({ client: s.client, initialView: 'instances' });
  await t.waitFor('1–5 of 5');
  await t.press('s', 'Sort updated');
  await t.press('s', 'Sort id ↑');
  return t;
}

async function select(t: Tui, id: string): Promise<void> {
  while (!new RegExp(`^› ${id} `, 'm').test(t.frame())) await t.press(KEYS.down);
}

describe('cancel', () => {
  it('asks, and cancels the instance on y', async () => {
    const s = await store();
    const t = await table(s);
    const question = 'Cancel approval-1? It ends Failed (canceled)';
    let frame = await t.press('c', question);
    expect(frame).toContain('y/⏎ yes · n/Esc no');
    await expect(stable(frame)).toMatchFileSnapshot('./__frames__/confirm-cancel.txt');
    frame = await t.press('n', (f) => !f.includes(question));
    expect((await s.client.getStatus('approval-1')).status).toBe('Running');
    await t.press('c', question);
    frame = await t.press('y', 'cancellation requested for approval-1');
    frame = await t.waitFor((f) => /approval-1 +Approval 1\.0\.0 +Failed/.test(f));
    expect((await s.client.getStatus('approval-1')).error).toMatch(/cancel/);
  });

  it('refuses an instance that already ended', async () => {
    const s = await store();
    const t = await table(s);
    await select(t, 'order-1');
    await t.press('c', 'Cancel order-1?');
    await t.press(KEYS.enter, 'cannot cancel order-1: it already ended (Completed)');
  });
});

describe('raise an event', () => {
  it('validates the name and the JSON payload, then raises it', async () => {
    const s = await store();
    const t = await table(s);
    await t.press(KEYS.enter, 'approval-1 · Approval 1.0.0 · Running');
    let frame = await t.press('e', 'Raise an event for approval-1');
    // An empty name is refused once the form is sent.
    await t.press(KEYS.enter, (f) => /› JSON payload:/.test(f));
    frame = await t.press(KEYS.enter, 'event name must not be empty');
    await t.press(KEYS.tab, (f) => /› Event name:/.test(f));
    await t.press('approve', (f) => /› Event name: +approve/.test(f));
    await t.press(KEYS.tab, (f) => /› JSON payload:/.test(f));
    await t.press('{by: tui}', '{by: tui}');
    frame = await t.press(KEYS.enter, 'payload is not valid JSON');
    await expect(stable(frame)).toMatchFileSnapshot('./__frames__/raise-invalid.txt');
    for (let i = 0; i < '{by: tui}'.length; i++) await t.press(KEYS.backspace);
    await t.press('{"by":"tui"}', '{"by":"tui"}');
    frame = await t.press(KEYS.enter, 'raised approve for approval-1');
    frame = await t.waitFor((f) => f.includes('approval-1 · Approval 1.0.0 · Completed'));
    expect(frame).toContain('Output {"by":"tui"}');
    expect(frame).toMatch(/ExternalEvent +←#4 \d+m?s +event "approve" \{"by":"tui"\}/);
    expect(frame).toMatch(/ExternalSubscribed +→#5 \d+m?s +waiting for event "approve"/);
  });

  it('Esc closes the form without sending', async () => {
    const s = await store();
    const t = await table(s);
    await t.press('e', 'Raise an event for approval-1');
    await t.press('approve', 'approve');
    await t.press(KEYS.escape, (f) => !f.includes('Raise an event'));
    await t.press('r', (f) => f.includes('waiting for approval'));
    expect((await s.client.getStatus('approval-1')).status).toBe('Running');
  });

  it('refuses an instance that already ended', async () => {
    const s = await store();
    const t = await table(s);
    await select(t, 'order-2');
    await t.press('e', 'Raise an event for order-2');
    await t.press('go', 'go');
    await t.press(KEYS.enter, (f) => /› JSON payload:/.test(f));
    await t.press(KEYS.enter, 'cannot raise an event for order-2: it already ended (Failed)');
  });
});

describe('delete', () => {
  it('deletes a finished root instance with its sub-orchestrations', async () => {
    const s = await store();
    const t = await table(s);
    await select(t, 'order-1');
    let frame = await t.press(
      'd',
      'Delete order-1 with its sub-orchestrations and history? This cannot be undone.',
    );
    frame = await t.press('y', (f) => /deleted order-1 \(2 instances, \d+ events\)/.test(f));
    frame = await t.waitFor('1–3 of 3');
    expect(frame).not.toMatch(/^[› ] order-1/m);
    expect((await s.client.getStatus('order-1-ship')).status).toBe('NotFound');
  });

  it('force-deletes a running instance from its detail screen and goes back to the list', async () => {
    const s = await store();
    const t = await table(s);
    await select(t, 'counter-1');
    await t.press(KEYS.enter, 'counter-1 · Counter 1.0.0 · Running');
    let frame = await t.press('d', 'counter-1 is still running. Force-delete it');
    await expect(stable(frame)).toMatchFileSnapshot('./__frames__/confirm-delete-running.txt');
    frame = await t.press('y', (f) => f.includes('deleted counter-1') && f.includes('of 4'));
    expect(frame).toContain('INSTANCE');
    expect((await s.client.getStatus('counter-1')).status).toBe('NotFound');
  });

  it('refuses a sub-orchestration, pointing to its root', async () => {
    const s = await store();
    const t = await table(s);
    await select(t, 'order-1-ship');
    const frame = await t.press(
      'd',
      'order-1-ship is a sub-orchestration of order-1: delete the root instead',
    );
    expect(frame).not.toContain('Delete order-1-ship');
  });

  it('n keeps the instance', async () => {
    const s = await store();
    const t = await table(s);
    await select(t, 'order-2');
    await t.press('d', 'Delete order-2');
    await t.press(KEYS.escape, (f) => !f.includes('Delete order-2'));
    await t.press('r', 'of 5');
    expect((await s.client.getStatus('order-2')).status).toBe('Failed');
  });
});

describe('prune executions', () => {
  it('keeps only the current execution', async () => {
    const s = await store();
    const t = await table(s);
    await select(t, 'counter-1');
    await t.press(KEYS.enter, 'Executions (3)');
    await t.press('p', 'Prune old executions of counter-1, keeping only the current one?');
    const frame = await t.press('y', (f) => /pruned 2 executions \(\d+ events\) of counter-1/.test(f));
    await t.waitFor('Executions (1)');
    expect(frame).toContain('counter-1 · Counter 1.0.0 · Running');
    expect(await s.client.listExecutions('counter-1')).toEqual([3]);
  });
});

describe('live overview', () => {
  it('charts completions per interval from successive metrics', async () => {
    const s = await store();
    const t = renderTui({ client: s.client, refreshMs: 100 });
    await t.waitFor('/s finished');
    expect(t.frame()).toContain('peak 0/10s');
    for (let i = 0; i < 3; i++) await s.client.startOrchestration(`ship-${i}`, 'Shipping', `Dock ${i}`);
    const frame = await t.waitFor('peak 3/10s');
    expect(frame).toMatch(/-5m ▁{29}█ now/);
    expect(frame).toMatch(/Completed +5 /);
    expect(frame).not.toMatch(/ 0\.0\/s finished/);
  });
});
