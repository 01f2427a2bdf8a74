import { describe, expect, it } from 'vitest';
import { Exc, PhysicalMemoryBus, Seg } from '@x86kit/core';
import { Cpu } from './index.js';
import { realModeMachine as machine, runToHaltOrFault as run } from './test-machine.test-util.js';

/** ST(i) as its 80-bit image: [sign+exponent, high, low] significand dwords (uint32). */
function image(cpu: Cpu, i: number): number[] {
  const f = cpu.fpu, p = (f.top + i) & 7;
  f.materialize(p);
  return [f.rawSe[p], f.rawHi[p] >>> 0, f.rawLo[p] >>> 0];
}
const INDEFINITE = [0xffff, 0xc0000000, 0];
const FNINIT = [0xdb, 0xe3], FLD1 = [0xd9, 0xe8], HLT = 0xf4;
const C1 = 0x200, IE = 1, SF = 0x40, PE = 0x20;

describe('x87 masked stack faults (Intel SDM Vol. 1, 8.5.1.1)', () => {
  it('a push onto a full stack stores the QNaN indefinite, not the constant or the m80 image', () => {
    const fill = [...FNINIT, ...[0, 1, 2, 3, 4, 5, 6, 7].flatMap(() => FLD1)];
    const a = machine([...fill, 0xd9, 0xeb, HLT]); // ... fldpi
    expect(run(a.cpu)).toBe(-1);
    expect(image(a.cpu, 0)).toEqual(INDEFINITE);
    expect(a.cpu.fpu.statusWord() & (C1 | IE | SF)).toBe(C1 | IE | SF);
    const b = machine([...fill, 0xdb, 0x2e, 0x00, 0x20, HLT]); // ... fld tword [0x2000]
    b.bus.write32(0x2000, 0x12345678); b.bus.write32(0x2004, 0x9abcdef0); b.bus.write16(0x2008, 0x4001);
    expect(run(b.cpu)).toBe(-1);
    expect(image(b.cpu, 0)).toEqual(INDEFINITE);
  });

  it('FABS/FCHS, FST ST(i) and FXCH of an empty register use the indefinite, not its stale contents', () => {
    const { bus, cpu } = machine([...FNINIT, 0xdb, 0x2e, 0x00, 0x20, 0xdd, 0xc0, 0xd9, 0xe1, HLT]); // fld m80; ffree st0; fabs
    bus.write32(0x2004, 0x80000000); bus.write16(0x2008, 0xbfff); // -1: its image stays in the freed register
    expect(run(cpu)).toBe(-1);
    expect(image(cpu, 0)).toEqual(INDEFINITE);
    const x = machine([...FNINIT, 0xdb, 0x2e, 0x00, 0x20, 0xdd, 0xc0, ...FLD1, 0xd9, 0xc9, HLT]); // ...; fld1; fxch st1 (empty)
    x.bus.write32(0x2004, 0x80000000); x.bus.write16(0x2008, 0xbfff);
    expect(run(x.cpu)).toBe(-1);
    expect(image(x.cpu, 0)).toEqual(INDEFINITE);
    expect(image(x.cpu, 1)).toEqual([0x3fff, 0x80000000, 0]);
  });

  it('FCMOVcc with an empty operand loads the indefinite whatever the condition', () => {
    const { cpu } = machine([...FNINIT, ...FLD1, 0xf8, 0xda, 0xc1, HLT]); // fld1; clc; fcmovb st0, st1 (st1 empty, CF=0)
    expect(run(cpu)).toBe(-1);
    expect(image(cpu, 0)).toEqual(INDEFINITE);
    expect(cpu.fpu.statusWord() & (IE | SF)).toBe(IE | SF);
  });

  it('FCMOVcc moves the exact 80-bit image', () => {
    const { bus, cpu } = machine([...FNINIT, 0xdb, 0x2e, 0x00, 0x20, ...FLD1, 0xf9, 0xda, 0xc1, HLT]); // fld m80; fld1; stc; fcmovb
    bus.write32(0x2000, 0x00000001); bus.write32(0x2004, 0x80000000); bus.write16(0x2008, 0x3fff); // 1 + 2^-63
    expect(run(cpu)).toBe(-1);
    expect(image(cpu, 0)).toEqual([0x3fff, 0x80000000, 1]);
  });
});

