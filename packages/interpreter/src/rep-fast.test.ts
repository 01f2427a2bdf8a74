/**
 * The REP MOVS/STOS fast path of the run loop (`Cpu.repChunk`) against the per-iteration path:
 * `step()` never takes it, `run(n)` does. Random real-mode REP string instructions (byte, word,
 * dword, 16/32-bit address size, both directions, overlapping copies, segment-limit wrap, SMC
 * over the instruction itself) must leave the same registers, memory, EIP, exceptions and
 * `instret`, for the whole run and for any instruction budget (resumability).
 */
import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { PhysicalMemoryBus, Seg } from '@x86kit/core';
import { Cpu, RunStatus } from './index.js';

interface Case {
  op: number; o32: boolean; a32: boolean; f2: boolean; df: boolean;
  cx: number; si: number; di: number; ds: number; es: number; eax: number;
}
const CODE = 0x7c00;
/** `X86KIT_FULL=1`: many more random cases. */
const FULL = process.env.X86KIT_FULL === '1';
const SPAN = 0x40000;

function machine(c: Case): { cpu: Cpu; bus: PhysicalMemoryBus } {
  const bus = new PhysicalMemoryBus();
  bus.mapRam(0, 1 << 20);
  const init = new Uint8Array(SPAN);
  for (let i = 0; i < SPAN; i++) init[i] = (i * 7 + (i >>> 8)) & 0xff;
  bus.load(0, init);
  // #UD, #GP, #SS → HLT at 0:0500
  for (const v of [6, 12, 13]) bus.write32(v * 4, 0x0500);
  bus.write8(0x500, 0xf4);
  const code: number[] = [];
  if (c.o32) code.push(0x66);
  if (c.a32) code.push(0x67);
  code.push(c.f2 ? 0xf2 : 0xf3, c.op, 0xf4);
  bus.load(CODE, Uint8Array.from(code));
  const cpu = new Cpu({ memory: bus });
  cpu.loadSegReal(Seg.CS, 0);
  cpu.loadSegReal(Seg.SS, 0);
  cpu.loadSegReal(Seg.DS, c.ds);
  cpu.loadSegReal(Seg.ES, c.es);
  cpu.setReg(2, 4, 0x7000);
  cpu.setReg(4, 0, c.eax);
  cpu.setReg(4, 1, c.cx);
  cpu.setReg(4, 6, c.si);
  cpu.setReg(4, 7, c.di);
  if (c.df) cpu.setFlagBits(0x400, 0x400);
  cpu.eip = CODE;
  return { cpu, bus };
}

function fingerprint(cpu: Cpu, bus: PhysicalMemoryBus): string {
  const regs = Array.from({ length: 8 }, (_, r) => cpu.getReg(4, r));
  let h = 0;
  for (let a = 0; a < SPAN; a += 4096) {
    const p = bus.ramPage(a) ?? new Uint8Array(4096);
    for (let o = 0; o < 4096; o++) h = (Math.imul(h, 31) + p[o]) | 0;
  }
  return JSON.stringify({ regs, eip: cpu.eip, instret: cpu.instret, ex: Array.from(cpu.counters.exceptions), h, halted: cpu.state.halted });
}

const caseArb = fc.record({
  op: fc.constantFrom(0xa4, 0xa5, 0xaa, 0xab),
  o32: fc.boolean(), a32: fc.boolean(), f2: fc.boolean(), df: fc.boolean(),
  cx: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 9000 })),
  si: fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0x7b00, max: 0x7c10 })),
  di: fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0x7b00, max: 0x7c10 }), fc.integer({ min: 0xff00, max: 0xffff })),
  ds: fc.constantFrom(0, 0x100, 0x1000, 0x2000),
  es: fc.constantFrom(0, 0x0001, 0x1000, 0x2000),
  eax: fc.integer({ min: 0, max: 0xffffffff }),
});

/** Steps one iteration at a time (the per-iteration path) until HLT; returns the step count. */
function stepAll(cpu: Cpu): number {
  expect(cpu.counters.repFastIterations).toBe(0);
  let n = 0;
  while (!cpu.state.halted && n < 20_000) { cpu.step(); n++; }
  return n;
}

