#!/usr/bin/env node
// `pnpm bench`: run every workspace package's `bench` script (turbo, one at a time so the
// suites do not compete for the cores), then print one table of all results and write
// bench-results/all.json (with the host, node version and load average at the start, and every
// suite's own environment and skipped benchmarks). Extra arguments go to turbo, e.g.
// `pnpm bench --filter @x86kit/interpreter`.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bench = await import(join(root, 'tools/bench/dist/index.js'));
const environment = bench.benchEnvironment();
console.log(bench.formatEnvironment(environment));
const dir = join(root, 'bench-results');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const r = spawnSync('npx', ['--no-install', 'turbo', 'run', 'bench', '--concurrency=1', ...process.argv.slice(2)], {
  cwd: root, stdio: 'inherit', env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
});
const results = [];
const skipped = [];
const suites = [];
for (const f of readdirSync(dir).sort()) {
  if (!f.endsWith('.json') || f === 'all.json') continue;
  const s = JSON.parse(readFileSync(join(dir, f), 'utf8'));
  results.push(...s.results);
  skipped.push(...(s.skipped ?? []));
  suites.push({ suite: s.suite, date: s.date, environment: s.environment });
}
console.log('\nAll benchmarks');
for (const line of bench.formatTable(results)) console.log(line);
for (const line of bench.formatNotes(results, skipped)) console.log(line);
writeFileSync(join(dir, 'all.json'), JSON.stringify({
  date: new Date().toISOString(), node: process.version, environment, turboExitStatus: r.status, suites, results, skipped,
}, null, 2) + '\n');
console.log(`wrote ${join(dir, 'all.json')}`);
if (r.status !== 0) console.error(`pnpm bench: turbo exited with status ${r.status}: some bench script failed (see above)`);
process.exit(r.status ?? 1);