describe('x87 status word details', () => {
  it('non-control instructions clear C1; FNOP and FNSTSW keep it', () => {
    const a = machine([...FNINIT, ...FLD1, 0xd9, 0xf6, HLT]); // fdecstp
    a.cpu.fpu.status |= C1;
    expect(run(a.cpu)).toBe(-1);
    expect(a.cpu.fpu.statusWord() & C1).toBe(0);
    const b = machine([0xd9, 0xd0, HLT]); // fnop
    b.cpu.fpu.status |= C1;
    expect(run(b.cpu)).toBe(-1);
    expect(b.cpu.fpu.statusWord() & C1).toBe(C1);
  });

  it('FST m64 of an exact 80-bit image raises PE and reports rounding up in C1', () => {
    const { bus, cpu } = machine([...FNINIT, 0xdb, 0x2e, 0x00, 0x20, 0xdd, 0x16, 0x10, 0x20, HLT]); // fld m80; fst qword [0x2010]
    bus.write32(0x2000, 0x00000401); bus.write32(0x2004, 0x80000000); bus.write16(0x2008, 0x3fff); // 1 + 1025·2^-63: rounds up
    expect(run(cpu)).toBe(-1);
    expect(cpu.fpu.statusWord() & (C1 | PE)).toBe(C1 | PE);
    expect(bus.read32(0x2010)).toBe(1); // 1 + 2^-52
    expect(bus.read32(0x2014)).toBe(0x3ff00000);
  });

  it('a faulting store leaves the status word and the pointers unchanged', () => {
    const { cpu } = machine([...FNINIT, ...FLD1, 0xd9, 0x16, 0xfe, 0xff, HLT]); // fld1; fst dword [0xfffe]: limit
    expect(run(cpu)).toBe(Exc.GP);
    expect(cpu.fpu.fip).toBe(0x7c02); // still FLD1's
    cpu.fpu.status |= C1;
    const sw = cpu.fpu.statusWord();
    expect(run(cpu)).toBe(Exc.GP);
    expect(cpu.fpu.statusWord()).toBe(sw);
  });
});

describe('x87 source-operand exceptions', () => {
  const FLD_M80 = [0xdb, 0x2e, 0x00, 0x20], FMUL = [0xd8, 0xc9]; // fld tword [0x2000]; fmul st0, st1
  it('an unnormal operand is invalid (IE, masked: the indefinite), not a number', () => {
    const { bus, cpu } = machine([...FNINIT, ...FLD1, ...FLD_M80, ...FMUL, HLT]);
    bus.write32(0x2004, 0x40000000); bus.write16(0x2008, 0x3fff); // integer bit clear: unnormal
    expect(run(cpu)).toBe(-1);
    expect(cpu.fpu.statusWord() & 0x3f).toBe(IE);
    expect(image(cpu, 0)).toEqual(INDEFINITE);
  });
  it('a denormal operand raises DE and the operation goes on when it is masked', () => {
    const { bus, cpu } = machine([...FNINIT, ...FLD1, ...FLD_M80, ...FMUL, HLT]);
    bus.write32(0x2000, 1); // exponent 0, significand 1: the smallest denormal
    expect(run(cpu)).toBe(-1);
    expect(cpu.fpu.statusWord() & 0x3f & ~PE).toBe(2);
  });
});

describe('x87 environment layouts', () => {
  it('real mode, 16-bit: FIP/FDP as 20-bit linear addresses split around FOP (SDM Vol. 1, figure 8-12)', () => {
    // at 1234:0010: fld dword [0x0020] with DS = 0x2000, then fnstenv [0x0040]
    const bus = new PhysicalMemoryBus();
    bus.mapRam(0, 1 << 20);
    bus.load(0x12350, Uint8Array.of(0xdb, 0xe3, 0xd9, 0x06, 0x20, 0x00, 0xd9, 0x36, 0x40, 0x00, 0xd9, 0x26, 0x40, 0x00, HLT));
    const cpu = new Cpu({ memory: bus });
    cpu.loadSegReal(Seg.CS, 0x1234); cpu.loadSegReal(Seg.DS, 0x2000); cpu.loadSegReal(Seg.SS, 0);
    cpu.eip = 0x10;
    cpu.interceptExceptions = -1;
    expect(run(cpu)).toBe(-1);
    const w = (o: number): number => bus.read16(0x20040 + o);
    expect(w(6)).toBe(0x2352); // FIP[15:0]: linear 0x12352 of the FLD
    expect(w(8)).toBe((0x1 << 12) | 0x106); // FIP[19:16] = 1, FOP = D9 06 → 0x106
    expect(w(10)).toBe(0x0020); // FDP[15:0]: linear 0x20020
    expect(w(12)).toBe(0x2 << 12); // FDP[19:16]
    // FLDENV read the same image back: the pointers survive as linear addresses
    expect((cpu.fpu.fip >>> 0).toString(16)).toBe('12352');
    expect((cpu.fpu.fdp >>> 0).toString(16)).toBe('20020');
  });
});

