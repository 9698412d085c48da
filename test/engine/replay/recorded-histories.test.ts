/**
 * Committed histories (test/fixtures/histories/*.json) replayed against the current fixture code
 * and engine. They are data recorded once: an engine change that makes one of them fail would
 * break instances already stored in databases (gate such changes on history instead, style §5.3).
 *
 * Each `<name>.altered.json` is the same history with one deliberate change and must fail with
 * Nondeterminism naming the changed event.
 *
 * Re-record (new fixtures only): UPDATE_FIXTURES=1 npx vitest run test/engine/replay/recorded-histories.test.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ExecutionState } from '../../../src/engine/replay/execution.js';
import type { RecordedExecution, HistoryFile } from '../../fixtures/histories/recordings.js';
import { FIXTURES, recordFixture } from '../../fixtures/histories/recordings.js';
import {
  expectNondeterminism,
  guidsOfTurn,
  messagesOfTurn,
  normalize,
  splitTurns,
} from '../../helpers/history-builders.js';

const dir = fileURLToPath(new URL('../../fixtures/histories/', import.meta.url));
const pathOf = (name: string) => `${dir}${name}.json`;

if (process.env.UPDATE_FIXTURES === '1') {
  const prettier = await import('prettier');
  for (const name of Object.keys(FIXTURES)) {
    const { file, altered } = recordFixture(name);
    for (const [path, content] of [
      [pathOf(name), file],
      [pathOf(`${name}.altered`), altered],
    ] as const) {
      const options = (await prettier.resolveConfig(path)) ?? {};
      writeFileSync(path, await prettier.format(JSON.stringify(content), { ...options, parser: 'json' }));
    }
  }
}

function load(name: string): HistoryFile {
  return JSON.parse(readFileSync(pathOf(name), 'utf8')) as HistoryFile;
}

function newExecution(file: HistoryFile, execution: RecordedExecution): ExecutionState {
  return new ExecutionState({
    instanceId: file.instanceId,
    executionId: execution.executionId,
    handler: FIXTURES[file.orchestration]!.handler,
    ...(execution.kvSnapshot ? { kvSnapshot: execution.kvSnapshot } : {}),
  });
}

function startOf(execution: RecordedExecution) {
  const first = execution.events[0];
  if (first?.type !== 'OrchestrationStarted') throw new Error('history must start with OrchestrationStarted');
  const {
    event_id: _id,
    instance_id: _instance,
    execution_id: _execution,
    timestamp_ms: _ts,
    durox_version: _v,
    type: _type,
    ...start
  } = first;
  return start;
}

const TERMINAL_OF = {
  Completed: 'OrchestrationCompleted',
  Failed: 'OrchestrationFailed',
  ContinuedAsNew: 'OrchestrationContinuedAsNew',
};

describe.each(Object.keys(FIXTURES))('recorded history %s', (name) => {
  const file = load(name);
  const altered = load(`${name}.altered`);

  it('is a committed recording of this fixture', () => {
    expect(file.orchestration).toBe(name);
    expect(file.executions.length).toBeGreaterThan(0);
    for (const execution of file.executions) {
      expect(execution.events.map((e) => e.event_id)).toEqual(execution.events.map((_, i) => i + 1));
      const last = execution.events.at(-1)!;
      expect(execution.outcome.status).not.toBe('Running');
      expect(last.type).toBe(TERMINAL_OF[execution.outcome.status as keyof typeof TERMINAL_OF]);
    }
  });

  it('replays in full without nondeterminism and reaches the recorded outcome', () => {
    for (const execution of file.executions) {
      const exec = newExecution(file, execution);
      exec.replay(execution.events);
      const last = execution.events.at(-1)!;
      const { outcome } = exec.runTurn({ now: last.timestamp_ms, newGuid: () => 'unused', messages: [] });
      expect(normalize(outcome), `execution ${execution.executionId}`).toEqual(execution.outcome);
    }
  });

  it('replays every turn-boundary prefix, and an empty turn after it changes nothing', () => {
    for (const execution of file.executions) {
      const turns = splitTurns(execution.events);
      let prefix: typeof execution.events = [];
      for (const turn of turns.slice(0, -1)) {
        prefix = [...prefix, ...turn];
        const exec = newExecution(file, execution);
        exec.replay(prefix);
        const result = exec.runTurn({
          now: turn[0]!.timestamp_ms + 1,
          newGuid: () => 'unused',
          messages: [],
        });
        expect(result, `execution ${execution.executionId} after event ${prefix.length}`).toEqual({
          delta: [],
          outcome: { status: 'Running' },
        });
      }
    }
  });

  it('re-enacts every recorded turn exactly, on the full-replay path and on the cached path', () => {
    for (const execution of file.executions) {
      const turns = splitTurns(execution.events);
      const cached = newExecution(file, execution);
      let before: typeof execution.events = [];
      turns.forEach((turn, index) => {
        const messages = messagesOfTurn(turn, before);
        const input = (exec: ExecutionState) =>
          exec.runTurn({
            now: turn[0]!.timestamp_ms,
            newGuid: guidsOfTurn(turn, before),
            messages,
            ...(index === 0 ? { start: startOf(execution) } : {}),
          });
        const fresh = newExecution(file, execution);
        fresh.replay(before);
        const replayed = input(fresh);
        const kept = input(cached);
        const label = `execution ${execution.executionId}, turn ${index}`;
        expect(normalize(replayed.delta), `${label} (full replay)`).toEqual(turn);
        expect(normalize(kept.delta), `${label} (cached)`).toEqual(turn);
        expect(normalize(kept.outcome), label).toEqual(normalize(replayed.outcome));
        if (index === turns.length - 1) expect(normalize(kept.outcome)).toEqual(execution.outcome);
        else expect(kept.outcome).toEqual({ status: 'Running' });
        before = [...before, ...turn];
      });
    }
  });

  it('its altered copy fails with Nondeterminism naming the changed event', () => {
    const alteration = altered.alteration!;
    expect(alteration).toBeDefined();
    const execution = altered.executions.find((x) => x.executionId === alteration.execution)!;
    const exec = newExecution(altered, execution);
    exec.replay(execution.events);
    const { outcome, delta } = exec.runTurn({
      now: execution.events.at(-1)!.timestamp_ms,
      newGuid: () => 'unused',
      messages: [],
    });
    expectNondeterminism(outcome, ...alteration.expectMessage);
    expect(delta).toEqual([
      expect.objectContaining({ type: 'OrchestrationFailed', event_id: execution.events.length + 1 }),
    ]);
    // The other executions of the file are untouched and still replay.
    const original = file.executions.find((x) => x.executionId === alteration.execution)!;
    expect(execution.events).not.toEqual(original.events);
  });
});
