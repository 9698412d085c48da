// node --test examples/testing/node-test.mjs
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TestEnvironment } from 'durox/testing';
import { register } from './reminder.mjs';

let env;
before(async () => {
  env = await TestEnvironment.create({ register, startTime: '2030-01-01T00:00:00Z' });
});
after(() => env.close());

test('the reminder goes out 30 days later', async () => {
  await env.client.startOrchestration('user-1', 'Reminder', 'ann@example.com');
  const status = await env.client.waitForOrchestration('user-1');
  assert.equal(status.output, 'sent to ann@example.com');
  assert.equal(new Date(env.now()).toISOString(), '2030-01-31T00:00:00.000Z');
});

test('a mocked activity', async () => {
  env.mockActivity('SendReminder', async () => 'mocked');
  await env.client.startOrchestration('user-2', 'Reminder', 'bob@example.com');
  assert.equal((await env.client.waitForOrchestration('user-2')).output, 'mocked');
});
