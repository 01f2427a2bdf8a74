import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { GuestImageError, OptionError } from '@x86kit/core';
import { fnv1a32, inShard } from './hash.js';
import { compileFilter } from './filter.js';
import { registerSuite } from './registry.js';
import { closingLine, formatSummary, toJUnit } from './report.js';
import { runSuites } from './runner.js';
import { runCli } from './program.js';
import { CaseStatus, type Suite } from './suite.js';

// A deterministic fake suite: case k fails when k % 7 === 3, is skipped when k % 11 === 5,
// throws (a host bug) for k === 42, and reports bundled checks.
const fake: Suite = {
  name: 'fake',
  description: 'unit-test suite',
  open: (ctx) => Promise.resolve({
    cases: Array.from({ length: 100 }, (_, k) => `case-${String(k).padStart(3, '0')}`),
    run: (id: string) => {
      const k = Number(id.slice(5));
      if (k === 42) throw new Error('boom');
      if (k % 7 === 3) return { status: CaseStatus.Fail, message: `case ${k} differs <&> (seed ${ctx.seed})\nsecond line` };
      if (k % 11 === 5) return { status: CaseStatus.Skip, message: 'not applicable' };
      return { status: CaseStatus.Pass, checks: { passed: 10, failed: 0, skipped: 1 } };
    },
  }),
};
registerSuite(fake);
const corrupt: Suite = {
  name: 'corrupt',
  description: 'opens a corrupt file',
  open: () => Promise.reject(new GuestImageError('TEST_FILE_CORRUPT', '/data/x.MOO.gz: bad chunk id at offset 12')),
};
registerSuite(corrupt);
const broken: Suite = {
  name: 'broken',
  description: 'a host bug while opening',
  open: () => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'cases')\n    at open (suite.js:1:1)")),
};
registerSuite(broken);

const base = { dataDir: tmpdir(), suites: ['fake'] };

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => { out += t; }, err: (t) => { err += t; }, isTty: false });
  return { code, out, err };
}

describe('runner', () => {
  test('counts pass/fail/skip, turns host exceptions into failures, sums checks', async () => {
    const r = await runSuites(base);
    const s = r.suites[0];
    const fails = Array.from({ length: 100 }, (_, k) => k).filter((k) => k % 7 === 3 || k === 42).length;
    const skips = Array.from({ length: 100 }, (_, k) => k).filter((k) => k % 7 !== 3 && k !== 42 && k % 11 === 5).length;
    expect([s.passed, s.failed, s.skipped]).toEqual([100 - fails - skips, fails, skips]);
    expect(s.cases.find((c) => c.id === 'case-042')?.message).toBe('host exception: Error: boom');
    expect(s.checks).toEqual({ passed: 10 * s.passed, failed: 0, skipped: s.passed });
    expect(closingLine(r)).toBe(`${s.passed} passed, ${fails} failed`);
    expect(formatSummary(r)).toMatch(/^fake +100 +\d+ +\d+ +\d+ +\d+\.\d\d% /m);
  });

  test('shards partition the cases deterministically', async () => {
    const ids = new Set<string>();
    let total = 0;
    for (let i = 0; i < 3; i++) {
      const r = await runSuites({ ...base, shard: { index: i, count: 3 } });
      for (const c of r.suites[0].cases) ids.add(c.id);
      total += r.suites[0].cases.length;
      const again = await runSuites({ ...base, shard: { index: i, count: 3 } });
      expect(again.suites[0].cases.map((c) => c.id)).toEqual(r.suites[0].cases.map((c) => c.id));
    }
    expect(total).toBe(100);
    expect(ids.size).toBe(100);
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c); // the published FNV-1a test vector
    expect(inShard('x', { index: 0, count: 1 })).toBe(true);
  });

  test('filters: substring, glob, regex, alternatives', async () => {
    expect(compileFilter('fake/case-00*')('fake/case-001')).toBe(true);
    expect(compileFilter('fake/case-00*')('fake/case-010')).toBe(false);
    expect(compileFilter('/case-0[12]3$/')('fake/case-023')).toBe(true);
    expect(compileFilter('x,-01')('fake/case-011')).toBe(true);
    expect(() => compileFilter('/(/')).toThrow(OptionError);
    const r = await runSuites({ ...base, filter: 'case-01?' });
    expect(r.suites[0].cases.map((c) => c.id)).toEqual(Array.from({ length: 10 }, (_, k) => `case-01${k}`));
  });

  test('--max-failures stops early and reports the rest as skipped', async () => {
    const r = await runSuites({ ...base, maxFailures: 2 });
    expect(r.failed).toBe(2);
    expect(r.stoppedEarly).toBe(true);
    expect(r.suites[0].cases).toHaveLength(100);
    expect(r.suites[0].cases[99].message).toBe('not run: --max-failures 2 reached');
  });

  test('JUnit XML escapes messages and has one testcase per case', async () => {
    const r = await runSuites({ ...base, filter: 'case-00' });
    const x = toJUnit(r);
    expect(x).toContain('<testsuite name="fake" tests="10" failures="1" errors="0" skipped="1"');
    expect(x).toContain('<failure message="case 3 differs &lt;&amp;&gt; (seed 1)">case 3 differs &lt;&amp;&gt; (seed 1)\nsecond line</failure>');
    expect(x.match(/<testcase /g)).toHaveLength(10);
  });
});

