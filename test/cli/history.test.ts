/**
 * `durox demo`, `history dump`, `history show` and `history replay` end to end. The replay tests
 * dump a real history, then replay it against copies of the example module: unchanged (OK),
 * changed (exit 5, divergence named), properly versioned (OK) and without the recorded version.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { durox, EXAMPLE_JS, EXAMPLE_TS, tempDir } from './helpers.js';

const dir = tempDir();
const store = `sqlite:${join(dir, 'history.db')}`;
const dump = join(dir, 'dumps', 'demo-1.json');

beforeAll(async () => {
  const demo = await durox(['demo', '--id', 'demo-1', '--store', store, '--json']);
  expect(demo.code, demo.stderr).toBe(0);
  const doc = demo.json();
  expect(doc).toMatchObject({
    store,
    instanceId: 'demo-1',
    orchestrationName: 'OrderWorkflow',
    status: 'Completed',
    output: { orderId: 'demo-1', status: 'shipped', charged: 29, approvedBy: 'durox demo' },
  });
  const kinds = doc.history.executions[0].entries.map((e: { kind: string }) => e.kind);
  expect(kinds).toEqual(expect.arrayContaining(['ActivityScheduled', 'ExternalEvent', 'TimerFired']));
  expect(kinds.at(-1)).toBe('OrchestrationCompleted');

  const written = await durox(['history', 'dump', 'demo-1', '--out', dump, '--store', store, '--json']);
  expect(written.code, written.stderr).toBe(0);
  expect(written.json()).toEqual({ file: dump, instanceId: 'demo-1', executions: 1, events: kinds.length });
});

/** Copies of the example module in the temp dir. */
function writeModules() {
  const js = readFileSync(EXAMPLE_JS, 'utf8');
  const ts = readFileSync(EXAMPLE_TS, 'utf8');
  const change = (text: string): string =>
    text.replace("scheduleActivity('ChargePayment'", "scheduleActivity('ChargeCard'");
  const files = {
    original: join(dir, 'original.mjs'),
    changed: join(dir, 'changed.mjs'),
    changedTs: join(dir, 'changed-workflow.ts'),
    versioned: join(dir, 'versioned.mjs'),
    onlyV2: join(dir, 'only-v2.mjs'),
    throws: join(dir, 'throws.mjs'),
  };
  writeFileSync(files.original, js);
  writeFileSync(files.changed, change(js));
  writeFileSync(files.changedTs, change(ts));
  expect(change(ts)).not.toBe(ts);
  writeFileSync(
    files.versioned,
    `import * as v1 from './original.mjs';
import * as v2 from './changed.mjs';
export const orchestrations = {
  OrderWorkflow: { versions: { '1.0.0': v1.orchestrations.OrderWorkflow, '2.0.0': v2.orchestrations.OrderWorkflow } },
};
export const activities = v1.activities;
`,
  );
  writeFileSync(
    files.onlyV2,
    `import * as v2 from './changed.mjs';
export function register(runtime) {
  runtime.registerOrchestrationVersioned('OrderWorkflow', '2.0.0', v2.orchestrations.OrderWorkflow);
}
`,
  );
  writeFileSync(files.throws, "throw new Error('module exploded');\n");
  return files;
}

