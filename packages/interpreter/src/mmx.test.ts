import { describe, expect, it } from 'vitest';
import { test as fcTest, fc } from '@fast-check/vitest';
import { Cr0, Exc, type PhysicalMemoryBus } from '@x86kit/core';
import { CPU_PROFILES, Cpuid1Edx, mmxBinary, mmxPshufw } from './index.js';
import { realModeMachine as machine, runToHaltOrFault as run } from './test-machine.test-util.js';

const u64 = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
function rd64(bus: PhysicalMemoryBus, a: number): bigint { return u64(bus.read32(a), bus.read32(a + 4)); }
function wr64(bus: PhysicalMemoryBus, a: number, v: bigint): void {
  bus.write32(a, Number(v & 0xffffffffn)); bus.write32(a + 4, Number(v >> 32n));
}

const MOVQ_MM0_M = [0x0f, 0x6f, 0x06, 0x00, 0x20]; // movq mm0, [0x2000]
const HLT = 0xf4;

describe('MMX aliasing with the x87 registers (SDM Vol. 3A, 12.2)', () => {
  it('an MMX write sets the significand, exponent/sign all ones, TOP = 0, tags valid: FNSAVE sees it', () => {
    const { bus, cpu } = machine([
      0xdb, 0xe3, // fninit
      0xd9, 0xee, 0xd9, 0xee, // fldz; fldz (TOP = 6)
      ...MOVQ_MM0_M,
      0xdd, 0x36, 0x00, 0x30, // fnsave [0x3000] (16-bit real-mode layout: 14-byte environment)
      HLT,
    ]);
    wr64(bus, 0x2000, 0x0123456789abcdefn);
    expect(run(cpu)).toBe(-1);
    const sw = bus.read16(0x3002), tw = bus.read16(0x3004);
    expect((sw >>> 11) & 7).toBe(0); // TOP = 0 after the MMX instruction
    // R0 (MM0): exponent all ones → special (10b); R6, R7 hold +0 (01b); the others, never
    // written since power-on, hold +0 too: every tag was set valid and FNSAVE classifies contents
    expect(tw).toBe(0x5556);
    expect(rd64(bus, 0x3000 + 14)).toBe(0x0123456789abcdefn); // ST(0) = R0 significand
    expect(bus.read16(0x3000 + 14 + 8)).toBe(0xffff); // sign + exponent all ones
    expect(cpu.fpu.tagWord()).toBe(0xffff); // FNSAVE re-initialised the FPU
  });

  it('FLD m80 then MOVQ reads the exact significand (no float64 rounding)', () => {
    const { bus, cpu } = machine([
      0xdb, 0xe3, // fninit
      0xdb, 0x2e, 0x00, 0x20, // fld tword [0x2000] → R7
      0x0f, 0x7f, 0x3e, 0x10, 0x20, // movq [0x2010], mm7
      0x0f, 0x7e, 0xf8, // movd eax, mm7
      HLT,
    ]);
    wr64(bus, 0x2000, 0xf123456789abcdefn); // 64 significant bits: not representable in a double
    bus.write16(0x2008, 0x4321);
    expect(run(cpu)).toBe(-1);
    expect(rd64(bus, 0x2010)).toBe(0xf123456789abcdefn);
    expect(cpu.getReg(4, 0) >>> 0).toBe(0x89abcdef);
    expect(cpu.fpu.statusWord() & 0x3800).toBe(0); // TOP = 0
    expect(cpu.fpu.rawSe[7]).toBe(0x4321); // a read leaves the register alone
  });

  it('an MMX value survives FSTP m80 / FLD m80 and FXCH bit-exactly', () => {
    const { bus, cpu } = machine([
      ...MOVQ_MM0_M, // MM0 = R0 = ST(0) after TOP = 0
      0xdb, 0x3e, 0x00, 0x21, // fstp tword [0x2100]
      HLT,
    ]);
    wr64(bus, 0x2000, 0x8000000000000001n);
    expect(run(cpu)).toBe(-1);
    expect(rd64(bus, 0x2100)).toBe(0x8000000000000001n);
    expect(bus.read16(0x2108)).toBe(0xffff);
  });

  it('RESET zeroes the registers (MMX reads 0), FNINIT keeps them', () => {
    const { bus, cpu } = machine([...MOVQ_MM0_M, 0xdb, 0xe3, 0x0f, 0x7e, 0xc0, HLT]); // movq; fninit; movd eax, mm0
    wr64(bus, 0x2000, 0x1122334455667788n);
    expect(run(cpu)).toBe(-1);
    expect(cpu.getReg(4, 0) >>> 0).toBe(0x55667788); // FNINIT left R0 alone
    cpu.reset();
    expect(cpu.fpu.control).toBe(0x40);
    cpu.fpu.materialize(0);
    expect([cpu.fpu.rawLo[0], cpu.fpu.rawHi[0], cpu.fpu.rawSe[0]]).toEqual([0, 0, 0]);
  });

  it('EMMS empties every tag and sets TOP to 0; MMX instructions fill all tags', () => {
    const { cpu } = machine([0xdb, 0xe3, 0xd9, 0xe8, 0x0f, 0x77, HLT]); // fninit; fld1; emms
    expect(run(cpu)).toBe(-1);
    expect(cpu.fpu.tagWord()).toBe(0xffff);
    expect(cpu.fpu.abridgedTag()).toBe(0);
    expect((cpu.fpu.statusWord() >>> 11) & 7).toBe(0);
    const b = machine([0xdb, 0xe3, 0x0f, 0xef, 0xc9, HLT]); // fninit; pxor mm1, mm1
    expect(run(b.cpu)).toBe(-1);
    expect(b.cpu.fpu.abridgedTag()).toBe(0xff);
  });
});

