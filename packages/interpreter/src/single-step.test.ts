/**
 * SingleStepTests 80286 real-mode conformance (hardware captures, shared/conformance).
 * Default run: the first SLICE tests of every opcode file; X86KIT_FULL=1 runs all 1000 per file.
 * Every failure must be listed in single-step-expectations.json with its reason, so a
 * regression fails the suite and progress is visible.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  conformanceDir, readMooFile, runSingleStepTest, skipReason286, loadMetadata286, loadRevocations,
} from '@x86kit/test-utils';
import { SingleStepAdapter } from './step-adapter.js';

const FULL = process.env.X86KIT_FULL === '1';
const SLICE = FULL ? 1000 : 100;
const root = conformanceDir();
const dir = root === null ? null : join(root, 'singlesteptests-80286');

interface Expectations {
  /** file stem → { failures: number of failing tests in the default slice / full set, reason } */
  files: Record<string, { slice: number; full: number; reason: string }>;
}
const EXPECT_PATH = join(import.meta.dirname, 'single-step-expectations.json');
const expectations = JSON.parse(readFileSync(EXPECT_PATH, 'utf8')) as Expectations;

describe.skipIf(dir === null)('SingleStepTests 80286 (real mode)', () => {
  const d = dir as string;
  const meta = loadMetadata286(d);
  const revoked = loadRevocations(d);
  const files = readdirSync(join(d, 'v1_real_mode')).filter((f) => f.endsWith('.MOO.gz')).sort();
  const engine = new SingleStepAdapter();
  const observed: Record<string, { failures: number; run: number; skipped: number; sample: string }> = {};
  for (const f of files) {
    const stem = f.replace('.MOO.gz', '');
    it(stem, () => {
      const moo = readMooFile(join(d, 'v1_real_mode', f));
      const mask = meta.flagsMask(stem);
      let failures = 0, run = 0, skipped = 0, sample = '';
      for (const t of moo.tests.slice(0, SLICE)) {
        if (revoked.has(t.hash) || skipReason286(t) !== null) { skipped++; continue; }
        run++;
        const r = runSingleStepTest(engine, t, { flagsMask: mask });
        if (!r.passed) {
          failures++;
          if (sample === '') sample = `#${t.index} ${t.name} [${Array.from(t.bytes, (b) => b.toString(16).padStart(2, '0')).join(' ')}]: ${r.diffs.slice(0, 4).join('; ')}`;
        }
      }
      observed[stem] = { failures, run, skipped, sample };
      const allowed = expectations.files[stem]?.[FULL ? 'full' : 'slice'] ?? 0;
      expect(failures, `${stem}: ${failures}/${run} failed (allowed ${allowed}); first: ${sample}`).toBeLessThanOrEqual(allowed);
    });
  }
  it('summary', () => {
    let run = 0, failed = 0;
    for (const o of Object.values(observed)) { run += o.run; failed += o.failures; }
    console.log(`SingleStepTests 80286: ${run - failed}/${run} passed (${(100 * (run - failed) / Math.max(1, run)).toFixed(3)} %), ${FULL ? 'full' : `slice ${SLICE}`}/file`);
    if (process.env.X86KIT_SST_REPORT !== undefined) writeFileSync(process.env.X86KIT_SST_REPORT, JSON.stringify(observed, null, 1));
    expect(run).toBeGreaterThan(0);
  });
});
if (dir === null) console.warn('conformance data not found: SingleStepTests skipped (set X86KIT_CONFORMANCE_DIR)');
