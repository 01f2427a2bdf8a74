/**
 * The `lockstep` suite. Two kinds of case:
 * - `selftest/<program>`: a reference engine against a copy with an injected fault; passes when
 *   the driver reports the divergence at exactly the injected instruction (proves the driver).
 * - `<a>-vs-<b>/<program>`: the built-in programs under two engines (default `interpreter` vs
 *   `qemu`; `--opt engines=a,b`); passes when they agree until both stop. Skipped when an
 *   engine is unavailable here.
 */
import { Rflags } from '@x86kit/core';
import { decoderDisassembler, decoderUndefinedFlags } from '../lockstep/decoder-disasm.js';
import { runLockstep, formatLockstep } from '../lockstep/driver.js';
import { engineFactory } from '../lockstep/engines.js';
import { FaultInjectingEngine } from '../lockstep/fault.js';
import { FULL_PROGRAMS, PROGRAMS } from '../lockstep/programs.js';
import { ToyEngine } from '../lockstep/toy-engine.js';
import { CaseStatus, type CaseOutcome, type Suite, type SuiteContext, type SuiteInstance } from '../suite.js';

const MAX_STEPS = 100_000;

async function selftest(program: string, seed: number): Promise<CaseOutcome> {
  const g = PROGRAMS.find((p) => p.name === program)!;
  const probe = await runLockstep(new ToyEngine('ref'), new ToyEngine('ref2'), g, { maxSteps: MAX_STEPS });
  if (probe.outcome !== 'stopped') return { status: CaseStatus.Fail, message: `reference run did not stop: ${probe.outcome}` };
  // Inject at a seed-chosen instruction; flip CF (every program reads or writes it).
  const at = 1 + ((seed >>> 0) % Math.max(1, probe.steps - 1));
  const bad = new FaultInjectingEngine(new ToyEngine('ref'), { afterStep: at, flipFlags: Rflags.CF });
  const r = await runLockstep(new ToyEngine('ref'), bad, g, { maxSteps: MAX_STEPS });
  const d = r.divergence;
  if (d === undefined) return { status: CaseStatus.Fail, message: `injected CF flip after instruction ${at} went unnoticed (${r.outcome})` };
  if (d.step !== at || d.diff[0]?.startsWith('rflags:') !== true) {
    return { status: CaseStatus.Fail, message: `injected at ${at}, reported at ${d.step}: ${d.diff.join('; ')}\n${formatLockstep(r)}` };
  }
  return { status: CaseStatus.Pass };
}

/** The lockstep suite. */
export const lockstepSuite: Suite = {
  name: 'lockstep',
  description: 'lockstep differential execution (driver self-test with injected faults; engine pairs)',
  open(ctx: SuiteContext): Promise<SuiteInstance> {
    const pair = (ctx.options.engines ?? 'interpreter,qemu').split(',');
    if (pair.length !== 2) throw new Error('--opt engines= takes two engine names, e.g. interpreter,qemu');
    const fa = engineFactory(pair[0]);
    const fb = engineFactory(pair[1]);
    const tag = `${fa.name}-vs-${fb.name}`;
    // The toy engine runs only the small subset of PROGRAMS.
    const pairPrograms = fa.name === 'toy' || fb.name === 'toy' ? PROGRAMS : [...PROGRAMS, ...FULL_PROGRAMS];
    const cases = [...PROGRAMS.map((p) => `selftest/${p.name}`), ...pairPrograms.map((p) => `${tag}/${p.name}`)];
    return Promise.resolve({
      cases,
      async run(id: string): Promise<CaseOutcome> {
        const [kind, program] = id.split('/');
        if (kind === 'selftest') return selftest(program, ctx.seed);
        const why = fa.unavailable() ?? fb.unavailable();
        if (why !== null) return { status: CaseStatus.Skip, message: why };
        const g = pairPrograms.find((p) => p.name === program)!;
        const a = fa.create();
        const inject = ctx.options.inject === undefined ? 0 : Number(ctx.options.inject);
        const b = inject > 0 ? new FaultInjectingEngine(fb.create(), { afterStep: inject, flipFlags: Rflags.CF }) : fb.create();
        try {
          const r = await runLockstep(a, b, g, { maxSteps: MAX_STEPS, disassembler: decoderDisassembler(), undefinedFlags: decoderUndefinedFlags() });
          if (r.outcome === 'stopped') return { status: CaseStatus.Pass };
          return { status: CaseStatus.Fail, message: r.outcome === 'limit' ? `no HLT within ${MAX_STEPS} instructions` : formatLockstep(r) };
        } finally {
          await Promise.all([a.close(), b.close()]);
        }
      },
    });
  },
};
