/**
 * System-behaviour fixes found by our guests on Bochs 2.7 (guests/: v86, interrupts, align,
 * debug), one instruction sequence at a time: entering virtual-8086 mode (IRET, task switch),
 * the MOV SS / POP SS debug-trap shadow, #AC alignment checking and data / I/O breakpoints.
 * Exceptions are intercepted (`interceptExceptions`), so each test sees vector, error code and
 * the EIP the event would push. Expectations follow the Intel SDM (cited per test); the same
 * behaviours are checked end to end against Bochs by the guests (apps/monitor guests.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { test as fcTest, fc } from '@fast-check/vitest';
import { Cr0, Cr4, Exc, PhysicalMemoryBus, Rflags, Seg, SegAttr, SysSeg } from '@x86kit/core';
import { Cpu, RunStatus } from './index.js';
import { AccessCheck, alignMask, checkedAccess } from './access-checks.js';

const CODE = 0x10000;
const TSS0 = 0x1000, TSS1 = 0x1100, GDT = 0x800;
const FLAT = 0xffffffff;
const A_CODE = SegAttr.P | SegAttr.S | SegAttr.CODE | SegAttr.READABLE | SegAttr.ACCESSED | SegAttr.DB | SegAttr.G;
const A_DATA = SegAttr.P | SegAttr.S | SegAttr.WRITABLE | SegAttr.ACCESSED | SegAttr.DB | SegAttr.G;
const dpl = (n: number): number => n << SegAttr.DPL_SHIFT;

function desc(bus: PhysicalMemoryBus, sel: number, base: number, limit: number, access: number, flags: number): void {
  bus.write32(GDT + sel, ((limit & 0xffff) | ((base & 0xffff) << 16)) >>> 0);
  bus.write32(GDT + sel + 4, (((base >>> 16) & 0xff) | (access << 8) | (limit & 0xf0000) | (flags << 20) | (base & 0xff000000)) >>> 0);
}

/**
 * Flat 32-bit protected mode at CPL `cpl` (0 or 3), paging off, code at {@link CODE}, ESP =
 * 0x9000; GDT: 0x08/0x10 ring-0 code/data, 0x1b/0x23 ring-3 code/data, 0x28 busy TSS (TR),
 * 0x30 available TSS at {@link TSS1}. Every exception is intercepted.
 */
function pm(code: number[], cpl = 0): { bus: PhysicalMemoryBus; cpu: Cpu } {
  const bus = new PhysicalMemoryBus();
  bus.mapRam(0, 4 << 20);
  bus.load(CODE, Uint8Array.from(code));
  desc(bus, 0x08, 0, 0xfffff, 0x9a, 0xc);
  desc(bus, 0x10, 0, 0xfffff, 0x92, 0xc);
  desc(bus, 0x18, 0, 0xfffff, 0xfa, 0xc);
  desc(bus, 0x20, 0, 0xfffff, 0xf2, 0xc);
  desc(bus, 0x28, TSS0, 0x67, 0x8b, 0);
  desc(bus, 0x30, TSS1, 0x67, 0x89, 0);
  const cpu = new Cpu({ memory: bus });
  const st = cpu.state;
  st.cr0 = Cr0.PE | Cr0.ET;
  st.gdtrBase[0] = GDT; st.gdtrLimit = 0x37;
  for (let s = 0; s < 6; s++) {
    const sel = s === Seg.CS ? (cpl === 3 ? 0x1b : 0x08) : (cpl === 3 ? 0x23 : 0x10);
    st.segSel[s] = sel; st.segBase[2 * s] = 0; st.segLimit[s] = FLAT;
    st.segAttr[s] = (s === Seg.CS ? A_CODE : A_DATA) | dpl(cpl);
  }
  st.segSel[SysSeg.TR] = 0x28; st.segBase[2 * SysSeg.TR] = TSS0; st.segLimit[SysSeg.TR] = 0x67;
  st.segAttr[SysSeg.TR] = SegAttr.P | 0xb;
  st.gpr[8] = 0x9000;
  st.rip[0] = CODE;
  st.rflags = 0x2;
  cpu.loadFromState();
  cpu.interceptExceptions = -1;
  return { bus, cpu };
}

