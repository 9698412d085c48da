// npx vitest run --config examples/testing/vitest.config.mjs
import { afterEach, beforeEach, expect, it } from 'vitest';
import { TestEnvironment } from 'durox/testing';
import { register } from './reminder.mjs';

let env;
beforeEach(async () => {
  env = await TestEnvironment.create({ register, startTime: new Date('2030-01-01T00:00:00Z') });
});
afterEach(() => env.close());

it('sends nothing before day 30, then the reminder', async () => {
  await env.client.startOrchestration('user-1', 'Reminder', 'ann@example.com');
  await env.sleep('29d');
  expect((await env.client.getStatus('user-1')).status).toBe('Running');
  await env.sleep('1d');
  expect((await env.client.getStatus('user-1')).output).toBe('sent to ann@example.com');
});
