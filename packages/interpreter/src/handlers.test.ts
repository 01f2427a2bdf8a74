/**
 * The specialised Code-keyed handlers (handlers.ts) must agree exactly with the generic opcode
 * handlers they shortcut: random instances of every specialised form run on two CPUs, one
 * decoding to specialised handlers and one to the generic adapter, in 32-bit flat protected
 * mode and in 16-bit real mode; registers, EFLAGS, EIP, the exception and memory must match.
 */
import { describe, expect, it } from 'vitest';
import { test as fcTest, fc } from '@fast-check/vitest';
import { Cr0, PhysicalMemoryBus, Seg, SegAttr } from '@x86kit/core';
import { Code } from '@x86kit/decoder';
import { Cpu, RunStatus } from './index.js';
import { setSpecialisedHandlers } from './exec.js';
import { REG_FORM, MEM_FORM } from './handlers.js';

/** Opcode heads of the specialised forms (ModRM/immediates are drawn at random). */
const HEADS: number[][] = [
  ...[0x01, 0x03, 0x09, 0x0b, 0x11, 0x13, 0x19, 0x1b, 0x21, 0x23, 0x29, 0x2b, 0x31, 0x33, 0x39, 0x3b, 0x85, 0x89, 0x8b, 0x8d, 0xc7, 0x81, 0x83, 0xd1, 0xc1, 0xd3, 0xff, 0xf7].map((b) => [b]),
  ...[0x05, 0x0d, 0x15, 0x1d, 0x25, 0x2d, 0x35, 0x3d, 0xa9].map((b) => [b]),
  // 8-bit forms
  ...[0x00, 0x02, 0x08, 0x0a, 0x10, 0x12, 0x18, 0x1a, 0x20, 0x22, 0x28, 0x2a, 0x30, 0x32, 0x38, 0x3a, 0x84, 0x88, 0x8a, 0xc6, 0x80, 0x82].map((b) => [b]),
  ...[0x04, 0x0c, 0x14, 0x1c, 0x24, 0x2c, 0x34, 0x3c, 0xa8, 0xb0, 0xb3, 0xb4, 0xb7].map((b) => [b]),
  [0x40], [0x43], [0x48], [0x4f], [0x50], [0x53], [0x58], [0x5e], [0x68], [0x6a], [0xb8], [0xbd],
  [0x74], [0x75], [0x7c], [0x7f], [0x72], [0xeb], [0xe9], [0xe8], [0xc3],
  [0x0f, 0x84], [0x0f, 0x85], [0x0f, 0x8e], [0x0f, 0xb6], [0x0f, 0xb7], [0x0f, 0xbe],
];

const RAM = 1 << 20;
const image = new Uint8Array(RAM);
for (let a = 0; a < 0x100; a++) image[0x8000 + a] = (a * 37 + 11) & 0xff; // data around 0x8000

/** One CPU per (code size, handler kind), reused: memory is reloaded before every case. */
const machines = new Map<string, Cpu>();
function machine(code32: boolean, spec: boolean): Cpu {
  const key = `${code32}${spec}`;
  let cpu = machines.get(key);
  if (cpu === undefined) {
    const bus = new PhysicalMemoryBus();
    bus.mapRam(0, RAM);
    cpu = new Cpu({ memory: bus });
    cpu.interceptExceptions = -1; // report exceptions instead of delivering them
    machines.set(key, cpu);
  }
  return cpu;
}

function prepare(cpu: Cpu, code32: boolean, bytes: Uint8Array, regs: number[], flags: number): void {
  const bus = cpu.mem as PhysicalMemoryBus;
  bus.writeBytes(0, image.subarray(0, 0x4000));
  bus.writeBytes(0x5000, image.subarray(0x5000));
  // the code page is rewritten (and its decoded instructions dropped) only when it changed
  const page = new Uint8Array(0x1000);
  page.set(bytes);
  const now = new Uint8Array(0x1000);
  bus.readBytes(0x4000, now);
  if (Buffer.compare(page, now) !== 0) bus.writeBytes(0x4000, page);
  if (code32) {
    const st = cpu.state;
    for (let s = 0; s < 6; s++) {
      st.segSel[s] = s === Seg.CS ? 8 : 16;
      st.segBase[2 * s] = 0;
      st.segLimit[s] = 0xfffff;
      st.segAttr[s] = SegAttr.P | SegAttr.S | SegAttr.DB | SegAttr.ACCESSED | (s === Seg.CS ? SegAttr.CODE | SegAttr.READABLE : SegAttr.WRITABLE);
    }
    st.cr0 = Cr0.PE | 0x10;
    st.rip[0] = 0x4000;
    st.rflags = flags;
    st.halted = false;
    cpu.loadFromState();
  } else {
    cpu.reset();
    cpu.interceptExceptions = -1;
    cpu.loadSegReal(Seg.CS, 0x400);
    for (const s of [Seg.DS, Seg.ES, Seg.SS]) cpu.loadSegReal(s, 0x0700);
    cpu.eip = 0;
    cpu.setFlags(flags);
  }
  for (let r = 0; r < 8; r++) cpu.setReg(4, r, regs[r]);
}