/** Run until an intercepted exception; returns [vector, error code, pushed EIP]. */
function runToException(cpu: Cpu): [number, number, number] {
  expect(cpu.run(1000)).toBe(RunStatus.Intercept);
  return [cpu.exit.code, cpu.exit.info1, cpu.exit.info2 >>> 0];
}

const UD2 = [0x0f, 0x0b];

describe('entering virtual-8086 mode (SDM Vol. 3A 20.2.1, 20.3.3; IRET pseudo-code)', () => {
  /** The V86 state both entries must produce: limit 0xFFFF, DPL 3, base = selector × 16. */
  function expectV86Segments(cpu: Cpu, sels: number[]): void {
    expect(cpu.vm).toBe(true);
    expect(cpu.cpl).toBe(3);
    for (let s = 0; s < 6; s++) {
      expect(cpu.state.segSel[s]).toBe(sels[s]);
      expect(cpu.state.segBase[2 * s] >>> 0).toBe(sels[s] << 4);
      expect(cpu.state.segLimit[s]).toBe(0xffff);
      expect((cpu.state.segAttr[s] >>> SegAttr.DPL_SHIFT) & 3).toBe(3);
      expect(cpu.state.segAttr[s] & SegAttr.P).not.toBe(0);
    }
  }

  it('IRETD to VM=1 gives every segment the V86 limit and attributes, though CpuState.rflags has no VM yet', () => {
    // ring 0: iretd. V86 code at 2000:0100: mov ax,[0xffff] (word across the 64 KiB limit)
    const { bus, cpu } = pm([0xcf]);
    const frame = [0x100, 0x2000, Rflags.VM | 0x2, 0xfff0, 0x3000, 0x1234, 0x4000, 0x5000, 0];
    frame.forEach((v, i) => bus.write32(0x9000 + 4 * i, v));
    bus.load(0x20100, Uint8Array.of(0x8b, 0x06, 0xff, 0xff));
    cpu.state.segLimit[Seg.GS] = 0; cpu.state.segAttr[Seg.GS] = 0; // a null GS before the entry
    expect(cpu.state.rflags & Rflags.VM).toBe(0); // the stale image the old code keyed on
    const [vec, err, eip] = runToException(cpu);
    // ES DS FS GS SS CS order of the frame: [ES, CS, SS, DS, FS, GS] by Seg index
    expectV86Segments(cpu, [0x1234, 0x2000, 0x3000, 0x4000, 0x5000, 0]);
    expect(cpu.getReg(4, 4)).toBe(0xfff0);
    expect([vec, err, eip]).toEqual([Exc.GP, 0, 0x100]); // the V86 limit faults the word at DS:0xFFFF
  });

  it('a task switch to a TSS with EFLAGS.VM = 1 loads V86 segments too', () => {
    const { bus, cpu } = pm([0xea, 0, 0, 0, 0, 0x30, 0]); // jmp 0x30:0 (the V86 TSS)
    bus.write32(TSS1 + 0x20, 0x100); // EIP
    bus.write32(TSS1 + 0x24, Rflags.VM | 0x2); // EFLAGS
    bus.write32(TSS1 + 0x38, 0xfff0); // ESP
    [0x1234, 0x2000, 0x3000, 0x4000, 0x5000, 0x6000].forEach((v, s) => bus.write32(TSS1 + 0x48 + 4 * s, v));
    bus.load(0x20100, Uint8Array.of(0x8b, 0x06, 0xff, 0xff)); // mov ax,[0xffff]
    cpu.state.dr[14] = 0x400 | 0x1 | 0x8 | (1 << 20); // L0 (execute at DR0 = 0), G1 (write breakpoint at 0)
    cpu.loadFromState();
    const [vec, err, eip] = runToException(cpu);
    expectV86Segments(cpu, [0x1234, 0x2000, 0x3000, 0x4000, 0x5000, 0x6000]);
    expect(cpu.state.segSel[SysSeg.TR]).toBe(0x30);
    expect(cpu.state.dr[14] & 0x1ff).toBe(0x8); // the switch cleared L0 (SDM Vol. 3B 18.2.4), kept G1
    expect([vec, err, eip]).toEqual([Exc.GP, 0, 0x100]);
  });

  it('MOV DS in V86 mode (after entering within the same run) gets limit 0xFFFF', () => {
    const { bus, cpu } = pm([0xcf]);
    [0x100, 0x2000, Rflags.VM | 0x2, 0xfff0, 0x3000, 0, 0, 0, 0].forEach((v, i) => bus.write32(0x9000 + 4 * i, v));
    // mov ax,0x4000; mov ds,ax; mov ax,[0xfffe]; ud2
    bus.load(0x20100, Uint8Array.of(0xb8, 0x00, 0x40, 0x8e, 0xd8, 0xa1, 0xfe, 0xff, ...UD2));
    bus.write16(0x4fffe, 0xbeef);
    const [vec] = runToException(cpu);
    expect(vec).toBe(Exc.UD);
    expect(cpu.state.segLimit[Seg.DS]).toBe(0xffff);
    expect(cpu.getReg(2, 0)).toBe(0xbeef);
  });
});