describe('x86kit-test CLI', () => {
  test('runs, writes JSON and JUnit, exits 1 on failures, closes with N passed, N failed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'x86kit-test-'));
    const r = await cli('fake', '--filter', 'case-00', '--jobs', '1', '--json', join(dir, 'r.json'), '--junit', join(dir, 'r.xml'), '--seed', '7');
    expect(r.code).toBe(1);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[lines.length - 1]).toBe('8 passed, 1 failed');
    expect(r.out).toContain('FAIL fake/case-003: case 3 differs <&> (seed 7)');
    const json = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
    expect(json).toMatchObject({ version: 1, seed: 7, passed: 8, failed: 1, skipped: 1 });
    expect(json.environment).toMatchObject({ node: process.version, cpus: expect.any(Number) });
    expect(readFileSync(join(dir, 'r.xml'), 'utf8')).toMatch(/^<\?xml/);
  });

  test('all-pass run exits 0; --list prints ids', async () => {
    expect((await cli('fake', '--filter', 'case-000,case-001', '--jobs', '1')).code).toBe(0);
    const l = await cli('fake', '--list', '--shard', '2/2');
    expect(l.code).toBe(0);
    const ids = l.out.trim().split('\n');
    expect(ids.length).toBeGreaterThan(20);
    expect(ids.every((x) => x.startsWith('fake/case-') && inShard(x, { index: 1, count: 2 }))).toBe(true);
  });

  test('usage errors are one line and exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['nosuch'], /^x86kit-test: OPTION_INVALID: unknown suite 'nosuch' \(known: /],
      [['fake', '--shard', '3/2'], /^x86kit-test: OPTION_INVALID: --shard 3\/2: expected i\/n/],
      [['fake', '--jobs', 'x'], /^x86kit-test: OPTION_INVALID: --jobs x: expected an integer/],
      [['fake', '--bogus'], /^x86kit-test: unknown option '--bogus'/],
      [['fake', '--data', '/nonexistent/conformance'], /^x86kit-test: OPTION_INVALID: --data \/nonexistent\/conformance: no such directory/],
      [['corrupt'], /^x86kit-test: TEST_FILE_CORRUPT: \/data\/x\.MOO\.gz: bad chunk id at offset 12$/],
      [['fake', '--json', '/nonexistent/dir/r.json'], /^x86kit-test: OPTION_INVALID: --json \/nonexistent\/dir\/r\.json: no such directory \/nonexistent\/dir$/],
      [['fake', '--junit', tmpdir()], /^x86kit-test: OPTION_INVALID: --junit .*: is a directory$/],
      [['lockstep', '--opt', 'engines=toy'], /^x86kit-test: OPTION_INVALID: --opt engines=toy: expected two engine names/],
      [['lockstep', '--opt', 'inject=abc'], /^x86kit-test: OPTION_INVALID: --opt inject=abc: expected an integer ≥ 0$/],
      [['guests', '--opt', 'timeout=0'], /^x86kit-test: OPTION_INVALID: --opt timeout=0: expected an integer ≥ 1$/],
    ];
    for (const [argv, re] of cases) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err.trim().split('\n'), argv.join(' ')).toHaveLength(1);
      expect(r.err.trim(), argv.join(' ')).toMatch(re);
    }
    expect((await cli()).code).toBe(2);
    expect((await cli('--help')).code).toBe(0);
  });

  test('a host bug is one internal-error line, exit 1, no stack trace', async () => {
    const r = await cli('broken');
    expect(r.code).toBe(1);
    expect(r.err).toBe("x86kit-test: internal error: Cannot read properties of undefined (reading 'cases') (please report this; set X86KIT_DEBUG=1 for a stack trace)\n");
  });
});
