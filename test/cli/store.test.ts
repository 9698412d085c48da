/**
 * Store selection (`--store` > DUROX_STORE > ~/.durox/durox.db), unreachable stores (exit 10),
 * usage errors (exit 2) and the error output contract: one line plus a hint on stderr, a JSON
 * error document on stdout with --json, stacks only with --debug.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { durox, tempDir } from './helpers.js';

const dir = tempDir();

describe('store selection', () => {
  it('uses ~/.durox/durox.db by default, creating it on first use (durox demo)', async () => {
    const home = join(dir, 'home');
    mkdirSync(home);
    const r = await durox(['demo', '--id', 'home-demo'], { env: { HOME: home } });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(home, '.durox', 'durox.db'))).toBe(true);
    expect(r.stdout).toContain(`store: sqlite:${join(home, '.durox', 'durox.db')}`);
    expect(r.stdout).toMatch(/4\. Completed in/);
    expect(r.stdout).toContain('"status": "shipped"');
    expect(r.stdout).toMatch(/OrchestrationCompleted\s+output=/);
    const list = await durox(['orch', 'list', '--json'], { env: { HOME: home } });
    expect(list.json().instances.map((i: { instanceId: string }) => i.instanceId)).toEqual(['home-demo']);
    // Like `orch start`, the demo refuses an id that exists instead of silently dropping its start.
    const again = await durox(['demo', '--id', 'home-demo'], { env: { HOME: home } });
    expect(again.code).toBe(2);
    expect(again.stdout).toBe('');
    expect(again.stderr).toBe(
      "error: instance 'home-demo' already exists (Completed)\nhint: choose another --id, or delete the instance first\n",
    );
  });

  it('DUROX_STORE applies, and --store wins over it', async () => {
    const fromEnv = join(dir, 'env.db');
    const fromFlag = join(dir, 'flag.db');
    const [env, flag] = await Promise.all([
      durox(['metrics', '--json'], { env: { DUROX_STORE: `sqlite:${fromEnv}` } }),
      durox(['metrics', '--json', '--store', `sqlite:${fromFlag}`], {
        env: { DUROX_STORE: 'sqlite::memory:' },
      }),
    ]);
    expect(env.code).toBe(0);
    expect(flag.code).toBe(0);
    expect(existsSync(fromEnv)).toBe(true);
    expect(existsSync(fromFlag)).toBe(true);
  });

  it('expands ~ in sqlite: URLs from --store and DUROX_STORE to the home directory', async () => {
    const home = join(dir, 'tilde-home');
    const cwd = join(dir, 'tilde-cwd');
    mkdirSync(home);
    mkdirSync(cwd);
    const [flag, env] = await Promise.all([
      durox(['metrics', '--json', '--store', 'sqlite:~/.durox/flag.db'], { env: { HOME: home }, cwd }),
      durox(['metrics', '--json'], { env: { HOME: home, DUROX_STORE: 'sqlite:~/env.db' }, cwd }),
    ]);
    expect(flag.code, flag.stderr).toBe(0);
    expect(env.code, env.stderr).toBe(0);
    expect(existsSync(join(home, '.durox', 'flag.db'))).toBe(true);
    expect(existsSync(join(home, 'env.db'))).toBe(true);
    // Not a folder literally named "~" in the working directory.
    expect(existsSync(join(cwd, '~'))).toBe(false);
  });
});

describe('errors', () => {
  it('exit 10 when the store cannot be opened or reached', async () => {
    const folder = join(dir, 'a-folder');
    mkdirSync(folder);
    const garbage = join(dir, 'garbage.db');
    writeFileSync(
      garbage,
      'this is not a database, just text padding it out to a few hundred bytes. '.repeat(20),
    );
    const results = await Promise.all([
      durox(['orch', 'list', '--store', `sqlite:${folder}`]),
      durox(['orch', 'list', '--store', `sqlite:${garbage}`]),
      durox(['orch', 'list', '--store', 'postgres://durox:secret@127.0.0.1:1/durox', '--json']),
    ]);
    for (const r of results) {
      expect(r.code, r.stderr).toBe(10);
      expect(r.stderr.split('\n')[0]).toMatch(/^error: /);
      expect(r.stderr).toMatch(/^hint: /m);
    }
    expect(results[2].stderr).not.toContain('secret');
    expect(results[2].json().error).toMatchObject({ code: 'STORE_UNREACHABLE', exitCode: 10 });
  });

  it('exit 2 for bad URLs, flags and commands; --json gives an error document', async () => {
    const [badUrl, badEnv, schema, unknownFlag, unknownFlagJson, missingArg, unknownCommand, typo] =
      await Promise.all([
        durox(['orch', 'list', '--store', 'mysql://localhost/db']),
        durox(['orch', 'list'], { env: { DUROX_STORE: 'redis://x' } }),
        durox(['orch', 'list', '--store', 'sqlite::memory:', '--schema', 'tenant_a']),
        durox(['orch', 'list', '--bogus']),
        durox(['orch', 'list', '--bogus', '--json']),
        durox(['orch', 'status']),
        durox(['orch', 'explode']),
        durox(['orch', 'strat', '--json']),
      ]);
    for (const r of [
      badUrl,
      badEnv,
      schema,
      unknownFlag,
      unknownFlagJson,
      missingArg,
      unknownCommand,
      typo,
    ]) {
      expect(r.code, r.stderr).toBe(2);
    }
    expect(badUrl.stderr.split('\n')[0]).toBe('error: unsupported store URL "mysql://localhost/db"');
    expect(badUrl.stderr.split('\n')[1]).toMatch(/^hint: use sqlite:<path>/);
    expect(badEnv.stderr).toContain('(from DUROX_STORE)');
    expect(schema.stderr).toContain('--schema applies to PostgreSQL stores only');
    expect(unknownFlag.stderr).toBe(
      'error: unknown flag --bogus\nhint: `durox orchestration list --help` lists its flags\n',
    );
    expect(unknownFlag.stdout).toBe('');
    expect(unknownFlagJson.json()).toEqual({
      error: { code: 'USAGE', message: 'unknown flag --bogus', exitCode: 2, hint: expect.any(String) },
    });
    expect(missingArg.stderr).toBe(
      'error: missing argument <id> (Instance id)\nhint: usage: durox orchestration status <id> [flags]\n',
    );
    expect(unknownCommand.stderr).toBe(
      'error: unknown command "orch explode"\nhint: durox --help lists every command\n',
    );
    expect(typo.json().error).toMatchObject({
      code: 'USAGE',
      hint: expect.stringContaining('durox orch start'),
    });
  });

  it('prints the stack only with --debug', async () => {
    const [plain, debug] = await Promise.all([
      durox(['orch', 'list', '--store', 'mysql://x']),
      durox(['orch', 'list', '--store', 'mysql://x', '--debug']),
    ]);
    expect(plain.stderr).not.toMatch(/\n\s+at /);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });

  it('--help documents commands, global flags and aliases', async () => {
    const [root, start] = await Promise.all([durox(['--help']), durox(['orch', 'start', '--help'])]);
    expect(root.code).toBe(0);
    expect(root.stdout).toMatch(/orchestration\s+Start, wait for/);
    expect(root.stdout).toMatch(/demo\s+Run a sample order workflow/);
    expect(start.code).toBe(0);
    expect(start.stdout).toContain('GLOBAL FLAGS');
    expect(start.stdout).toContain('--store=<url>');
    expect(start.stdout).toContain('durox orch start');
  });
});
