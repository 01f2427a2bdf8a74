/// <reference types="node" />
/**
 * `pnpm fuzz:decoder [--count N] [--seed S] [--bitness 16|32|64] [--samples K]`: differential
 * fuzzing against iced-x86; prints disagreement counts per encoding class and field, and the
 * first K disagreements of each kind minimised to their bytes. Exit code 1 if any disagreement
 * or host exception was found.
 */
import { formatSample, robustness, runDiffFuzz } from './fuzz.test-util.js';

const args = process.argv.slice(2).filter((a) => a !== '--');
const opt = (name: string, def: number): number => {
  const i = args.indexOf(name);
  if (i < 0) return def;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v)) throw new Error(`${name} needs a number`);
  return v;
};
const count = opt('--count', 200_000);
const seed = opt('--seed', 1);
const samples = opt('--samples', 3);
const only = opt('--bitness', 0);
const bitnesses = (only === 0 ? [16, 32, 64] : [only]) as (16 | 32 | 64)[];
let bad = 0;
for (const b of bitnesses) {
  const t0 = performance.now();
  const r = runDiffFuzz(b, count, seed, samples);
  const ex = robustness(b, count, seed + 1);
  const total = Object.values(r.counts).reduce((a, x) => a + x, 0);
  bad += total + r.exceptions + ex;
  process.stdout.write(`${b}-bit: ${r.count} inputs (seed ${seed}) in ${((performance.now() - t0) / 1000).toFixed(1)} s; ` +
    `classes ${JSON.stringify(r.perClass)}; normalised ${JSON.stringify(r.normalised)}; disagreements ${total}; host exceptions ${r.exceptions + ex}\n`);
  for (const [k, v] of Object.entries(r.counts).sort((a, c) => c[1] - a[1])) process.stdout.write(`  ${k}: ${v}\n`);
  for (const s of r.samples) process.stdout.write(`    ${formatSample(s)}\n`);
}
process.exitCode = bad === 0 ? 0 : 1;