describe('history dump and show', () => {
  it('dumps the versioned format to stdout', async () => {
    const r = await durox(['history', 'dump', 'demo-1', '--store', store]);
    expect(r.code).toBe(0);
    const doc = r.json();
    expect(doc).toMatchObject({
      format: 'durox-history',
      formatVersion: 1,
      duroxVersion: expect.any(String),
      exportedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      instance: {
        instanceId: 'demo-1',
        orchestrationName: 'OrderWorkflow',
        orchestrationVersion: '1.0.0',
        status: 'Completed',
        currentExecutionId: 1,
        parentInstanceId: null,
      },
    });
    expect(doc.executions).toHaveLength(1);
    const x = doc.executions[0];
    expect(x).toMatchObject({
      executionId: 1,
      orchestrationName: 'OrderWorkflow',
      orchestrationVersion: '1.0.0',
      status: 'Completed',
      kvSnapshot: {},
    });
    expect(x.events[0]).toMatchObject({ type: 'OrchestrationStarted', event_id: 1, instance_id: 'demo-1' });
    expect(JSON.parse(readFileSync(dump, 'utf8')).executions[0].events).toEqual(x.events);

    const missing = await durox(['history', 'dump', 'demo-1', '--execution', '9', '--store', store]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('has no execution 9');
  });

  it('shows a timeline with schedules linked to completions (store and --file)', async () => {
    const [human, fromFile] = await Promise.all([
      durox(['history', 'show', 'demo-1', '--store', store]),
      durox(['history', 'show', '--file', dump, '--json']),
    ]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^demo-1\s+OrderWorkflow 1\.0\.0\s+Completed/);
    expect(human.stdout).toMatch(/#3\s+\+\S+\s+ActivityScheduled\s+ValidateOrder\(.*⟶ #4 after/);
    expect(human.stdout).toMatch(/ActivityCompleted\s+ValidateOrder → \{"total":29\} ⟵ #3/);
    expect(human.stdout).toMatch(/ExternalEvent\s+event "approval" \{"by":"durox demo"\} ⟵ #8/);
    expect(human.stdout).toMatch(/TimerCreated\s+fires after 1\.0s ⟶ #13/);
    expect(fromFile.code).toBe(0);
    const timeline = fromFile.json();
    expect(timeline).toMatchObject({ instanceId: 'demo-1', status: 'Completed' });
    const entries = timeline.executions[0].entries;
    expect(entries[2]).toMatchObject({
      eventId: 3,
      kind: 'ActivityScheduled',
      completedBy: { eventId: 4, kind: 'ActivityCompleted' },
    });
    expect(entries[3]).toMatchObject({ eventId: 4, kind: 'ActivityCompleted', sourceEventId: 3 });
  });
});

describe('history replay', () => {
  it('accepts unchanged and properly versioned code; catches a change (exit 5)', async () => {
    const files = writeModules();
    const [same, sameTs, changed, changedTs, versioned] = await Promise.all([
      durox(['history', 'replay', dump, '--module', files.original]),
      durox(['history', 'replay', dump, '--module', EXAMPLE_TS, '--json']),
      durox(['history', 'replay', dump, '--module', files.changed]),
      durox(['history', 'replay', dump, '--module', files.changedTs, '--json']),
      durox(['history', 'replay', dump, dump, '--module', files.versioned, '--json']),
    ]);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toMatch(/^OK\s+.*demo-1\.json: OrderWorkflow@1\.0\.0 \(17 events\)/m);
    expect(sameTs.code, sameTs.stderr).toBe(0);
    expect(sameTs.json()).toMatchObject({ ok: true, summary: { ok: 1, diverged: 0, missing: 0 } });

    expect(changed.code).toBe(5);
    expect(changed.stdout).toMatch(/^DIVERGED\s+.*OrderWorkflow@1\.0\.0 at event 5/m);
    expect(changed.stdout).toMatch(/recorded: ActivityScheduled\(name="ChargePayment"/);
    expect(changed.stdout).toMatch(/code now: ActivityScheduled\(name="ChargeCard"/);
    // The fourth line, as docs/cli.md shows it.
    expect(changed.stdout).toMatch(
      /^ {10}schedule mismatch: action=ActivityScheduled\(name="ChargeCard".* vs event=ActivityScheduled\(name="ChargePayment".*\(event_id 5\)$/m,
    );
    expect(changedTs.code).toBe(5);
    const report = changedTs.json();
    expect(report).toMatchObject({ ok: false, summary: { ok: 0, diverged: 1, missing: 0 } });
    expect(report.files[0]).toMatchObject({ file: dump, instanceId: 'demo-1', result: 'diverged' });
    expect(report.files[0].executions[0].divergence).toMatchObject({
      eventId: 5,
      recorded: expect.stringContaining('ChargePayment'),
      actual: expect.stringContaining('ChargeCard'),
    });

    expect(versioned.code, versioned.stderr).toBe(0);
    expect(versioned.json()).toMatchObject({ ok: true, summary: { ok: 2 } });
  });

  it('reports a missing version (exit 1) and bad input (exit 2) with one clear line', async () => {
    const files = writeModules();
    const notJson = join(dir, 'not-json.json');
    const wrongFormat = join(dir, 'wrong-format.json');
    writeFileSync(notJson, '{ nope');
    writeFileSync(wrongFormat, JSON.stringify({ format: 'something-else', formatVersion: 1 }));
    const [missing, badFile, badFormat, throws, noModule, noFile] = await Promise.all([
      durox(['history', 'replay', dump, '--module', files.onlyV2, '--json']),
      durox(['history', 'replay', notJson, '--module', files.original]),
      durox(['history', 'replay', wrongFormat, '--module', files.original]),
      durox(['history', 'replay', dump, '--module', files.throws]),
      durox(['history', 'replay', dump, '--module', join(dir, 'nope.js')]),
      durox(['history', 'replay', '--module', files.original]),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.json().files[0].executions[0]).toMatchObject({
      result: 'missing',
      message: expect.stringContaining(
        'OrderWorkflow@1.0.0 is not registered (registered: OrderWorkflow@2.0.0)',
      ),
    });
    for (const [r, text] of [
      [badFile, 'not valid JSON'],
      [badFormat, 'format'],
      [throws, 'failed to load: module exploded'],
      [noModule, 'not found'],
      [noFile, 'missing argument <file>'],
    ] as const) {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n')[0]).toMatch(/^error: /);
      expect(r.stderr.split('\n')[0]).toContain(text);
    }
  });
});