describe('MMX exceptions (SDM Vol. 3A table 12-1)', () => {
  const PADDB = [0x0f, 0xfc, 0xc1, HLT]; // paddb mm0, mm1
  it('CR0.EM = 1 → #UD (before #NM), CR0.TS = 1 → #NM', () => {
    const a = machine(PADDB);
    a.cpu.state.cr0 |= Cr0.EM | Cr0.TS;
    expect(run(a.cpu)).toBe(Exc.UD);
    const b = machine(PADDB);
    b.cpu.state.cr0 |= Cr0.TS;
    expect(run(b.cpu)).toBe(Exc.NM);
    const c = machine([0x0f, 0x77, HLT]); // EMMS follows the same rules
    c.cpu.state.cr0 |= Cr0.TS;
    expect(run(c.cpu)).toBe(Exc.NM);
  });

  it('a pending unmasked x87 exception → #MF, state unchanged', () => {
    const { bus, cpu } = machine([
      0xdb, 0xe3, // fninit
      0xd9, 0x2e, 0x00, 0x20, // fldcw [0x2000] (ZE unmasked)
      0xd9, 0xee, 0xd9, 0xe8, // fldz; fld1
      0xd8, 0xf1, // fdiv st0, st1: 1/0 → ZE pending
      ...PADDB,
    ]);
    bus.write16(0x2000, 0x037b);
    cpu.state.cr0 |= Cr0.NE;
    expect(run(cpu)).toBe(Exc.MF);
    expect(cpu.eip).toBe(0x7c00 + 12); // reported on the MMX instruction
    expect((cpu.fpu.statusWord() >>> 11) & 7).toBe(6); // TOP untouched
  });

  it('memory operands fault before any state changes (real-mode limit → #GP(0))', () => {
    const { bus, cpu } = machine([0x0f, 0x7f, 0x06, 0xfc, 0xff, HLT]); // movq [0xfffc], mm0
    bus.write32(0xfffc, 0x11223344);
    expect(run(cpu)).toBe(Exc.GP);
    expect(bus.read32(0xfffc)).toBe(0x11223344);
    expect(cpu.fpu.abridgedTag()).toBe(0); // tags still empty (RESET)
  });

  it('66/F3-prefixed forms are SSE2/SSE instructions: #UD, counted as unimplemented', () => {
    const a = machine([0x66, 0x0f, 0xfc, 0xc1, HLT]); // paddb xmm0, xmm1
    expect(run(a.cpu)).toBe(Exc.UD);
    expect(a.cpu.counters.unimplemented[0x1fc]).toBe(1);
    const b = machine([0xf3, 0x0f, 0x6f, 0xc1, HLT]); // movdqu xmm0, xmm1
    expect(run(b.cpu)).toBe(Exc.UD);
    const c = machine([0x0f, 0x71, 0xd8, 0x01, HLT]); // 0F 71 /3: exists only with 66
    expect(run(c.cpu)).toBe(Exc.UD);
  });
});

