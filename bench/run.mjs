#!/usr/bin/env node
/**
 * durox benchmark harness. Prints one JSON line per workload on stdout; progress and a summary
 * table go to stderr. Run through `npm run bench` (which builds dist/ first) or directly:
 *
 *   node bench/run.mjs [--provider sqlite|postgres] [--workload NAME]... [--quick]
 *                      [--param KEY=VALUE]... [--check] [--out FILE] [--cpu-prof [--cpu-prof-dir DIR]]
 *
 * Each workload runs in its own child process (so peak RSS, JIT and GC state are per workload)
 * against a fresh store that is deleted afterwards. See docs/performance.md.
 */
import { spawn } from 'node:child_process';
import { appendFile, mkdir, mkdtemp } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DIST } from './lib/durox.mjs';
import { PROVIDER_NAMES, assertProvider, openProvider } from './lib/providers.mjs';
import { peakRssMb, round, rssSampler } from './lib/stats.mjs';
import { startBenchPostgres } from './lib/embedded-pg.mjs';
import { meets, targetsFor } from './lib/targets.mjs';
import { WORKLOAD_NAMES, WORKLOADS } from './lib/workloads.mjs';

const HELP = `usage: node bench/run.mjs [options]

  --provider NAME      store to benchmark: ${PROVIDER_NAMES.join(' | ')} (default sqlite)
  --workload NAME      run only this workload (repeatable or comma-separated):
                       ${WORKLOAD_NAMES.join(', ')} (default: all)
  --quick              smaller smoke-test sizes (targets are not judged)
  --param KEY=VALUE    override a workload parameter, e.g. --param instances=1000 or
                       --param workerConcurrency=16 (targets are not judged)
  --repeat N           run each workload N times (one line per run; default 1)
  --check              exit with status 1 when a judged target is missed
  --out FILE           also append the JSON lines to FILE
  --cpu-prof           write a V8 CPU profile per workload (see --cpu-prof-dir)
  --cpu-prof-dir DIR   where to write profiles (default: a new temp directory)
  --help               this text

Environment: DUROX_BENCH_DIST=DIR benchmarks the build in DIR instead of ./dist.`;

function parseArgs(argv) {
  const args = {
    provider: 'sqlite',
    workloads: [],
    quick: false,
    overrides: {},
    check: false,
    repeat: 1,
    out: undefined,
    cpuProf: false,
    cpuProfDir: undefined,
    child: false,
  };
  const value = (i, flag) => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    switch (arg) {
      case '--provider':
        args.provider = value(i++, arg);
        break;
      case '--workload':
        args.workloads.push(...value(i++, arg).split(',').filter(Boolean));
        break;
      case '--quick':
        args.quick = true;
        break;
      case '--param': {
        const [key, ...rest] = value(i++, arg).split('=');
        const raw = rest.join('=');
        if (!key || raw === '') throw new Error(`--param expects KEY=VALUE, got "${argv[i]}"`);
        args.overrides[key] = Number.isFinite(Number(raw)) ? Number(raw) : raw;
        break;
      }
      case '--repeat':
        args.repeat = Number(value(i++, arg));
        if (!Number.isInteger(args.repeat) || args.repeat < 1)
          throw new Error('--repeat needs a positive integer');
        break;
      case '--check':
        args.check = true;
        break;
      case '--out':
        args.out = value(i++, arg);
        break;
      case '--cpu-prof':
        args.cpuProf = true;
        break;
      case '--cpu-prof-dir':
        args.cpuProfDir = value(i++, arg);
        args.cpuProf = true;
        break;
      case '--child':
        args.child = true;
        break;
      case '--help':
      case '-h':
        process.stdout.write(`${HELP}\n`);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown argument "${arg}" (see --help)`);
    }
  }
  assertProvider(args.provider);
  for (const w of args.workloads) {
    if (!WORKLOADS[w])
      throw new Error(`unknown workload "${w}" (expected one of: ${WORKLOAD_NAMES.join(', ')})`);
  }
  if (args.workloads.length === 0) args.workloads = [...WORKLOAD_NAMES];
  return args;
}

/** Child process: runs one workload against a fresh store and prints its JSON line. */
async function runChild(args) {
  const name = args.workloads[0];
  const workload = WORKLOADS[name];
  const base = args.quick ? workload.params.quick : workload.params.full;
  const params = { ...base, ...args.overrides };
  // Targets are stated for the full sizes; anything else is a smoke or exploration run.
  const judged = !args.quick && Object.keys(args.overrides).length === 0;
  rssSampler.start();
  const load1m = loadavg()[0];
  const store = await openProvider(args.provider);
  let result;
  let sizeMb;
  try {
    result = await workload.run(params, store);
    sizeMb = store.sizeMb ? await store.sizeMb() : undefined;
  } finally {
    await store.cleanup();
  }
  rssSampler.stop();
  const { commits_method: commitsMethod, ...cost } = result.cost;
  const targets = targetsFor(name, args.provider);
  const line = {
    provider: args.provider,
    workload: name,
    params: { ...result.params, ...store.description, commits_method: commitsMethod, quick: args.quick },
    throughput: result.throughput.value,
    unit: result.throughput.unit,
    p50_ms: result.p50_ms,
    p99_ms: result.p99_ms,
    total_ms: result.total_ms,
    ...result.fields,
    // The cost model (see docs/performance.md): steps, commits, commits_per_step, cpu_us_per_step…
    ...cost,
    peak_rss_mb: round(peakRssMb(), 1),
    target: targets[0] ?? null,
    targets: targets.map((t) => ({ ...t, met: null })),
    meets_target: null,
    ...(sizeMb === undefined ? {} : { store_mb: round(sizeMb, 1) }),
    extra: result.extra,
    env: {
      node: process.version,
      cpus: availableParallelism(),
      cpu: cpus()[0]?.model ?? 'unknown',
      // Other processes on the machine skew every figure: the 1-minute load average at start.
      loadavg_1m: round(load1m),
      ...(DIST === undefined ? {} : { dist: DIST }),
    },
    at: new Date().toISOString(),
  };
  if (judged) {
    for (const t of line.targets) t.met = meets(t, line);
    line.meets_target = line.targets.every((t) => t.met);
  }
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** Runs `node bench/run.mjs --child …` for one workload; resolves to its JSON line (or an error line). */
function spawnWorkload(args, name, profDir, profName) {
  const self = fileURLToPath(import.meta.url);
  const nodeArgs = profDir
    ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=${profName}.cpuprofile`]
    : [];
  const childArgs = [self, '--child', '--provider', args.provider, '--workload', name];
  if (args.quick) childArgs.push('--quick');
  for (const [k, v] of Object.entries(args.overrides)) childArgs.push('--param', `${k}=${v}`);
  return new Promise((resolveLine) => {
    const child = spawn(process.execPath, [...nodeArgs, ...childArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      process.stderr.write(chunk);
    });
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').at(-1) ?? '';
      if (code === 0 && last.startsWith('{')) {
        resolveLine(JSON.parse(last));
        return;
      }
      const message =
        stderr
          .trim()
          .split('\n')
          .find((l) => l.includes('Error')) ?? `exit code ${code}`;
      resolveLine({ provider: args.provider, workload: name, error: message.trim() });
    });
  });
}

