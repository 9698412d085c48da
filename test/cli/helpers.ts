/**
 * Helpers for the CLI end-to-end tests: they spawn the built binary (`node bin/run.js`), building
 * `dist/` first when it is older than the sources.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'run.js');
export const EXAMPLE_JS = join(ROOT, 'dist', 'examples', 'order-workflow.js');
export const EXAMPLE_TS = join(ROOT, 'src', 'examples', 'order-workflow.ts');
export const TEST_MODULE = fileURLToPath(new URL('./fixtures/test-workflows.mjs', import.meta.url));

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** Builds dist/ when a source file is newer than the built CLI (once across parallel test files). */
function ensureBuilt(): void {
  const built = join(ROOT, 'dist', 'commands', 'demo', 'index.js');
  // Written when a build fails, so that the other test files of the run do not try again.
  const failed = join(ROOT, 'dist', '.cli-test-build-failed');
  const stale = (): boolean => {
    try {
      const last = Math.max(statSync(built).mtimeMs, existsSync(failed) ? statSync(failed).mtimeMs : 0);
      return newest(join(ROOT, 'src')) > last;
    } catch {
      return true;
    }
  };
  if (!stale()) return;
  const lock = join(ROOT, 'dist', '.cli-test-build.lock');
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another test file is building: wait for it (a lock left by a killed run expires).
      if (Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 300_000)
        rmSync(lock, { recursive: true, force: true });
      spawnSync(process.execPath, ['-e', 'setTimeout(() => {}, 200)']);
    }
  }
  try {
    if (stale()) {
      const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
      if (build.status !== 0) {
        // With a previous build present, test that one (the failure is someone's work in progress
        // elsewhere in src/; `npm test` builds first and fails on it anyway).
        if (!existsSync(built)) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
        writeFileSync(failed, build.stdout);
        console.warn(`npm run build failed; testing the previous build in dist/\n${build.stdout}`);
      }
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

beforeAll(() => ensureBuilt(), 300_000);

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as one JSON document. */
  json: () => any;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  input?: string;
  timeoutMs?: number;
  /** startWorker: leave out the test's concurrency flags (the store's recommendation applies). */
  storeConcurrency?: boolean;
}

/** A fresh temporary directory, removed after the file's tests. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'durox-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', DUROX_STORE: undefined, ...extra };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return env;
}

/** Runs `durox <args>` to completion. */
export function durox(args: string[], options: RunOptions = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: cliEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.end(options.input ?? '');
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        code,
        stdout,
        stderr,
        json: () => {
          try {
            return JSON.parse(stdout);
          } catch {
            throw new Error(`stdout is not one JSON document (exit ${code}):\n${stdout}\nstderr:\n${stderr}`);
          }
        },
      });
    });
  });
}

/** A `durox worker run` process. */
export interface WorkerProcess {
  child: ChildProcess;
  stderr: () => string;
  stdout: () => string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

const workers = new Set<ChildProcess>();
// Workers may live across the tests of a file (started in beforeAll): reap them after the file.
afterAll(() => {
  for (const child of workers)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  workers.clear();
});

/** Starts `durox worker run <args>` and resolves once it reports that it started. */
export async function startWorker(args: string[], options: RunOptions = {}): Promise<WorkerProcess> {
  const child = spawn(
    process.execPath,
    [
      BIN,
      'worker',
      'run',
      // Test defaults, unless the test passes the flag itself.
      ...[
        ['--poll-interval', '20ms'],
        ['--orchestration-concurrency', '2'],
        ['--worker-concurrency', '2'],
      ]
        .filter(([flag]) => !args.includes(flag!))
        .filter(([flag]) => !(options.storeConcurrency === true && flag!.endsWith('-concurrency')))
        .flat(),
      ...args,
    ],
    {
      cwd: options.cwd ?? ROOT,
      env: cliEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  workers.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('durox worker started')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code} before starting:\n${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    stderr: () => stderr,
    stdout: () => stdout,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