const ma = new Uint8Array(RAM), mb = new Uint8Array(RAM);
/**
 * Run `NOP; insn` twice on each machine: the first pass decodes (the instruction runs through
 * its handler), the second runs it from the cache inside the straight-line loop (its inline
 * fast case, if it has one). The second pass is compared.
 */
function runTwice(cpu: Cpu, code32: boolean, bytes: Uint8Array, regs: number[], flags: number): RunStatus {
  prepare(cpu, code32, bytes, regs, flags);
  cpu.run(2);
  prepare(cpu, code32, bytes, regs, flags);
  return cpu.run(2);
}
function runBoth(code32: boolean, insn: Uint8Array, regs: number[], flags: number): void {
  const bytes = Uint8Array.from([0x90, ...insn]);
  setSpecialisedHandlers(true);
  const a = machine(code32, true);
  const i0 = a.instret;
  const sa = runTwice(a, code32, bytes, regs, flags);
  setSpecialisedHandlers(false);
  const b = machine(code32, false);
  const j0 = b.instret;
  const sb = runTwice(b, code32, bytes, regs, flags);
  setSpecialisedHandlers(true);
  expect(sa).toBe(sb);
  if (sa === RunStatus.Intercept) expect([a.exit.code, a.exit.info1]).toEqual([b.exit.code, b.exit.info1]);
  for (let r = 0; r < 8; r++) expect(a.getReg(4, r), `reg ${r}`).toBe(b.getReg(4, r));
  expect(a.getFlags()).toBe(b.getFlags());
  expect(a.eip).toBe(b.eip);
  expect(a.instret - i0).toBe(b.instret - j0);
  (a.mem as PhysicalMemoryBus).readBytes(0, ma);
  (b.mem as PhysicalMemoryBus).readBytes(0, mb);
  expect(Buffer.compare(ma, mb)).toBe(0);
}

const regArb = fc.array(fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0x7f00, max: 0x8100 }), fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xffffffff)), { minLength: 8, maxLength: 8 });
const insnArb = fc.tuple(fc.constantFrom(...HEADS), fc.boolean(), fc.uint8Array({ minLength: 8, maxLength: 8 }));

describe('specialised handlers agree with the generic ones', () => {
  it('every specialised Code has a register or memory handler registered', () => {
    for (const name of ['Add_rm32_r32', 'Mov_r32_rm32', 'Cmp_rm32_imm8', 'Jne_rel8_32', 'Call_rel32_32', 'Retnd', 'Push_r32', 'Lea_r32_m', 'Inc_r32']) {
      const k = (Code as Record<string, number>)[name];
      expect(REG_FORM[k] ?? MEM_FORM[k], name).toBeDefined();
    }
  });
  for (const code32 of [true, false]) {
    fcTest.prop([insnArb, regArb, fc.integer({ min: 0, max: 0xfff })], { numRuns: 300, endOnFailure: true })(`${code32 ? '32' : '16'}-bit code`, (insn, regs, fl) => {
      const [head, o16, tail] = insn;
      const bytes = Uint8Array.from([...(o16 ? [0x66] : []), ...head, ...tail]);
      // keep the stack inside RAM and away from the code
      regs[4] = code32 ? 0x9000 + (regs[4] & 0xff) * 4 : 0x1000 + (regs[4] & 0xff) * 2;
      runBoth(code32, bytes, regs, (fl & 0x8d5) | 2);
    });
  }
});