describe('REP MOVS/STOS fast path', () => {
  fcTest.prop([caseArb], { numRuns: FULL ? 1000 : 50 })('run() equals stepping every iteration', (c) => {
    const a = machine(c), b = machine(c);
    const steps = stepAll(b.cpu);
    // (a store over the IVT can send the #GP handler into garbage that never halts: then both
    // runs stop after the same number of steps)
    expect(a.cpu.run(steps)).toBe(b.cpu.state.halted ? RunStatus.Halted : RunStatus.BudgetExhausted);
    expect(fingerprint(a.cpu, a.bus)).toBe(fingerprint(b.cpu, b.bus));
  }, FULL ? 600_000 : undefined);

  fcTest.prop([caseArb, fc.integer({ min: 1, max: 3000 })], { numRuns: FULL ? 500 : 30 })('any budget stops after exactly that many iterations', (c, budget) => {
    const a = machine(c), b = machine(c);
    let n = 0;
    while (!b.cpu.state.halted && n < budget) { b.cpu.step(); n++; }
    const st = a.cpu.run(budget);
    expect(st === RunStatus.Halted).toBe(b.cpu.state.halted);
    expect(fingerprint(a.cpu, a.bus)).toBe(fingerprint(b.cpu, b.bus));
    // and the rest of the run still agrees
    a.cpu.run(stepAll(b.cpu));
    expect(fingerprint(a.cpu, a.bus)).toBe(fingerprint(b.cpu, b.bus));
  }, FULL ? 600_000 : undefined);

  it('a large REP MOVSD / STOSB takes the chunked path and retires one instruction', () => {
    const c: Case = { op: 0xa5, o32: true, a32: false, f2: false, df: false, cx: 0x2000, si: 0, di: 0, ds: 0x1000, es: 0x3000, eax: 0 };
    const { cpu, bus } = machine(c);
    expect(cpu.run(0x2000 + 1)).toBe(RunStatus.Halted);
    expect(cpu.instret).toBe(2);
    expect(cpu.getReg(4, 1)).toBe(0);
    expect(cpu.getReg(2, 6)).toBe(0x8000);
    expect(cpu.getReg(2, 7)).toBe(0x8000);
    for (const off of [0, 1, 0x1fff, 0x7ffc, 0x7fff]) expect(bus.read8(0x30000 + off)).toBe(bus.read8(0x10000 + off));
    expect(cpu.decodes).toBe(2); // the REP record was looked up from the cache for every chunk
    expect(cpu.counters.repFastIterations).toBeGreaterThan(0x1f00); // all but the first iteration (stepInsn) and page-edge ones
  });

  it('DF = 1: overlapping backward copies (memmove idiom and pattern replication) and fills are chunked and exact', () => {
    for (const [op, o32, si, di] of [[0xa4, false, 0x5fff, 0x6fff], [0xa5, true, 0x6ffc, 0x6ff8], [0xa5, true, 0x6ff8, 0x6ffc], [0xa4, false, 0x6fff, 0x6ffe], [0xab, false, 0, 0x6ffe]] as const) {
      const c: Case = { op, o32, a32: false, f2: false, df: true, cx: 0x600, si, di, ds: 0x1000, es: 0x1000, eax: 0x11223344 };
      const a = machine(c), b = machine(c);
      const steps = stepAll(b.cpu);
      expect(a.cpu.run(steps)).toBe(RunStatus.Halted);
      expect(a.cpu.counters.repFastIterations).toBeGreaterThan(0x400);
      expect(fingerprint(a.cpu, a.bus)).toBe(fingerprint(b.cpu, b.bus));
    }
  });

  it('an interrupt pending before the instruction is taken first; REP resumes after IRET (IF = 1)', () => {
    const c: Case = { op: 0xaa, o32: false, a32: false, f2: false, df: false, cx: 5000, si: 0, di: 0, ds: 0, es: 0x2000, eax: 0x5a };
    const { cpu, bus } = machine(c);
    bus.write32(0x20 * 4, 0x0600); // vector 0x20 → 0:0600: inc bx ; iret
    bus.load(0x600, Uint8Array.of(0x43, 0xcf));
    cpu.setFlagBits(0x200, 0x200);
    let pending = 1;
    cpu.interrupts = { hasInterrupt: () => pending > 0, acknowledge: () => { pending--; return 0x20; } };
    expect(cpu.run(2000)).toBe(RunStatus.BudgetExhausted);
    expect(cpu.getReg(2, 3)).toBe(1);
    expect(cpu.getReg(2, 1)).toBe(5000 - (2000 - 2));
    pending = 1;
    expect(cpu.run(100_000)).toBe(RunStatus.Halted);
    expect(cpu.getReg(2, 3)).toBe(2);
    expect(cpu.getReg(2, 1)).toBe(0);
    expect(bus.read8(0x20000 + 4999)).toBe(0x5a);
    expect(bus.read8(0x20000 + 5000)).not.toBe(0x5a);
  });
});
