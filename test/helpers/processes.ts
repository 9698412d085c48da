/**
 * Spawning real worker processes for crash and multi-process tests.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';

const WORKER = fileURLToPath(new URL('../fixtures/worker.mjs', import.meta.url));
const children = new Set<ChildProcess>();

afterEach(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  children.clear();
});

/**
 * Starts `test/fixtures/worker.mjs` (or another fixture `script`) on `dbPath` and resolves once
 * it prints "ready".
 */
export async function startWorker(
  dbPath: string,
  env: Record<string, string> = {},
  script: string = WORKER,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [script, dbPath], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code} before ready: ${stderr}`)));
  });
  return child;
}

/** Path of a fixture script in test/fixtures. */
export function fixtureScript(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
}

/** Sends `signal` and waits for the process to exit. */
export async function stopWorker(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}
