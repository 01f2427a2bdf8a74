/**
 * The CI slice: each suite through the runner, so `pnpm test` reports x86kit's conformance
 * numbers and catches regressions. One test file per suite (vitest runs them in parallel).
 * Pass counts may only go up: each must be at least the floor committed in
 * `conformance-expected/<suite>.json`; `X86KIT_UPDATE_EXPECTED=1` rewrites the floors from the
 * observed numbers. The printed lines are deliberately not in the `N passed, N failed` shape:
 * the root test script totals such lines, and these cases are represented by the vitest test.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { defaultDataDir } from '../data-dir.js';
import { formatSummary } from '../report.js';
import { runSuites, type RunOptions } from '../runner.js';

const EXPECTED_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'conformance-expected');

/** Floors for one suite. */
export interface Expected { passed: number; checksPassed: number; note?: string }

/** The shared conformance data directory (the slice is skipped without it). */
export const sliceDataDir = defaultDataDir();

/** Register the slice test of `suite`. */
export function sliceTest(suite: string, extra: Partial<RunOptions> = {}): void {
  test.skipIf(!existsSync(sliceDataDir))(`${suite}: conformance pass counts do not regress`, async () => {
    const r = await runSuites({ suites: [suite], dataDir: sliceDataDir, seed: 1, ...extra });
    const s = r.suites[0];
    console.log(`${formatSummary(r)}conformance slice ${suite}: ${r.passed} passed / ${r.failed} failed / ${r.skipped} skipped`);
    const path = join(EXPECTED_DIR, `${suite}.json`);
    if (process.env.X86KIT_UPDATE_EXPECTED === '1') {
      const day = new Date().toISOString().slice(0, 10);
      const out: Expected = {
        passed: s.passed, checksPassed: s.checks.passed,
        note: `exact floor: observed ${s.passed} cases passed (${s.failed} failed, ${s.skipped} skipped) and ${s.checks.passed} sub-checks passed on ${day}; deterministic, so one regressed case fails`,
      };
      writeFileSync(path, `${JSON.stringify(out, null, 2)}\n`);
      return;
    }
    expect(existsSync(path), `no floors in ${path}`).toBe(true);
    const want = JSON.parse(readFileSync(path, 'utf8')) as Expected;
    expect(s.passed, `${suite}: cases passed`).toBeGreaterThanOrEqual(want.passed);
    expect(s.checks.passed, `${suite}: checks passed`).toBeGreaterThanOrEqual(want.checksPassed);
  });
}