describe('MMX arithmetic', () => {
  const op = (o: number, a: bigint, b: bigint): bigint => {
    const v = Int32Array.of(Number(a & 0xffffffffn), Number(a >> 32n), Number(b & 0xffffffffn), Number(b >> 32n));
    expect(mmxBinary(o, v)).toBe(true);
    return u64(v[0], v[1]);
  };
  it('known answers (SDM Vol. 2 instruction pages)', () => {
    expect(op(0xfc, 0x01ff_7f80_0000_00ffn, 0x0101_0180_0000_0001n)).toBe(0x0200_8000_0000_0000n); // PADDB wraps
    expect(op(0xec, 0x0000_0000_7f80_0000n, 0x0000_0000_0180_0000n)).toBe(0x0000_0000_7f80_0000n); // PADDSB saturates
    expect(op(0xdc, 0x0000_0000_0000_f0f0n, 0x0000_0000_0000_2020n)).toBe(0x0000_0000_0000_ffffn); // PADDUSB
    expect(op(0xd9, 0x0000_0000_0001_0010n, 0x0000_0000_0002_0001n)).toBe(0x0000_0000_0000_000fn); // PSUBUSW
    expect(op(0xe5, 0x0000_0000_0000_4000n, 0x0000_0000_0000_0004n)).toBe(0x0000_0000_0000_0001n); // PMULHW
    expect(op(0xd5, 0x0000_0000_0000_4001n, 0x0000_0000_0000_0004n)).toBe(0x0000_0000_0000_0004n); // PMULLW
    expect(op(0xf5, 0x8000_8000_0002_0003n, 0x8000_8000_0004_0005n)).toBe(0x8000_0000_0000_0017n); // PMADDWD (overflow wraps)
    expect(op(0x63, 0x0000_0000_0100_ff7fn, 0x0000_0000_8000_0005n)).toBe(0x0000_8005_0000_7f80n); // PACKSSWB
    expect(op(0x67, 0x0000_0000_0100_ff7fn, 0x0000_0000_8000_0005n)).toBe(0x0000_0005_0000_ff00n); // PACKUSWB
    expect(op(0x6b, 0x0001_0000_ffff_8000n, 0x0000_7fff_8000_0000n)).toBe(0x7fff_8000_7fff_8000n); // PACKSSDW
    expect(op(0x60, 0x0000_0000_4433_2211n, 0x0000_0000_8877_6655n)).toBe(0x8844_7733_6622_5511n); // PUNPCKLBW
    expect(op(0x69, 0x4444_3333_0000_0000n, 0x8888_7777_0000_0000n)).toBe(0x8888_4444_7777_3333n); // PUNPCKHWD
    expect(op(0x62, 0x0000_0000_1111_1111n, 0x0000_0000_2222_2222n)).toBe(0x2222_2222_1111_1111n); // PUNPCKLDQ
    expect(op(0x75, 0x0001_0002_0003_0004n, 0x0001_0000_0003_0000n)).toBe(0xffff_0000_ffff_0000n); // PCMPEQW
    expect(op(0x66, 0x0000_0001_ffff_ffffn, 0x0000_0000_0000_0000n)).toBe(0xffff_ffff_0000_0000n); // PCMPGTD (signed)
    expect(op(0xf3, 0x0000_0000_8000_0001n, 33n)).toBe(0x0000_0002_0000_0000n); // PSLLQ
    expect(op(0xd3, 0x8000_0000_0000_0000n, 63n)).toBe(1n); // PSRLQ
    expect(op(0xe1, 0x8000_0000_0000_0000n, 0x1_0000_0000n)).toBe(0xffff_0000_0000_0000n); // PSRAW: count ≥ 16 (hi bits) fills with sign
    expect(op(0xd1, 0xffff_ffff_ffff_ffffn, 16n)).toBe(0n); // PSRLW by 16 clears
    expect(op(0xdf, 0x0f0f_0f0f_0f0f_0f0fn, 0xffff_0000_ffff_0000n)).toBe(0xf0f0_0000_f0f0_0000n); // PANDN
    expect(mmxBinary(0xd4, new Int32Array(4))).toBe(false); // PADDQ is SSE2, not MMX
  });

  // lane-wise reference model on BigInt lanes
  const lanes = (v: bigint, bits: number, signed: boolean): number[] => {
    const out: number[] = [];
    for (let i = 0; i < 64 / bits; i++) {
      const x = Number((v >> BigInt(i * bits)) & ((1n << BigInt(bits)) - 1n));
      out.push(signed && x >= 2 ** (bits - 1) ? x - 2 ** bits : x);
    }
    return out;
  };
  const pack = (xs: number[], bits: number): bigint => xs.reduce((acc, x, i) => acc | (BigInt(x) & ((1n << BigInt(bits)) - 1n)) << BigInt(i * bits), 0n);
  const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));
  const ref: [number, number, boolean, (a: number, b: number) => number][] = [
    [0xfd, 16, false, (a, b) => a + b], [0xfe, 32, false, (a, b) => a + b], [0xf8, 8, false, (a, b) => a - b],
    [0xed, 16, true, (a, b) => clamp(a + b, -32768, 32767)], [0xe8, 8, true, (a, b) => clamp(a - b, -128, 127)],
    [0xdd, 16, false, (a, b) => clamp(a + b, 0, 65535)], [0xd8, 8, false, (a, b) => clamp(a - b, 0, 255)],
    [0x64, 8, true, (a, b) => (a > b ? -1 : 0)], [0x74, 8, false, (a, b) => (a === b ? -1 : 0)],
    [0xe5, 16, true, (a, b) => Math.floor((a * b) / 65536)],
  ];
  fcTest.prop([fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })])('lane-wise ops match a BigInt reference', (a, b) => {
    for (const [o, bits, signed, f] of ref) {
      const la = lanes(a, bits, signed), lb = lanes(b, bits, signed);
      expect(op(o, a, b)).toBe(pack(la.map((x, i) => f(x, lb[i])), bits));
    }
  });
});