describe('MOV SS / POP SS hold debug traps until after the next instruction (SDM Vol. 2B MOV, Vol. 3A 6.8.3)', () => {
  it('single-step: no trap after MOV SS, one after the next instruction', () => {
    // mov ax,0x10; mov ss,ax; nop; nop
    const { cpu } = pm([0x66, 0xb8, 0x10, 0x00, 0x8e, 0xd0, 0x90, 0x90]);
    cpu.setFlags(cpu.getFlags() | Rflags.TF);
    expect(runToException(cpu)).toEqual([Exc.DB, -1, CODE + 4]); // after mov ax (plain trap)
    cpu.eip = CODE + 4;
    expect(runToException(cpu)).toEqual([Exc.DB, -1, CODE + 7]); // not CODE + 6: after the NOP following MOV SS
    expect(cpu.state.dr[12] & 0x4000).not.toBe(0); // DR6.BS
    cpu.eip = CODE + 7;
    expect(runToException(cpu)).toEqual([Exc.DB, -1, CODE + 8]);
  });

  it('POP SS holds the trap too; STI does not (its shadow blocks interrupts only)', () => {
    // push ss; pop ss; nop; cli; sti; nop
    const { cpu } = pm([0x16, 0x17, 0x90, 0xfa, 0xfb, 0x90]);
    cpu.setFlags(cpu.getFlags() | Rflags.TF);
    expect(runToException(cpu)[2]).toBe(CODE + 1);
    cpu.eip = CODE + 1;
    expect(runToException(cpu)[2]).toBe(CODE + 3); // after the NOP, not after POP SS
    cpu.eip = CODE + 4; // sti (IF was 0: it sets the interrupt shadow)
    expect(runToException(cpu)[2]).toBe(CODE + 5); // trap right after STI
  });

  it('a data breakpoint hit by POP SS is reported after the next instruction, with DR6.Bn', () => {
    // push ss; pop ss; nop  — DR0 watches the stack slot (R/W = 11, LEN = 4)
    const { cpu } = pm([0x16, 0x17, 0x90, ...UD2]);
    cpu.state.dr[0] = 0x9000 - 4;
    cpu.state.dr[14] = 0x1 | (3 << 16) | (3 << 18);
    cpu.loadFromState();
    const [vec, , eip] = runToException(cpu); // PUSH SS wrote the slot: trap after it
    expect([vec, eip]).toEqual([Exc.DB, CODE + 1]);
    cpu.state.dr[12] = 0;
    cpu.eip = CODE + 1;
    expect(runToException(cpu)).toEqual([Exc.DB, -1, CODE + 3]);
    expect(cpu.state.dr[12] & 0xf).toBe(1);
  });
});

