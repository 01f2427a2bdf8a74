/**
 * The `silicon` suite: x86kit's real-silicon corpus (`tools/capture/corpus`, or
 * `--opt corpus=DIR`), single instructions captured natively at CPL 3 in 16-bit protected,
 * 32-bit compatibility and 64-bit mode, run on `@x86kit/interpreter` through
 * {@link SiliconInterpreterRunner}. One case per instruction form (`m32/int/add Eb,Gb`), its tests
 * the checks; undefined flags masked per test. 64-bit forms (the interpreter is an i686 core)
 * and x87/MMX/SSE/AVX forms (FPU/SIMD state is not loaded by the adapter) are skipped.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GuestImageError } from '@x86kit/core';
import { readSiliconFile, readSiliconForms, siliconCorpusDir, type SiliconForm, type SiliconTestCase } from '@x86kit/test-utils';
import { INTEGER_CATEGORIES, SiliconInterpreterRunner } from '../engines/silicon-interpreter.js';
import { CaseStatus, unavailableSuite, type CaseOutcome, type Suite, type SuiteContext, type SuiteInstance } from '../suite.js';

function corrupt(path: string, e: unknown): GuestImageError {
  return new GuestImageError('TEST_FILE_CORRUPT', `${path}: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
}

/** The suite. */
export const siliconSuite: Suite = {
  name: 'silicon',
  description: 'real-silicon corpus (AMD Zen 4, CPL 3, 16/32/64-bit), per instruction form',
  open(ctx: SuiteContext): Promise<SuiteInstance> {
    const dir = resolve(ctx.options.corpus ?? siliconCorpusDir());
    if (!existsSync(join(dir, 'meta.json'))) {
      if (ctx.options.corpus !== undefined) throw new GuestImageError('IMAGE_NOT_FOUND', `${join(dir, 'meta.json')}: no such file (silicon corpus)`);
      return Promise.resolve(unavailableSuite(`no silicon corpus at ${dir}`));
    }
    const forms = new Map<string, SiliconForm>();
    for (const mode of [16, 32, 64] as const) {
      if (!existsSync(join(dir, `m${mode}`))) continue;
      const path = join(dir, `m${mode}`, 'forms.jsonl.gz');
      let list: SiliconForm[];
      try {
        list = readSiliconForms(mode, dir);
      } catch (e) {
        throw corrupt(path, e);
      }
      // Cases of one category file are adjacent (each file is parsed once per worker).
      const cats = [...new Set(list.map((f) => f.category))].sort();
      for (const cat of cats) for (const f of list) if (f.category === cat) forms.set(`m${mode}/${cat}/${f.id}`, f);
    }
    const ids = [...forms.keys()];
    let cached: { path: string; byForm: Map<string, SiliconTestCase[]> } | null = null;
    const testsOf = (f: SiliconForm): SiliconTestCase[] => {
      const path = join(dir, `m${f.mode}`, `${f.category}.jsonl.gz`);
      if (cached?.path !== path) {
        if (!existsSync(path)) throw new GuestImageError('IMAGE_NOT_FOUND', `${path}: no such file (listed by forms.jsonl.gz)`);
        const byForm = new Map<string, SiliconTestCase[]>();
        try {
          for (const t of readSiliconFile(path)) {
            let l = byForm.get(t.form);
            if (l === undefined) byForm.set(t.form, (l = []));
            l.push(t);
          }
        } catch (e) {
          throw corrupt(path, e);
        }
        cached = { path, byForm };
      }
      return cached.byForm.get(f.id) ?? [];
    };
    let runner: SiliconInterpreterRunner | null = null;
    return Promise.resolve({
      cases: ids,
      run(id: string): CaseOutcome {
        const f = forms.get(id)!;
        if (f.mode === 64) return { status: CaseStatus.Skip, message: '64-bit mode: the interpreter is an i686 core' };
        if (!INTEGER_CATEGORIES.has(f.category)) return { status: CaseStatus.Skip, message: `${f.category}: x87/SIMD state is not loaded by the adapter` };
        let tests = testsOf(f);
        if (tests.length === 0) return { status: CaseStatus.Skip, message: 'no tests for this form' };
        if (ctx.sample > 0) tests = tests.slice(0, ctx.sample);
        runner ??= new SiliconInterpreterRunner();
        const checks = { passed: 0, failed: 0, skipped: 0 };
        const failures: string[] = [];
        for (const t of tests) {
          const d = runner.run(t);
          if (d === '') { checks.passed++; continue; }
          checks.failed++;
          if (failures.length < 4) failures.push(`#${t.index} [${Array.from(t.code, (b) => b.toString(16).padStart(2, '0')).join(' ')}]: ${d}`);
        }
        if (checks.failed === 0) return { status: CaseStatus.Pass, checks };
        return { status: CaseStatus.Fail, checks, message: `${checks.failed}/${tests.length} tests differ from the silicon (${f.encoding})\n${failures.join('\n')}` };
      },
    });
  },
};
