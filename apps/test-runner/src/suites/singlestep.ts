/**
 * The `singlestep-286` suite: the hardware-captured SingleStepTests 80286 real-mode set in
 * `<data>/singlesteptests-80286/v1_real_mode/*.MOO.gz`, read in place with test-utils' MOO
 * reader and judged by its `runSingleStepTest` harness. One case per opcode file (`00`,
 * `F6.4`, ...); the tests inside are its checks. Undefined flags are masked with the set's
 * `metadata.json`; LOCK-prefixed and >10-byte tests (286-only behaviour) and revoked hashes are
 * skipped checks. `--sample N` keeps the first N tests of each file.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { GuestImageError } from '@x86kit/core';
import {
  loadMetadata286, loadRevocations, readMooFile, runSingleStepTest, skipReason286, type Metadata286, type StepEngine,
} from '@x86kit/test-utils';
import { stepEngineFactory } from '../step-engines.js';
import { CaseStatus, unavailableSuite, type CaseOutcome, type Suite, type SuiteContext, type SuiteInstance } from '../suite.js';

/** Failing tests listed in a case's message. */
const LIST_FAILURES = 5;

function corrupt(path: string, e: unknown): GuestImageError {
  const why = e instanceof Error ? e.message : String(e);
  return new GuestImageError('TEST_FILE_CORRUPT', `${path}: ${why.split('\n')[0]}`, { cause: e });
}

/** Sort opcode file stems numerically: `00` < `0F` < `80.0` < `80.1` < `F6.4`. */
function stemKey(stem: string): number {
  const [op, reg] = stem.split('.');
  return parseInt(op, 16) * 16 + (reg === undefined ? 0 : 1 + Number(reg));
}

/** The suite. `--opt engine=NAME` picks the {@link StepEngine} (default `interpreter`). */
export const singleStep286Suite: Suite = {
  name: 'singlestep-286',
  description: 'SingleStepTests 80286 real mode (hardware-captured), per opcode file',
  open(ctx: SuiteContext): Promise<SuiteInstance> {
    const root = join(ctx.dataDir, 'singlesteptests-80286');
    const dir = join(root, 'v1_real_mode');
    if (!existsSync(dir)) {
      if (ctx.dataDirExplicit) throw new GuestImageError('IMAGE_NOT_FOUND', `${dir}: no such directory (SingleStepTests 80286 set)`);
      return Promise.resolve(unavailableSuite(`no SingleStepTests data at ${dir}`));
    }
    const files = readdirSync(dir).filter((f) => f.endsWith('.MOO.gz') || f.endsWith('.MOO'));
    const stems = files.map((f) => f.replace(/\.MOO(\.gz)?$/, '')).sort((a, b) => stemKey(a) - stemKey(b) || a.localeCompare(b));
    const fileOf = new Map(stems.map((s, i) => [s, join(dir, files.find((f) => f.startsWith(`${s}.MOO`)) ?? files[i])]));
    let meta: Metadata286;
    try {
      meta = loadMetadata286(root);
    } catch (e) {
      throw corrupt(join(dir, 'metadata.json'), e);
    }
    const revoked = loadRevocations(root);
    const factory = stepEngineFactory(ctx.options.engine ?? 'interpreter');
    const why = factory.unavailable();
    if (why !== null) return Promise.resolve({ ...unavailableSuite(why), cases: stems });
    let engine: StepEngine | null = null;
    return Promise.resolve({
      cases: stems,
      run(stem: string): CaseOutcome {
        const path = fileOf.get(stem)!;
        let tests;
        try {
          tests = readMooFile(path).tests;
        } catch (e) {
          throw corrupt(path, e);
        }
        if (tests.length === 0) throw corrupt(path, new Error('no TEST chunks'));
        if (ctx.sample > 0) tests = tests.slice(0, ctx.sample);
        engine ??= factory.create();
        const flagsMask = meta.flagsMask(stem);
        const checks = { passed: 0, failed: 0, skipped: 0 };
        const failures: string[] = [];
        for (const t of tests) {
          if (revoked.has(t.hash) || skipReason286(t) !== null) { checks.skipped++; continue; }
          const r = runSingleStepTest(engine, t, { flagsMask });
          if (r.passed) { checks.passed++; continue; }
          checks.failed++;
          if (failures.length < LIST_FAILURES) failures.push(`#${t.index} ${t.name} [${Array.from(t.bytes, (b) => b.toString(16).padStart(2, '0')).join(' ')}]: ${r.diffs.slice(0, 4).join(', ')}`);
        }
        if (checks.failed > 0) {
          return { status: CaseStatus.Fail, checks, message: `${checks.failed}/${checks.passed + checks.failed} tests failed (${meta.status(stem)}; flags mask 0x${flagsMask.toString(16)})\n${failures.join('\n')}` };
        }
        if (checks.passed === 0) return { status: CaseStatus.Skip, checks, message: 'every test skipped (286-only behaviour)' };
        return { status: CaseStatus.Pass, checks };
      },
    });
  },
};