function summarize(lines) {
  const rows = lines.map((l) => {
    if (l.error) return `  ${l.workload.padEnd(11)} ERROR ${l.error}`;
    const goals = l.targets
      .map((t) => {
        const verdict = t.met === null ? '' : t.met ? ' MEETS' : ' MISSES';
        return `${t.metric}=${l[t.metric]} (${t.op} ${t.value})${verdict}`;
      })
      .join(', ');
    const figure = `${l.throughput} ${l.unit}`;
    const server = l.server_cpu_us_per_step === undefined ? '' : ` server=${l.server_cpu_us_per_step}us/step`;
    const cost = `commits/step=${l.commits_per_step} cpu=${l.cpu_us_per_step}us/step${server}`;
    return `  ${l.workload.padEnd(11)} ${figure.padEnd(26)} p50=${l.p50_ms} p99=${l.p99_ms} total=${l.total_ms}ms ${cost} rss=${l.peak_rss_mb}MB\n${' '.repeat(14)}${goals}${l.meets_target === null ? ' (not judged)' : ''}`;
  });
  process.stderr.write(`\ndurox bench summary (${lines[0]?.provider ?? ''}):\n${rows.join('\n')}\n`);
}

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`bench: ${err.message}\n`);
    process.exitCode = 2;
    return;
  }
  if (args.child) {
    await runChild(args);
    // Exit explicitly: a timer left behind by a library (e.g. a shutdown grace timer) must not
    // keep the child alive and inflate the wall time of the run.
    process.stdout.write('', () => process.exit(0));
    return;
  }
  let profDir;
  if (args.cpuProf) {
    profDir = args.cpuProfDir ? resolve(args.cpuProfDir) : await mkdtemp(join(tmpdir(), 'durox-bench-prof-'));
    await mkdir(profDir, { recursive: true });
  }
  if (args.out) await mkdir(dirname(resolve(args.out)), { recursive: true });
  const lines = [];
  // One PostgreSQL server for the whole run; every workload gets its own schema on it.
  const pg = args.provider === 'postgres' ? await startBenchPostgres() : null;
  if (pg) {
    process.env.DUROX_BENCH_PG_URL = pg.url;
    process.env.DUROX_BENCH_PG_DESCRIPTION = JSON.stringify(pg.description);
    if (pg.pid) process.env.DUROX_BENCH_PG_PID = String(pg.pid);
  }
  const runs = args.workloads.flatMap((name) => Array.from({ length: args.repeat }, (_, i) => ({ name, i })));
  for (const { name, i } of runs) {
    const of = args.repeat > 1 ? ` (run ${i + 1}/${args.repeat})` : '';
    process.stderr.write(`[bench] ${args.provider}/${name}${of}: ${WORKLOADS[name].description}…\n`);
    const line = await spawnWorkload(args, name, profDir, args.repeat > 1 ? `${name}-${i + 1}` : name);
    lines.push(line);
    const text = `${JSON.stringify(line)}\n`;
    process.stdout.write(text);
    if (args.out) await appendFile(args.out, text);
  }
  await pg?.stop();
  summarize(lines);
  if (profDir) process.stderr.write(`[bench] CPU profiles in ${profDir}\n`);
  const failed = lines.some((l) => l.error);
  const missed = lines.some((l) => l.meets_target === false);
  if (failed || (args.check && missed)) process.exitCode = 1;
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
