#!/usr/bin/env node
/**
 * Summarises a V8 .cpuprofile (as written by `node bench/run.mjs --cpu-prof`): the functions
 * with the most self time, and the most inclusive time among durox's own code.
 *
 *   node bench/profile-top.mjs PROFILE.cpuprofile [--top N]
 */
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
const topIndex = args.indexOf('--top');
const top = topIndex >= 0 ? Number(args[topIndex + 1]) : 25;
if (!file) {
  process.stderr.write('usage: node bench/profile-top.mjs PROFILE.cpuprofile [--top N]\n');
  process.exit(2);
}

const profile = JSON.parse(await readFile(file, 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Sample counts per node; time per sample from the deltas.
const selfUs = new Map();
const deltas = profile.timeDeltas ?? [];
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  selfUs.set(id, (selfUs.get(id) ?? 0) + (deltas[i] ?? 0));
}
const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);

function label(node) {
  const f = node.callFrame;
  const name = f.functionName || '(anonymous)';
  if (!f.url) return name;
  const path = f.url.startsWith('file://') ? relative(process.cwd(), new URL(f.url).pathname) : f.url;
  return `${name} ${path}:${f.lineNumber + 1}`;
}

const self = new Map();
const inclusive = new Map();
for (const [id, us] of selfUs) {
  const key = label(nodes.get(id));
  self.set(key, (self.get(key) ?? 0) + us);
  // Inclusive: count each distinct function once per sample stack.
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const k = label(nodes.get(cur));
    if (seen.has(k)) continue;
    seen.add(k);
    inclusive.set(k, (inclusive.get(k) ?? 0) + us);
  }
}

const pct = (us) => `${((100 * us) / totalUs).toFixed(1).padStart(5)}%`;
const ms = (us) => `${(us / 1000).toFixed(0).padStart(6)} ms`;
const print = (title, map, filter = () => true) => {
  process.stdout.write(`\n${title}\n`);
  const rows = [...map]
    .filter(([k]) => filter(k))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top);
  for (const [k, us] of rows) process.stdout.write(`${ms(us)} ${pct(us)}  ${k}\n`);
};

process.stdout.write(`${file}: ${(totalUs / 1000).toFixed(0)} ms sampled\n`);
print(`top ${top} by self time`, self);
print(`top ${top} durox functions by inclusive time`, inclusive, (k) => k.includes('dist/'));