describe('FPREM/FPREM1', () => {
  it('a dividend below the divisor is the remainder, exact image kept, C0–C3 cleared', () => {
    const m = machine([...FNINIT, ...FLD1, 0xd8, 0xc0, 0xdb, 0x2e, 0x00, 0x20, 0xd9, 0xf8, HLT]); // fld1; fadd st0,st0 (2); fld m80; fprem
    m.bus.write32(0x2000, 0x00000001); m.bus.write32(0x2004, 0x80000000); m.bus.write16(0x2008, 0x3fff); // 1 + 2^-63
    m.cpu.fpu.status |= 0x4700; // C3 C2 C1 C0 set beforehand
    expect(run(m.cpu)).toBe(-1);
    expect(image(m.cpu, 0)).toEqual([0x3fff, 0x80000000, 1]);
    expect(m.cpu.fpu.statusWord() & 0x4700).toBe(0);
  });
  it('FPREM1 rounds the quotient to nearest even; FPREM truncates (quotient bits in C0 C3 C1)', () => {
    const { cpu } = machine([...FNINIT, 0xdf, 0x06, 0x00, 0x20, 0xdf, 0x06, 0x02, 0x20, 0xd9, 0xf5, HLT]); // fild word [0x2000]; fild word [0x2002]; fprem1
    cpu.mem.write16(0x2000, 2); cpu.mem.write16(0x2002, 5); // ST(1) = 2, ST(0) = 5: 5/2 = 2.5 → 2 (even), remainder 1
    expect(run(cpu)).toBe(-1);
    expect(cpu.fpu.st(0)).toBe(1);
    expect(cpu.fpu.statusWord() & 0x4700).toBe(0x4000); // q = 2: C3 = bit 1
  });
});

describe('x87 NaN operands (SDM Vol. 1, table 4-7)', () => {
  it('an SNaN operand raises IE and propagates quieted, payload kept; an empty operand gives the indefinite', () => {
    const { bus, cpu } = machine([...FNINIT, ...FLD1, 0xdb, 0x2e, 0x00, 0x20, 0xd8, 0xc1, HLT]); // fld1; fld m80 (SNaN); fadd st0, st1
    bus.write32(0x2000, 0x00000123); bus.write32(0x2004, 0x80000000); bus.write16(0x2008, 0xffff); // -SNaN, payload 0x123
    expect(run(cpu)).toBe(-1);
    expect(image(cpu, 0)).toEqual([0xffff, 0xc0000000, 0x123]);
    expect(cpu.fpu.statusWord() & IE).toBe(IE);
    const e = machine([...FNINIT, 0xdb, 0x2e, 0x00, 0x20, 0xd8, 0xc1, HLT]); // ST(1) empty
    e.bus.write32(0x2000, 0x00000123); e.bus.write32(0x2004, 0xc0000000); e.bus.write16(0x2008, 0x7fff); // QNaN
    expect(run(e.cpu)).toBe(-1);
    expect(image(e.cpu, 0)).toEqual(INDEFINITE);
  });
  it('of two QNaNs the larger significand wins', () => {
    const { bus, cpu } = machine([...FNINIT, 0xdb, 0x2e, 0x00, 0x20, 0xdb, 0x2e, 0x10, 0x20, 0xde, 0xc9, HLT]); // fld; fld; fmulp
    bus.write32(0x2004, 0xc0000000); bus.write32(0x2000, 5); bus.write16(0x2008, 0x7fff);
    bus.write32(0x2014, 0xc0000000); bus.write32(0x2010, 9); bus.write16(0x2018, 0xffff);
    expect(run(cpu)).toBe(-1);
    expect(image(cpu, 0)).toEqual([0xffff, 0xc0000000, 9]);
    expect(cpu.fpu.statusWord() & IE).toBe(0);
  });
});
