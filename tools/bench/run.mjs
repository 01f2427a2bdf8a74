#!/usr/bin/env node
// `pnpm bench`: run every workspace package's `bench` script (turbo), then print one table of
// all results and write bench-results/all.json.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = join(root, 'bench-results');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const r = spawnSync('npx', ['--no-install', 'turbo', 'run', 'bench', '--concurrency=1', ...process.argv.slice(2)], {
  cwd: root, stdio: 'inherit', env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
});
const all = [];
for (const f of readdirSync(dir)) {
  if (!f.endsWith('.json') || f === 'all.json') continue;
  all.push(...JSON.parse(readFileSync(join(dir, f), 'utf8')).results);
}
const { formatTable } = await import(join(root, 'tools/bench/dist/index.js'));
console.log('\nAll benchmarks');
for (const line of formatTable(all)) console.log(line);
writeFileSync(join(dir, 'all.json'), JSON.stringify({ date: new Date().toISOString(), node: process.version, results: all }, null, 2) + '\n');
console.log(`wrote ${join(dir, 'all.json')}`);
process.exit(r.status ?? 1);