describe('#AC alignment checking (SDM Vol. 3A 6.15 interrupt 17, table 6-7)', () => {
  /** Ring 3 with CR0.AM and EFLAGS.AC set; EBX = `ebx`. */
  function ring3(code: number[], ebx: number, am = true, ac = true): Cpu {
    const { cpu } = pm([...code, ...UD2], 3);
    if (am) cpu.state.cr0 |= Cr0.AM;
    cpu.state.rflags |= ac ? Rflags.AC : 0;
    cpu.loadFromState();
    cpu.setReg(4, 3, ebx);
    return cpu;
  }
  const cases: [string, number[], number, boolean][] = [
    ['mov eax,[ebx] at 1 mod 4', [0x8b, 0x03], 0x5001, true],
    ['mov eax,[ebx] at 2 mod 4', [0x8b, 0x03], 0x5002, true],
    ['mov eax,[ebx] aligned', [0x8b, 0x03], 0x5004, false],
    ['mov [ebx],ax at an odd address', [0x66, 0x89, 0x03], 0x5001, true],
    ['mov [ebx],ax at 2 mod 4', [0x66, 0x89, 0x03], 0x5002, false],
    ['mov al,[ebx] (bytes are never misaligned)', [0x8a, 0x03], 0x5003, false],
    ['add [ebx],eax (read-modify-write)', [0x01, 0x03], 0x5006, true],
    ['fld qword [ebx] at 4 mod 8', [0xdd, 0x03], 0x5004, true],
    ['fild qword [ebx] at 4 mod 8', [0xdf, 0x2b], 0x5004, true],
    ['fld qword [ebx] aligned', [0xdd, 0x03], 0x5008, false],
    ['fld tword [ebx] at 4 mod 8 (m80 needs 8)', [0xdb, 0x2b], 0x5004, true],
    ['fnsave [ebx] (108 bytes, 4-aligned: the pieces are not checked)', [0xdd, 0x33], 0x5004, false],
    ['fnsave [ebx] at 2 mod 4', [0xdd, 0x33], 0x5002, true],
    ['fnstenv [ebx] (28 bytes) at 4 mod 8', [0xd9, 0x33], 0x5004, false],
    ['sgdt [ebx] at 4 mod 8 (the 6-byte image needs 4, its dword at +2 is not checked)', [0x0f, 0x01, 0x03], 0x5004, false],
    ['sgdt [ebx] at 2 mod 4', [0x0f, 0x01, 0x03], 0x5002, true],
    ['movsd with ESI misaligned', [0x89, 0xde, 0xbf, 0x00, 0x60, 0x00, 0x00, 0xa5], 0x5001, true],
  ];
  for (const [name, code, ebx, faults] of cases) {
    it(`${name}: ${faults ? '#AC(0), a fault at the instruction' : 'no #AC'}`, () => {
      const cpu = ring3(code, ebx);
      const insnAt = CODE + (name.startsWith('movsd') ? 7 : 0);
      const before = cpu.state.gpr.slice();
      const [vec, err, eip] = runToException(cpu);
      if (faults) {
        expect([vec, err, eip]).toEqual([Exc.AC, 0, insnAt]);
        if (name.startsWith('add')) expect(cpu.state.gpr).toEqual(before); // nothing written, nothing read into registers
      } else {
        expect(vec).toBe(Exc.UD);
      }
    });
  }

  it('push through a misaligned ESP faults and leaves ESP unchanged', () => {
    const cpu = ring3([0x50], 0);
    cpu.setReg(4, 4, 0x8ffe);
    expect(runToException(cpu)).toEqual([Exc.AC, 0, CODE]);
    expect(cpu.getReg(4, 4)).toBe(0x8ffe);
  });

  it('no #AC with CR0.AM = 0, with EFLAGS.AC = 0, or at CPL 0; and nothing is armed then', () => {
    for (const [am, ac] of [[false, true], [true, false]] as const) {
      const cpu = ring3([0x8b, 0x03], 0x5001, am, ac);
      expect(cpu.checks.mode).toBe(0);
      expect(Array.from(cpu.segFastR)).toEqual([1, 1, 1, 1, 1, 1]); // the fast path stays on
      expect(runToException(cpu)[0]).toBe(Exc.UD);
    }
    const { cpu } = pm([0x8b, 0x03, ...UD2], 0);
    cpu.state.cr0 |= Cr0.AM; cpu.state.rflags |= Rflags.AC; cpu.loadFromState();
    cpu.setReg(4, 3, 0x5001);
    expect(cpu.checks.mode).toBe(0);
    expect(runToException(cpu)[0]).toBe(Exc.UD);
  });

  it('POPF setting EFLAGS.AC at CPL 3 arms the check for the next instruction', () => {
    // push 0x40202; popfd; mov eax,[ebx]
    const cpu = ring3([0x68, 0x02, 0x02, 0x04, 0x00, 0x9d, 0x8b, 0x03], 0x5001, true, false);
    expect(cpu.checks.mode).toBe(0);
    expect(runToException(cpu)).toEqual([Exc.AC, 0, CODE + 6]);
    expect(cpu.checks.mode & AccessCheck.Align).not.toBe(0);
  });

  it('alignment by operand size follows table 6-7', () => {
    expect([1, 2, 4, 6, 8, 10, 14, 28, 94, 108, 512].map(alignMask)).toEqual([0, 1, 3, 3, 7, 7, 1, 3, 1, 3, 15]);
  });
});

