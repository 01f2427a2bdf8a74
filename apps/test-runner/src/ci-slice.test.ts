// The CI slice: every suite through the runner, with a deterministic sample small enough for
// the default test run, so `pnpm test` reports x86kit's conformance numbers and catches
// regressions. The pass counts may only go up: each must be at least the committed number in
// conformance-expected.json (raise them when things improve: X86KIT_UPDATE_EXPECTED=1).
// The full runs are the CLI's job: `x86kit-test all` (see README).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { defaultDataDir } from './data-dir.js';
import { formatSummary } from './report.js';
import { runSuites, type RunOptions, type SuiteReport } from './runner.js';

const here = dirname(fileURLToPath(import.meta.url));
const EXPECTED = join(here, '..', 'conformance-expected.json');
const dataDir = defaultDataDir();

interface Expected { passed: number; checksPassed: number; note?: string }
type ExpectedFile = Record<string, Expected>;

/** The slice: what runs in the default test run, per suite. */
const SLICE: Record<string, Partial<RunOptions>> = {
  decoder: {},
  // All 325,000 tests: the interpreter runs them in about 10 s on one core.
  'singlestep-286': {},
  guests: {},
  // QEMU is not needed: the pair cases run the interpreter against the toy fixture engine.
  lockstep: { options: { engines: 'interpreter,toy' } },
};

function load(): ExpectedFile {
  return existsSync(EXPECTED) ? (JSON.parse(readFileSync(EXPECTED, 'utf8')) as ExpectedFile) : {};
}

describe.skipIf(!existsSync(dataDir))('CI conformance slice (shared data present)', () => {
  const results = new Map<string, SuiteReport>();

  for (const [suite, extra] of Object.entries(SLICE)) {
    test(`${suite}: pass counts do not regress`, async () => {
      const r = await runSuites({ suites: [suite], dataDir, seed: 1, ...extra });
      const s = r.suites[0];
      results.set(suite, s);
      // Printed so the test log carries the numbers. Deliberately not in the `N passed, N
      // failed` shape: the root test script totals such lines, and these cases are already
      // represented by this vitest test (known failures would otherwise show as root failures).
      console.log(`${formatSummary(r)}conformance slice ${suite}: ${r.passed} passed / ${r.failed} failed / ${r.skipped} skipped`);
      const want = load()[suite];
      if (process.env.X86KIT_UPDATE_EXPECTED === '1') return;
      expect(want, `no expected counts for ${suite} in conformance-expected.json`).toBeDefined();
      expect(s.passed, `${suite}: cases passed`).toBeGreaterThanOrEqual(want.passed);
      expect(s.checks.passed, `${suite}: checks passed`).toBeGreaterThanOrEqual(want.checksPassed);
    });
  }

  test.runIf(process.env.X86KIT_UPDATE_EXPECTED === '1')('write conformance-expected.json', () => {
    const out: ExpectedFile = load();
    for (const [k, s] of results) {
      out[k] = { passed: s.passed, checksPassed: s.checks.passed, ...(s.unavailable !== undefined ? { note: s.unavailable } : {}) };
    }
    writeFileSync(EXPECTED, `${JSON.stringify(out, null, 2)}\n`);
    expect(Object.keys(out).length).toBeGreaterThan(0);
  });
});
