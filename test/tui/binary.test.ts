/**
 * The real `durox tui` binary (the built `bin/run.js`): in a pseudo-terminal (util-linux
 * `script`) against a populated store it draws the screens, follows keys, quits on q with exit
 * code 0 and restores the terminal; without a terminal it exits 2 pointing to the --json
 * commands.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { populatedStore } from './store.js';
import type { TestStore } from './store.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url));
const BUILT = fileURLToPath(new URL('../../dist/commands/tui.js', import.meta.url));
const HAS_SCRIPT = spawnSync('script', ['--version']).status === 0;

let store: TestStore;
const children: ChildProcess[] = [];

beforeAll(async () => {
  if (!existsSync(BUILT))
    throw new Error('dist/ is missing the tui command: run `npm run build` before this test');
  store = await populatedStore();
});

afterAll(async () => {
  await store?.close();
});

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** A process whose output is collected; `until` waits (bounded) for it to show a text. */
function start(command: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of [...waiters]) w();
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const until = (text: string, timeoutMs = 15_000): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (stripVTControlCharacters(out).includes(text)) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(
          new Error(
            `no "${text}" within ${timeoutMs} ms; stderr: ${err}\nscreen:\n${stripVTControlCharacters(out).slice(-3000)}`,
          ),
        );
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return { child, until, exited, out: () => out, err: () => err };
}

describe('durox tui (binary)', () => {
  it.skipIf(!HAS_SCRIPT)(
    'draws the screens in a terminal, follows keys and quits cleanly with q',
    async () => {
      const tui = start(
        'script',
        [
          '-qfec',
          `stty cols 100 rows 30; exec ${process.execPath} ${BIN} tui --store sqlite:${store.dbPath} --refresh 200`,
          '/dev/null',
        ],
        { TERM: 'xterm-256color' },
      );
      await tui.until('Latest failures');
      await tui.until('✗ card declined');
      await tui.until('5 total · 7 executions');
      tui.child.stdin!.write('2');
      await tui.until('1–5 of 5');
      await tui.until('approval-1');
      // Sort by id, then open the first row.
      tui.child.stdin!.write('s');
      await tui.until('Sort updated');
      tui.child.stdin!.write('s');
      await tui.until('Sort id ↑');
      tui.child.stdin!.write('\r');
      await tui.until('approval-1 · Approval 1.0.0 · Running');
      await tui.until('waiting for event "approve"');
      tui.child.stdin!.write('?');
      await tui.until('Keys (? or Esc closes this help)');
      tui.child.stdin!.write('q');
      expect(await tui.exited).toBe(0);
      const raw = tui.out();
      // Entered and left the alternate screen, and showed the cursor again.
      expect(raw).toContain('\u001b[?1049h');
      expect(raw.lastIndexOf('\u001b[?1049l')).toBeGreaterThan(raw.lastIndexOf('Keys (? or Esc'));
      expect(raw).toContain('\u001b[?25h');
    },
  );

  it('without a terminal exits 2 and points to the --json commands', async () => {
    const tui = start(process.execPath, [BIN, 'tui', '--store', `sqlite:${store.dbPath}`]);
    tui.child.stdin!.end();
    expect(await tui.exited).toBe(2);
    expect(tui.err()).toContain('durox tui needs an interactive terminal');
    expect(tui.err()).toContain('durox orchestration list --json');
    expect(tui.out()).toBe('');
  });

  it('rejects a bad --refresh as bad usage', async () => {
    const tui = start(process.execPath, [BIN, 'tui', '--refresh', '5']);
    tui.child.stdin!.end();
    expect(await tui.exited).toBe(2);
    expect(tui.err()).toContain(
      '--refresh must be a whole number of milliseconds from 100 to 60000 (got "5")',
    );
  });
});