describe('data and I/O breakpoints (SDM Vol. 3B 18.2.4–18.2.5, 18.3.1.3)', () => {
  const dr7 = (n: number, rw: number, len: number): number => (1 << (2 * n)) | (rw << (16 + 4 * n)) | (len << (18 + 4 * n));
  function armed(code: number[], n: number, addr: number, rw: number, len: number): { bus: PhysicalMemoryBus; cpu: Cpu } {
    const m = pm([...code, ...UD2]);
    m.cpu.state.dr[2 * n] = addr;
    m.cpu.state.dr[14] = dr7(n, rw, len) | 0x400;
    m.cpu.loadFromState();
    return m;
  }

  it('a write breakpoint (R/W = 01, LEN = 4) traps after the store, with DR6.Bn; reads do not trigger it', () => {
    // mov eax,[ebx]; mov [ebx],ecx; nop
    const { bus, cpu } = armed([0x8b, 0x03, 0x89, 0x0b, 0x90], 1, 0x5000, 1, 3);
    cpu.setReg(4, 3, 0x5002); cpu.setReg(4, 1, 0x11223344);
    expect(cpu.checks.mode & AccessCheck.Data).not.toBe(0);
    expect(runToException(cpu)).toEqual([Exc.DB, -1, CODE + 4]);
    expect(cpu.state.dr[12] & 0xf).toBe(2);
    expect(bus.read32(0x5002)).toBe(0x11223344); // the store happened
  });

  it('a one-byte read/write breakpoint: a dword read over it traps, a read of the next byte does not', () => {
    // mov al,[ebx+1]; mov eax,[ebx-2]
    const { cpu } = armed([0x8a, 0x43, 0x01, 0x8b, 0x43, 0xfe], 0, 0x6002, 3, 0);
    cpu.setReg(4, 3, 0x6002);
    expect(runToException(cpu)).toEqual([Exc.DB, -1, CODE + 6]);
    expect(cpu.state.dr[12] & 0xf).toBe(1);
  });

  it('LEN = 8 (encoding 10) covers the aligned quadword of DRn', () => {
    // mov al,[ebx]  (ebx = 0x7010: outside)  ; mov al,[ebx-1] (0x700f: inside 0x7008..0x700f)
    const { cpu } = armed([0x8a, 0x03, 0x8a, 0x43, 0xff], 2, 0x700b, 3, 2);
    cpu.setReg(4, 3, 0x7010);
    expect(runToException(cpu)).toEqual([Exc.DB, -1, CODE + 5]);
    expect(cpu.state.dr[12] & 0xf).toBe(4);
  });

  it('REP MOVSD traps after the iteration that wrote the watched dword (EIP still on the instruction)', () => {
    // rep movsd: ESI 0x5000, EDI 0x6000, ECX 8; DR3 watches 0x600c (the 4th dword) for writes
    const { cpu } = armed([0xf3, 0xa5], 3, 0x600c, 1, 3);
    cpu.setReg(4, 6, 0x5000); cpu.setReg(4, 7, 0x6000); cpu.setReg(4, 1, 8);
    expect(runToException(cpu)).toEqual([Exc.DB, -1, CODE]);
    expect(cpu.getReg(4, 1)).toBe(4); // four iterations done
    expect(cpu.getReg(4, 7)).toBe(0x6010);
    expect(cpu.state.dr[12] & 0xf).toBe(8);
  });

  it('a faulting instruction reports no data breakpoint', () => {
    // mov [ebx],eax with EBX past the segment limit of a 64 KiB DS
    const { cpu } = armed([0x89, 0x03], 0, 0x10000, 3, 3);
    cpu.state.segLimit[Seg.DS] = 0xffff; cpu.loadFromState();
    cpu.setReg(4, 3, 0xfffe);
    expect(runToException(cpu)[0]).toBe(Exc.GP);
    expect(cpu.state.dr[12] & 0xf).toBe(0);
  });

  it('I/O breakpoints (R/W = 10) need CR4.DE; they trap after IN/OUT to a port in range', () => {
    // out dx,al (dx = 0x81); out dx,al (dx = 0x80)... via: mov dx,0x81; out dx,al; dec dx; out dx,al
    const code = [0x66, 0xba, 0x81, 0x00, 0xee, 0x4a, 0xee];
    const off = armed(code, 2, 0x80, 2, 0);
    expect(off.cpu.checks.mode).toBe(0); // CR4.DE = 0: R/W = 10 is undefined, nothing armed
    expect(runToException(off.cpu)[0]).toBe(Exc.UD);
    const on = armed(code, 2, 0x80, 2, 0);
    on.cpu.state.cr4 |= Cr4.DE; on.cpu.loadFromState();
    expect(runToException(on.cpu)).toEqual([Exc.DB, -1, CODE + 7]);
    expect(on.cpu.state.dr[12] & 0xf).toBe(4);
  });

  it('MOV DR7 arms and disarms the checks (and with no data breakpoint the fast paths stay on)', () => {
    // mov eax, dr7 value; mov dr7, eax; mov [ebx], ecx
    const v = dr7(0, 1, 3) | 0x400;
    const { cpu } = pm([0xb8, v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24, 0x0f, 0x23, 0xf8, 0x89, 0x0b, ...UD2]);
    cpu.state.dr[0] = 0x5000;
    // a first pass (store elsewhere) fills the decoded-instruction cache, so the second pass
    // runs the store from the run loop's straight-line path right after MOV DR7 arms it
    cpu.setReg(4, 3, 0x7000);
    expect(runToException(cpu)[0]).toBe(Exc.UD);
    cpu.state.dr[14] = 0x400; cpu.state.rip[0] = CODE; cpu.loadFromState();
    cpu.setReg(4, 3, 0x5000);
    expect(cpu.checks.mode).toBe(0);
    expect(Array.from(cpu.segFastW)).toEqual([1, 0, 1, 1, 1, 1]); // (CS is not writable)
    expect(runToException(cpu)).toEqual([Exc.DB, -1, CODE + 10]);
    expect(Array.from(cpu.segFastW)).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe('data-breakpoint matching (property)', () => {
  const LEN = [1, 2, 8, 4];
  // the hit rule by brute force: some byte of the access lies in DRn's LEN-aligned range
  fcTest.prop([
    fc.integer({ min: 0, max: 0x3f }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 3 }),
    fc.integer({ min: 0, max: 0x3f }), fc.constantFrom(1, 2, 4, 8, 10), fc.boolean(),
  ], { numRuns: 300 })('hits exactly when the byte ranges overlap and R/W allows the access', (bp, lenCode, rw, at, size, write) => {
    const { cpu } = pm([0x90]);
    const base = 0x5000;
    cpu.state.dr[0] = base + bp;
    cpu.state.dr[14] = 0x401 | (rw << 16) | (lenCode << 18);
    cpu.loadFromState();
    if (rw === 2) { expect(cpu.checks.mode & AccessCheck.Data).toBe(0); return; } // I/O (CR4.DE = 0 here)
    cpu.checks.hits = 0;
    checkedAccess(cpu, base + at, size, write);
    const len = LEN[lenCode];
    const lo = bp & ~(len - 1);
    let overlap = false;
    for (let b = at; b < at + size; b++) if (b >= lo && b < lo + len) overlap = true;
    expect(cpu.checks.hits).toBe(overlap && (rw === 3 || write) ? 1 : 0);
  });
});
