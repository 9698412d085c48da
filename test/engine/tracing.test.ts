/**
 * initTracing: traces and runtime logs of a real script land in the file, in each format,
 * filtered by level, appended, once per trace call despite replay; a second call and an
 * unwritable path fail as in duroxide-node. initTracing is process-wide, so each case that
 * installs it runs test/fixtures/tracing-script.mjs in its own process.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initTracing, isDuroxError } from '../../src/index.js';
import { activeTraceFile } from '../../src/engine/tracing.js';

const SCRIPT = fileURLToPath(new URL('../fixtures/tracing-script.mjs', import.meta.url));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'durox-tracing-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the fixture to its end with `env` (DUROX_LOG removed, so only the options count). */
async function runScript(env: Record<string, string>): Promise<Run> {
  const { DUROX_LOG: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, [SCRIPT], {
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stdout, stderr };
}

/** Runs the fixture and returns the trace file's lines (the run must succeed). */
async function traceLines(env: Record<string, string> = {}): Promise<string[]> {
  const file = join(dir, 'durox.log');
  const run = await runScript({ TRACE_FILE: file, ...env });
  expect(run.stderr).toBe('');
  expect(run.stdout).toContain('status: Completed');
  expect(run.code).toBe(0);
  return readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

const count = (lines: string[], text: string): number => lines.filter((l) => l.includes(text)).length;

describe('initTracing in a script', () => {
  it('writes compact lines by default: orchestration, activity and runtime records, each trace once', async () => {
    const lines = await traceLines();
    for (const line of lines) {
      expect(line).toMatch(
        /^\d{4}-\d\d-\d\dT[\d:.]+Z +(ERROR|WARN|INFO|DEBUG) durox::(orchestration|activity|runtime): /,
      );
    }
    expect(lines).toContainEqual(
      expect.stringMatching(
        / INFO durox::orchestration: orchestration info: starting instance_id=traced-1 execution_id=1 orchestration_name=Traced orchestration_version=1\.0\.0$/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        / INFO durox::activity: activity info job instance_id=traced-1 execution_id=1 activity_name=Work activity_id=\d+ worker_id=\S+$/,
      ),
    );
    expect(lines).toContainEqual(expect.stringMatching(/ INFO durox::runtime: durox runtime \w+ started/));
    // Three turns replay the orchestration from the top (no cache): each trace is still written once.
    expect(count(lines, 'orchestration info: starting')).toBe(1);
    expect(count(lines, 'orchestration warn: got job done')).toBe(1);
    expect(count(lines, 'orchestration error: finishing')).toBe(1);
    expect(count(lines, 'activity info job')).toBe(1);
    // The default level is info.
    expect(count(lines, 'debug')).toBe(0);
  });

  it('writes one JSON object per line with logFormat json', async () => {
    const records = (await traceLines({ TRACE_FORMAT: 'json' })).map(
      (line) =>
        JSON.parse(line) as {
          timestamp: string;
          level: string;
          target: string;
          fields: Record<string, unknown>;
        },
    );
    const start = records.filter((r) => r.fields.message === 'orchestration info: starting');
    expect(start).toHaveLength(1);
    expect(start[0]).toMatchObject({
      level: 'INFO',
      target: 'durox::orchestration',
      fields: {
        instance_id: 'traced-1',
        execution_id: 1,
        orchestration_name: 'Traced',
        orchestration_version: '1.0.0',
      },
    });
    expect(Date.parse(start[0]!.timestamp)).not.toBeNaN();
    const activity = records.find((r) => r.fields.message === 'activity info job');
    expect(activity).toMatchObject({
      level: 'INFO',
      target: 'durox::activity',
      fields: { instance_id: 'traced-1', activity_name: 'Work' },
    });
    expect(records.find((r) => r.fields.message === 'orchestration error: finishing')?.level).toBe('ERROR');
  });

  it('writes a header line and one indented line per field with logFormat pretty', async () => {
    const lines = await traceLines({ TRACE_FORMAT: 'pretty' });
    const header = lines.findIndex((l) =>
      /  INFO durox::orchestration: orchestration info: starting$/.test(l),
    );
    expect(header).toBeGreaterThanOrEqual(0);
    expect(lines.slice(header + 1, header + 5)).toEqual([
      '    instance_id: traced-1',
      '    execution_id: 1',
      '    orchestration_name: Traced',
      '    orchestration_version: 1.0.0',
    ]);
  });

  it('filters by logLevel', async () => {
    const warn = await traceLines({ TRACE_LEVEL: 'warn' });
    expect(count(warn, 'orchestration warn: got job done')).toBe(1);
    expect(count(warn, 'orchestration error: finishing')).toBe(1);
    expect(count(warn, 'orchestration info')).toBe(0);
    expect(count(warn, 'activity info')).toBe(0);
    expect(count(warn, 'durox::runtime: durox runtime')).toBe(0);

    rmSync(join(dir, 'durox.log'));
    const debug = await traceLines({ TRACE_LEVEL: 'debug' });
    expect(count(debug, 'DEBUG durox::orchestration: orchestration debug')).toBe(1);
    expect(count(debug, 'DEBUG durox::activity: activity debug')).toBe(1);
    expect(count(debug, 'orchestration info: starting')).toBe(1);
  });

  it('appends to an existing file', async () => {
    writeFileSync(join(dir, 'durox.log'), 'a line written before\n');
    await traceLines();
    const lines = await traceLines();
    expect(lines[0]).toBe('a line written before');
    expect(count(lines, 'orchestration info: starting')).toBe(2);
  });

  it('refuses a second call: the first file keeps receiving everything', async () => {
    const second = join(dir, 'second.log');
    const lines = await traceLines({ TRACE_SECOND_FILE: second });
    expect(count(lines, 'orchestration info: starting')).toBe(1);
    expect(readFileSync(second, 'utf8')).toBe('');
  });
});

describe('initTracing input errors', () => {
  it('reports the second call with "Failed to init tracing"', async () => {
    const run = await runScript({
      TRACE_FILE: join(dir, 'first.log'),
      TRACE_SECOND_FILE: join(dir, 'second.log'),
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^second call: Failed to init tracing: .*first\.log/m);
  });

  it('throws "Failed to open log file" for a path that cannot be opened, installing nothing', () => {
    for (const logFile of [join(dir, 'missing', 'sub', 'durox.log'), dir]) {
      let error: unknown;
      try {
        initTracing({ logFile });
      } catch (err) {
        error = err;
      }
      expect(isDuroxError(error, 'INVALID_INPUT')).toBe(true);
      expect((error as Error).message).toContain(`Failed to open log file '${logFile}'`);
    }
    expect(existsSync(join(dir, 'missing'))).toBe(false);
    expect(activeTraceFile()).toBeNull();
  });

  it('rejects an unknown level naming the option, installing nothing', () => {
    const logFile = join(dir, 'durox.log');
    expect(() => initTracing({ logFile, logLevel: 'verbose' as 'info' })).toThrow(/logLevel/);
    expect(activeTraceFile()).toBeNull();
  });
});
