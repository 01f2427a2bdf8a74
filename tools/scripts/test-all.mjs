#!/usr/bin/env node
// Runs every package's tests through turbo and closes with one plain line
// `N passed, N failed` totalled over all packages (vitest prints one summary per package,
// prefixed by turbo). Exit status is turbo's.
import { spawn } from 'node:child_process';

const args = ['turbo', 'run', 'test', '--output-logs=full', '--log-order=grouped', ...process.argv.slice(2)];
const child = spawn('npx', ['--no-install', ...args], {
  stdio: ['ignore', 'pipe', 'pipe'],
  env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1', FORCE_COLOR: '0' },
});
let passed = 0;
let failed = 0;
let skipped = 0;
let buffer = '';
// vitest:  "      Tests  12 passed | 1 failed | 2 skipped (15)"
// test-runner (x86kit-test) prints its own "N passed, N failed" which we also total.
const vitestLine = /\bTests\s+(.*)\(\d+\)\s*$/;
const plainLine = /(?:^|\s)(\d+) passed, (\d+) failed(?:, (\d+) skipped)?\s*$/;
function scan(line) {
  const clean = line.replace(/\x1b\[[0-9;]*m/g, '');
  const m = vitestLine.exec(clean);
  if (m) {
    for (const part of m[1].split('|')) {
      const p = /(\d+)\s+(passed|failed|skipped|todo)/.exec(part);
      if (!p) continue;
      const n = Number(p[1]);
      if (p[2] === 'passed') passed += n;
      else if (p[2] === 'failed') failed += n;
      else skipped += n;
    }
    return;
  }
  const q = plainLine.exec(clean);
  if (q && clean.includes('x86kit-test')) {
    passed += Number(q[1]);
    failed += Number(q[2]);
    if (q[3]) skipped += Number(q[3]);
  }
}
function pump(stream, out) {
  stream.on('data', (chunk) => {
    out.write(chunk);
    buffer += chunk.toString();
    let i;
    while ((i = buffer.indexOf('\n')) >= 0) {
      scan(buffer.slice(0, i));
      buffer = buffer.slice(i + 1);
    }
  });
}
pump(child.stdout, process.stdout);
pump(child.stderr, process.stderr);
child.on('close', (code) => {
  if (buffer) scan(buffer);
  const rc = code ?? 1;
  if (rc !== 0 && failed === 0) failed = 1; // a crash or build failure is a failure too
  process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  process.exit(rc);
});
