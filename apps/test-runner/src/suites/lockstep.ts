/**
 * The `lockstep` suite. Two kinds of case:
 * - `selftest/<program>`: a reference engine against a copy with an injected fault; passes when
 *   the driver reports the divergence at exactly the injected instruction (proves the driver).
 * - `<a>-vs-<b>/<program>`: the built-in programs under two engines (default `interpreter` vs
 *   `qemu`; `--opt engines=a,b`); passes when they agree until both stop. Skipped when an
 *   engine is unavailable here. `--opt inject=N` flips CF in the second engine after its N-th
 *   instruction (a demonstration: those cases then fail with the divergence report).
 * - With `engines=machine,qemu`: `<a>-vs-<b>/guest/<name>` boots each multiboot guest of
 *   `guests/guests.json` in both (the machine starts from QEMU's registers and multiboot
 *   information at the kernel entry) and compares up to `--opt steps=N` instructions (default
 *   20,000). RFLAGS.RF is not compared against QEMU, which does not set it in the EFLAGS image
 *   of a fault (Intel SDM Vol. 3A 17.3.1.1; the silicon corpus shows the hardware does).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OptionError, Rflags } from '@x86kit/core';
import { workspaceRoot } from '../data-dir.js';
import type { LockstepGuest } from '../lockstep/engine.js';
import { decoderDisassembler, decoderUndefinedFlags } from '../lockstep/decoder-disasm.js';
import { runLockstep, formatLockstep } from '../lockstep/driver.js';
import { engineFactory } from '../lockstep/engines.js';
import { FaultInjectingEngine } from '../lockstep/fault.js';
import { FULL_PROGRAMS, PROGRAMS, realModeStart } from '../lockstep/programs.js';
import { ToyEngine } from '../lockstep/toy-engine.js';
import { CaseStatus, optionInt, type CaseOutcome, type Suite, type SuiteContext, type SuiteInstance } from '../suite.js';

const MAX_STEPS = 100_000;

/** Multiboot guests of `guests/guests.json` as lockstep guests. */
function ourGuests(): LockstepGuest[] {
  const dir = join(workspaceRoot(), 'guests');
  const path = join(dir, 'guests.json');
  if (!existsSync(path)) return [];
  const list = (JSON.parse(readFileSync(path, 'utf8')) as { guests: { name: string; image: string }[] }).guests;
  return list.map((g) => ({ name: `guest/${g.name}`, regions: [], initial: realModeStart(), memSize: 128 << 20, kernel: { path: join(dir, g.image), cmdline: '' } }));
}

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

/**
 * Where QEMU's multiboot loader left data the kernel reads: the information structure at EBX
 * and what it points to (command line, memory map, modules and their strings), Multiboot
 * Specification 0.6.96 section 3.3.
 */
async function multibootInfo(second: { gpr: string[] }, read: (addr: number, len: number) => Promise<Uint8Array>): Promise<{ addr: number; len: number }[]> {
  const ebx = Number(BigInt(second.gpr[3]) & 0xffffffffn);
  const info = new DataView((await read(ebx, 88)).buffer);
  const flags = info.getUint32(0, true);
  const out = [{ addr: ebx, len: 88 }];
  if ((flags & 1 << 2) !== 0) out.push({ addr: info.getUint32(16, true), len: 4096 });
  if ((flags & 1 << 3) !== 0 && info.getUint32(20, true) > 0) {
    const mods = info.getUint32(24, true);
    const count = Math.min(info.getUint32(20, true), 64);
    out.push({ addr: mods, len: 16 * count });
    const table = new DataView((await read(mods, 16 * count)).buffer);
    for (let i = 0; i < count; i++) out.push({ addr: table.getUint32(16 * i + 8, true), len: 4096 });
  }
  if ((flags & 1 << 6) !== 0) out.push({ addr: info.getUint32(48, true), len: Math.min(info.getUint32(44, true), 4096) });
  return out;
}

/** The lockstep suite. */
export const lockstepSuite: Suite = {
  name: 'lockstep',
  description: 'lockstep differential execution (driver self-test with injected faults; engine pairs)',
  open(ctx: SuiteContext): Promise<SuiteInstance> {
    const pair = (ctx.options.engines ?? 'interpreter,qemu').split(',');
    if (pair.length !== 2) throw new OptionError('OPTION_INVALID', `--opt engines=${ctx.options.engines}: expected two engine names, e.g. interpreter,qemu`);
    const fa = engineFactory(pair[0]);
    const fb = engineFactory(pair[1]);
    const tag = `${fa.name}-vs-${fb.name}`;
    // The toy engine runs only the small subset of PROGRAMS; the machine runs whole guests.
    const kernels = fa.name === 'machine' || fb.name === 'machine';
    const pairPrograms = kernels ? ourGuests() : fa.name === 'toy' || fb.name === 'toy' ? PROGRAMS : [...PROGRAMS, ...FULL_PROGRAMS];
    const steps = kernels ? optionInt(ctx.options, 'steps', 20_000, 1) : MAX_STEPS;
    const inject = optionInt(ctx.options, 'inject', 0, 0);
    const qemuInvolved = fa.name === 'qemu' || fb.name === 'qemu';
    const cases = [...PROGRAMS.map((p) => `selftest/${p.name}`), ...pairPrograms.map((p) => `${tag}/${p.name}`)];
    return Promise.resolve({
      cases,
      async run(id: string): Promise<CaseOutcome> {
        const kind = id.slice(0, id.indexOf('/'));
        const program = id.slice(id.indexOf('/') + 1);
        if (kind === 'selftest') return selftest(program, ctx.seed);
        const why = fa.unavailable() ?? fb.unavailable();
        if (why !== null) return { status: CaseStatus.Skip, message: why };
        const g = pairPrograms.find((p) => p.name === program)!;
        const a = fa.create();
        const b = inject > 0 ? new FaultInjectingEngine(fb.create(), { afterStep: inject, flipFlags: Rflags.CF }) : fb.create();
        try {
          const r = await runLockstep(a, b, g, {
            maxSteps: steps, disassembler: decoderDisassembler(), undefinedFlags: decoderUndefinedFlags(),
            ...(qemuInvolved ? { flagsMask: ~Rflags.RF } : {}),
            ...(g.kernel !== undefined ? { syncFromSecond: { memory: multibootInfo } } : {}),
          });
          if (r.outcome === 'stopped') return { status: CaseStatus.Pass, message: formatLockstep(r).trim() };
          if (r.outcome === 'limit') {
            return g.kernel !== undefined
              ? { status: CaseStatus.Pass, message: `no divergence in the first ${r.steps} instructions` }
              : { status: CaseStatus.Fail, message: `no HLT within ${steps} instructions` };
          }
          return { status: CaseStatus.Fail, message: formatLockstep(r) };
        } finally {
          await Promise.all([a.close(), b.close()]);
        }
      },
    });
  },
};