describe('CPUID advertises exactly what is implemented', () => {
  it('MMX and FXSR on, SSE/SSE2 off, in every profile', () => {
    for (const p of Object.values(CPU_PROFILES)) {
      expect(p.features1Edx & Cpuid1Edx.MMX).not.toBe(0);
      expect(p.features1Edx & Cpuid1Edx.FXSR).not.toBe(0);
      expect(p.features1Edx & (Cpuid1Edx.SSE | Cpuid1Edx.SSE2)).toBe(0);
      expect(p.features1Ecx).toBe(0); // no SSE3/SSSE3/SSE4
    }
    const { cpu } = machine([0x66, 0xb8, 0x01, 0, 0, 0, 0x0f, 0xa2, HLT]); // mov eax, 1; cpuid
    expect(run(cpu)).toBe(-1);
    expect(cpu.getReg(4, 2) & (Cpuid1Edx.MMX | Cpuid1Edx.FXSR | Cpuid1Edx.SSE)).toBe(Cpuid1Edx.MMX | Cpuid1Edx.FXSR);
  });
});

describe('AMD MMX extensions (CPUID 8000_0001h EDX[22], the modern profile only)', () => {
  it('raise #UD on p6 and core2, execute on modern', () => {
    const code = [0x0f, 0xda, 0xc1, HLT]; // pminub mm0, mm1
    expect(run(machine(code).cpu)).toBe(Exc.UD);
    expect(run(machine(code, 'core2').cpu)).toBe(Exc.UD);
    expect(run(machine(code, 'modern').cpu)).toBe(-1);
    expect(run(machine([0x0f, 0xae, 0xf8, HLT]).cpu)).toBe(Exc.UD); // sfence
    expect(run(machine([0x0f, 0xae, 0xf8, HLT], 'modern').cpu)).toBe(-1);
    const { cpu } = machine([0x66, 0xb8, 0x01, 0, 0, 0x80, 0x0f, 0xa2, HLT], 'modern'); // mov eax, 0x80000001; cpuid
    expect(run(cpu)).toBe(-1);
    expect(cpu.getReg(4, 2) & (1 << 22)).toBe(1 << 22);
    // AMD repeats the leaf-1 bits it shares (here FPU, PSE, TSC, CX8, CMOV, MMX, FXSR) and SYSCALL
    const m = CPU_PROFILES.modern;
    expect(cpu.getReg(4, 2) >>> 0).toBe(m.ext1Edx >>> 0);
    expect(m.ext1Edx & (Cpuid1Edx.FPU | Cpuid1Edx.MMX | Cpuid1Edx.FXSR | Cpuid1Edx.CMOV | (1 << 11))).toBe(Cpuid1Edx.FPU | Cpuid1Edx.MMX | Cpuid1Edx.FXSR | Cpuid1Edx.CMOV | (1 << 11));
    expect(m.ext1Edx & Cpuid1Edx.SSE).toBe(0);
  });

  it('known answers: PAVGB rounds up, PSADBW sums into the low word, PSHUFW, PMULHUW', () => {
    const op = (o: number, a: bigint, b: bigint): bigint => {
      const v = Int32Array.of(Number(a & 0xffffffffn), Number(a >> 32n), Number(b & 0xffffffffn), Number(b >> 32n));
      expect(mmxBinary(o, v)).toBe(true);
      return u64(v[0], v[1]);
    };
    expect(op(0xe0, 0x00ff_0001n, 0x00ff_0002n)).toBe(0x00ff_0002n);
    expect(op(0xf6, 0xff00_0000_0000_0010n, 0x0000_0000_0000_0001n)).toBe(255n + 15n);
    expect(op(0xe4, 0xffffn, 0xffffn)).toBe(0xfffen);
    expect(op(0xee, 0x8000n, 0x0001n)).toBe(0x0001n); // PMAXSW is signed
    const v = Int32Array.of(0, 0, 0x22221111, 0x44443333);
    mmxPshufw(v, 0x1b); // reverse the words
    expect(u64(v[0], v[1])).toBe(0x1111_2222_3333_4444n);
  });

  it('PINSRW/PEXTRW/PMOVMSKB, MOVNTQ and MASKMOVQ', () => {
    const { bus, cpu } = machine([
      0x0f, 0x6f, 0x06, 0x00, 0x20, // movq mm0, [0x2000]
      0x0f, 0xc4, 0xc3, 0x02, // pinsrw mm0, ebx, 2
      0x0f, 0xc5, 0xc8, 0x03, // pextrw ecx, mm0, 3
      0x0f, 0xd7, 0xd0, // pmovmskb edx, mm0
      0x0f, 0xe7, 0x06, 0x10, 0x20, // movntq [0x2010], mm0
      0x0f, 0x6f, 0x0e, 0x08, 0x20, // movq mm1, [0x2008] (the mask)
      0x0f, 0xf7, 0xc1, // maskmovq mm0, mm1 → DS:DI
      HLT,
    ], 'modern');
    wr64(bus, 0x2000, 0x8877_6655_4433_2211n);
    wr64(bus, 0x2008, 0x0080_0000_0000_ff80n); // bytes 0, 1 and 6 selected
    wr64(bus, 0x3000, 0xaaaa_aaaa_aaaa_aaaan);
    cpu.setReg(2, 3, 0xbeef);
    cpu.setReg(2, 7, 0x3000);
    expect(run(cpu)).toBe(-1);
    expect(cpu.getReg(4, 1)).toBe(0x8877); // word 3
    expect(cpu.getReg(4, 2)).toBe(0xb0); // sign bits of bytes 4 (0xef), 5 (0xbe) and 7 (0x88)
    expect(rd64(bus, 0x2010)).toBe(0x8877_beef_4433_2211n);
    expect(rd64(bus, 0x3000)).toBe(0xaa77_aaaa_aaaa_2211n);
    expect(cpu.fpu.abridgedTag()).toBe(0xff);
  });
});
