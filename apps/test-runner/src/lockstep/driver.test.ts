import { describe, expect, test } from 'vitest';
import { Rflags } from '@x86kit/core';
import { decoderDisassembler, decoderUndefinedFlags } from './decoder-disasm.js';
import { runLockstep, formatLockstep } from './driver.js';
import { FaultInjectingEngine } from './fault.js';
import { PROGRAMS, PROGRAM_BASE } from './programs.js';
import { ToyEngine } from './toy-engine.js';

const fib = PROGRAMS.find((p) => p.name === 'fibonacci')!;

describe('lockstep driver', () => {
  test('two identical engines agree until both stop', async () => {
    for (const g of PROGRAMS) {
      const r = await runLockstep(new ToyEngine('a'), new ToyEngine('b'), g, { maxSteps: 10_000 });
      expect(r.outcome, g.name).toBe('stopped');
      expect(r.divergence).toBeUndefined();
    }
    const r = await runLockstep(new ToyEngine('a'), new ToyEngine('b'), fib, { maxSteps: 10_000 });
    // 3 movs + 24 rounds × 6 + HLT
    expect(r.steps).toBe(3 + 24 * 6 + 1);
  });

  test('finds an injected CF flip at the exact instruction, with diff and disassembly', async () => {
    // Instruction 5 is the first `add dx,bx` (after mov ax; mov bx; mov cx; mov dx,ax).
    const bad = new FaultInjectingEngine(new ToyEngine('toy'), { afterStep: 5, flipFlags: Rflags.CF }, 'toy+fault');
    const r = await runLockstep(new ToyEngine('toy'), bad, fib, { maxSteps: 10_000 });
    expect(r.outcome).toBe('diverged');
    const d = r.divergence!;
    expect(d.step).toBe(5);
    expect(d.exact).toBe(true);
    expect(d.diff).toEqual(['rflags: 2 → 3']); // 0 + 1 = 1: every status flag clear, then CF flipped
    const last = d.trace[d.trace.length - 1];
    expect(last.ip).toBe(PROGRAM_BASE + 11);
    expect(Array.from(last.bytes)).toEqual([0x01, 0xda]);
    const text = formatLockstep(r);
    expect(text).toContain('DIVERGED after instruction 5 at 0000:100b');
    expect(text).toMatch(/=> #5 +0000:100b {2}01 da/);
    expect(text).toMatch(/\* eflags +00000002 +00000003/);
  });

  test('block mode narrows to the same instruction through checkpoints', async () => {
    const bad = new FaultInjectingEngine(new ToyEngine('toy'), { afterStep: 40, gpr: 3, xorValue: 0x100 }, 'toy+fault');
    const r = await runLockstep(new ToyEngine('toy'), bad, fib, { maxSteps: 10_000, block: 16 });
    expect(r.divergence?.step).toBe(40);
    expect(r.divergence?.exact).toBe(true);
    expect(r.divergence?.diff.length).toBe(1);
    expect(r.divergence?.diff[0]).toMatch(/^gpr\.3: /);
  });

  test('a masked flag does not count as a divergence', async () => {
    const bad = new FaultInjectingEngine(new ToyEngine('toy'), { afterStep: 1, flipFlags: Rflags.AF }, 'toy+fault');
    const g = PROGRAMS.find((p) => p.name === 'sum-loop')!;
    const r = await runLockstep(new ToyEngine(), bad, g, { maxSteps: 1000, flagsMask: ~Rflags.AF });
    expect(r.outcome).toBe('stopped');
  });
});

describe('lockstep report with the decoder', () => {
  test('disassembles the instructions before the divergence', async () => {
    const bad = new FaultInjectingEngine(new ToyEngine('toy'), { afterStep: 5, flipFlags: Rflags.CF }, 'toy+fault');
    const r = await runLockstep(new ToyEngine('toy'), bad, fib, { maxSteps: 100, disassembler: decoderDisassembler() });
    const text = formatLockstep(r);
    expect(text).toMatch(/ {5}#1 +0000:1000 {2}b8 00 00 +mov ax,0\n/);
    expect(text).toMatch(/ {5}#4 +0000:1009 {2}89 c2 +mov dx,ax\n/);
    expect(text).toMatch(/ {2}=> #5 +0000:100b {2}01 da +add dx,bx\n/);
    expect(text).toContain('diff (toy → toy+fault):\n    rflags: 2 → 3');
  });
});

describe('undefined flags', () => {
  // flag-edges: instruction 6 is `xor si,si`, which leaves AF undefined (Intel SDM Vol. 2, XOR).
  const edges = PROGRAMS.find((p) => p.name === 'flag-edges')!;
  const afFlip = (): FaultInjectingEngine => new FaultInjectingEngine(new ToyEngine('toy'), { afterStep: 6, flipFlags: Rflags.AF }, 'toy+AF');

  test('an AF difference after XOR is a divergence without instruction info', async () => {
    const r = await runLockstep(new ToyEngine('toy'), afFlip(), edges, { maxSteps: 100 });
    expect(r.divergence?.step).toBe(6);
    expect(r.divergence?.diff).toEqual(['rflags: 70 → 86']);
  });

  test('with the decoder\'s undefined-flag info it is masked and resynchronised, in both modes', async () => {
    for (const block of [1, 4]) {
      const r = await runLockstep(new ToyEngine('toy'), afFlip(), edges, { maxSteps: 100, block, undefinedFlags: decoderUndefinedFlags() });
      expect(r.outcome, `block ${block}`).toBe('stopped');
      // Block mode compares at block ends only: SUB redefines AF before the end of the block,
      // so there is nothing to resynchronise there.
      expect(r.flagResyncs, `block ${block}`).toBe(block === 1 ? 1 : 0);
    }
  });

  test('a defined flag after the same instruction still diverges', async () => {
    const bad = new FaultInjectingEngine(new ToyEngine('toy'), { afterStep: 6, flipFlags: Rflags.ZF }, 'toy+ZF');
    const r = await runLockstep(new ToyEngine('toy'), bad, edges, { maxSteps: 100, undefinedFlags: decoderUndefinedFlags() });
    expect(r.divergence?.step).toBe(6);
  });
});
