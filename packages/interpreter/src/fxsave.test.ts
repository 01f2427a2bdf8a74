import { describe, expect, it } from 'vitest';
import { test as fcTest, fc } from '@fast-check/vitest';
import { CpuState, Cr0, Cr4, Exc, Seg, type PhysicalMemoryBus } from '@x86kit/core';
import { DEFAULT_MXCSR_MASK, RunStatus, fxrstorImage, fxsaveImage, type Cpu } from './index.js';
import { Fpu } from './fpu.js';
import { realModeMachine as machine, runToHaltOrFault as run } from './test-machine.test-util.js';

const bytes = (bus: PhysicalMemoryBus, a: number, n: number): number[] => {
  const out = new Uint8Array(n);
  bus.readBytes(a, out);
  return Array.from(out);
};
const le16 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff];
const le32 = (v: number): number[] => [...le16(v & 0xffff), ...le16(v >>> 16)];

const FNINIT = [0xdb, 0xe3], FLD1 = [0xd9, 0xe8], FLDPI = [0xd9, 0xeb], HLT = 0xf4;
const FXSAVE_1000 = [0x0f, 0xae, 0x06, 0x00, 0x10]; // fxsave [0x1000]
const FXRSTOR_1000 = [0x0f, 0xae, 0x0e, 0x00, 0x10]; // fxrstor [0x1000]

describe('FXSAVE image (SDM Vol. 2A FXSAVE, table 3-43, non-64-bit layout)', () => {
  it('is byte-exact for a known state; bytes 288–511 are not written', () => {
    const { bus, cpu } = machine([...FNINIT, ...FLD1, ...FLDPI, ...FXSAVE_1000, HLT]);
    bus.writeBytes(0x1000, new Uint8Array(512).fill(0xaa));
    cpu.state.cr4 |= Cr4.OSFXSR;
    for (let i = 0; i < 32; i++) cpu.state.xmm[i] = (0x01010101 * (i + 1)) | 0;
    cpu.state.mxcsr = 0x1f84;
    expect(run(cpu)).toBe(-1);
    const want = [
      ...le16(0x037f), ...le16(0x3000), 0xc0, 0, // FCW, FSW (TOP = 6), abridged FTW (R6, R7), reserved
      ...le16(0x1eb), // FOP of FLDPI (D9 EB)
      ...le32(0x7c04), ...le16(0), 0, 0, // FIP (offset of FLDPI), FCS, reserved
      ...le32(0), ...le16(0), 0, 0, // FDP, FDS (no memory operand since FNINIT), reserved
      ...le32(0x1f84), ...le32(DEFAULT_MXCSR_MASK),
      // ST(0) = π and ST(1) = 1 as exact 80-bit images, then six zero bytes each
      ...le32(0x2168c235), ...le32(0xc90fdaa2), ...le16(0x4000), 0, 0, 0, 0, 0, 0,
      ...le32(0), ...le32(0x80000000), ...le16(0x3fff), 0, 0, 0, 0, 0, 0,
      ...new Array<number>(6 * 16).fill(0), // ST(2)–ST(7): R0–R5 hold +0 since power-on
    ];
    for (let i = 0; i < 32; i++) want.push(...le32((0x01010101 * (i + 1)) >>> 0));
    expect(bytes(bus, 0x1000, 288)).toEqual(want);
    expect(bytes(bus, 0x1000 + 288, 224)).toEqual(new Array<number>(224).fill(0xaa));
  });

  it('with CR4.OSFXSR = 0 the XMM area is left alone (MXCSR is still saved)', () => {
    const { bus, cpu } = machine([...FXSAVE_1000, HLT]);
    bus.writeBytes(0x1000, new Uint8Array(512).fill(0x55));
    cpu.state.xmm[0] = 0x12345678;
    expect(run(cpu)).toBe(-1);
    expect(bytes(bus, 0x1000 + 24, 4)).toEqual(le32(0x1f80));
    expect(bytes(bus, 0x1000 + 160, 16)).toEqual(new Array<number>(16).fill(0x55));
  });

  it('MMX values appear in the ST slots with exponent all ones and abridged tags all set', () => {
    const { bus, cpu } = machine([0x0f, 0x6f, 0x06, 0x00, 0x20, ...FXSAVE_1000, HLT]); // movq mm0, [0x2000]
    bus.write32(0x2000, 0xdeadbeef); bus.write32(0x2004, 0x01234567);
    expect(run(cpu)).toBe(-1);
    expect(bytes(bus, 0x1000 + 2, 3)).toEqual([0, 0, 0xff]); // FSW: TOP = 0; FTW: all valid
    expect(bytes(bus, 0x1000 + 32, 10)).toEqual([...le32(0xdeadbeef), ...le32(0x01234567), 0xff, 0xff]);
  });
});

describe('FXRSTOR', () => {
  it('round-trips the x87, MMX and XMM state through memory', () => {
    const { bus, cpu } = machine([
      ...FNINIT, ...FLD1, ...FLDPI, 0x0f, 0x6f, 0x0e, 0x00, 0x20, // movq mm1, [0x2000] (TOP = 0 now)
      ...FLD1, // ST(0) = R7 = 1
      ...FXSAVE_1000,
      ...FNINIT, 0x0f, 0xef, 0xc9, // pxor mm1, mm1
      ...FXRSTOR_1000, HLT,
    ]);
    bus.write32(0x2000, 0x89abcdef); bus.write32(0x2004, 0x76543210);
    cpu.state.cr4 |= Cr4.OSFXSR;
    cpu.state.xmm[5] = 0x5a5a5a5a;
    cpu.state.mxcsr = 0x9f80; // FTZ and the masks (inside the p6 MXCSR_MASK 0xFFBF)
    let saved: ReturnType<Cpu['snapshot']> | null = null;
    // stop right after FXSAVE to take the reference state
    while (cpu.eip !== 0x7c00 + 2 + 2 + 2 + 5 + 2 + 5) expect(cpu.step()).toBe(RunStatus.BudgetExhausted);
    saved = cpu.snapshot();
    cpu.state.xmm[5] = 0; cpu.state.mxcsr = 0x1f80;
    expect(run(cpu)).toBe(-1);
    const now = cpu.snapshot();
    expect(now.fpu.control).toBe(saved.fpu.control);
    expect(now.fpu.status).toBe(saved.fpu.status);
    expect(now.fpu.tag).toBe(saved.fpu.tag);
    expect(now.fpu.raw.map((r) => r.slice(1))).toEqual(saved.fpu.raw.map((r) => r.slice(1)));
    expect(now.simd).toEqual(saved.simd);
    expect(cpu.state.xmm[5]).toBe(0x5a5a5a5a);
    expect(cpu.state.mxcsr).toBe(0x9f80);
  });

  it('a reserved MXCSR bit in the image → #GP(0), nothing restored', () => {
    const { bus, cpu } = machine([...FXRSTOR_1000, HLT]);
    bus.write16(0x1000, 0x0000); // FCW 0 would unmask everything
    bus.write32(0x1000 + 24, 0x1f80 | 0x40); // DAZ: outside the p6 MXCSR_MASK 0xFFBF
    const fcw = cpu.fpu.control;
    expect(run(cpu)).toBe(Exc.GP);
    expect(cpu.exit.info1).toBe(0);
    expect(cpu.fpu.control).toBe(fcw);
    expect(cpu.state.mxcsr).toBe(0x1f80);
  });

  it('recomputes FSW.ES/B from flags and masks and drops reserved FCW bits', () => {
    const { bus, cpu } = machine([...FXRSTOR_1000, HLT]);
    bus.write16(0x1000, 0xfffb); // all masked but ZE; reserved bits set
    bus.write16(0x1000 + 2, 0x0004); // ZE pending, ES/B clear in the image
    expect(run(cpu)).toBe(-1);
    expect(cpu.fpu.control).toBe(0x1f7b);
    expect(cpu.fpu.statusWord()).toBe(0x8084);
  });

  fcTest.prop([fc.uint8Array({ minLength: 288, maxLength: 288 })])('restore then save reproduces the image (normalised fields aside)', (img) => {
    img[24] = 0x80; img[25] = 0x1f; img[26] = 0; img[27] = 0; // a valid MXCSR
    const fpu = new Fpu(), st = new CpuState();
    expect(fxrstorImage(fpu, st, 0xffff, true, img)).toBe(true);
    const out = new Uint8Array(288);
    fxsaveImage(fpu, st, 0xffff, true, out);
    const want = Uint8Array.from(img);
    const fcw = (img[0] | (img[1] << 8)) & 0x1f3f | 0x40;
    want[0] = fcw; want[1] = fcw >>> 8;
    let fsw = (img[2] | (img[3] << 8)) & 0x7f7f;
    if ((fsw & ~fcw & 0x3f) !== 0) fsw |= 0x8080;
    want[2] = fsw; want[3] = fsw >>> 8;
    want[5] = 0; want[7] &= 7; want[14] = want[15] = want[22] = want[23] = 0;
    want[28] = 0xff; want[29] = 0xff; want[30] = 0; want[31] = 0;
    for (let i = 0; i < 8; i++) for (let k = 10; k < 16; k++) want[32 + 16 * i + k] = 0;
    expect(Array.from(out)).toEqual(Array.from(want));
  });
});

describe('FXSAVE/FXRSTOR faults', () => {
  it('a linear address not 16-byte aligned → #GP(0), memory untouched', () => {
    const { bus, cpu } = machine([0x0f, 0xae, 0x06, 0x08, 0x10, HLT]); // fxsave [0x1008]
    expect(run(cpu)).toBe(Exc.GP);
    expect(bytes(bus, 0x1000, 32)).toEqual(new Array<number>(32).fill(0));
    // the alignment is of the linear address: a DS base of 8 (unreal-mode style) misaligns offset 0x1000
    const b = machine([...FXSAVE_1000, HLT]);
    b.cpu.state.segBase[2 * Seg.DS] = 8;
    expect(run(b.cpu)).toBe(Exc.GP);
  });

  it('the 512-byte operand must fit the segment limit', () => {
    const { cpu } = machine([0x0f, 0xae, 0x06, 0x10, 0xfe, HLT]); // fxsave [0xfe10]: ends at 0x1000f
    expect(run(cpu)).toBe(Exc.GP);
    const ok = machine([0x0f, 0xae, 0x06, 0x00, 0xfe, HLT]); // fxsave [0xfe00]: ends at 0xffff
    expect(run(ok.cpu)).toBe(-1);
  });

  it('CR0.EM → #UD, CR0.TS → #NM, and no #MF wait', () => {
    const a = machine([...FXSAVE_1000, HLT]);
    a.cpu.state.cr0 |= Cr0.EM;
    expect(run(a.cpu)).toBe(Exc.UD);
    const b = machine([...FXRSTOR_1000, HLT]);
    b.cpu.state.cr0 |= Cr0.TS;
    expect(run(b.cpu)).toBe(Exc.NM);
    const c = machine([...FXSAVE_1000, HLT]);
    c.cpu.state.cr0 |= Cr0.NE;
    c.cpu.fpu.status |= 0x8084; // pending unmasked ZE
    expect(run(c.cpu)).toBe(-1);
  });

  it('register forms, LDMXCSR and prefixed forms are #UD', () => {
    expect(run(machine([0x0f, 0xae, 0xc0, HLT]).cpu)).toBe(Exc.UD); // 0F AE C0 (RDFSBASE needs F3 + 64-bit)
    expect(run(machine([0x0f, 0xae, 0x16, 0x00, 0x10, HLT]).cpu)).toBe(Exc.UD); // ldmxcsr: SSE
  });
});

describe('CR4.OSFXSR and snapshots', () => {
  it('MOV CR4 accepts OSFXSR (and still rejects OSXMMEXCPT)', () => {
    const a = machine([0x66, 0xb8, 0x00, 0x02, 0, 0, 0x0f, 0x22, 0xe0, HLT]); // mov eax, 0x200; mov cr4, eax
    expect(run(a.cpu)).toBe(-1);
    expect(a.cpu.state.cr4 & Cr4.OSFXSR).toBe(Cr4.OSFXSR);
    const b = machine([0x66, 0xb8, 0x00, 0x04, 0, 0, 0x0f, 0x22, 0xe0, HLT]);
    expect(run(b.cpu)).toBe(Exc.GP);
  });

  it('the snapshot carries XMM, MXCSR and the x87 pointers', () => {
    const { cpu } = machine([HLT]);
    cpu.state.xmm[0] = 0x11223344; cpu.state.xmm[31] = -1; cpu.state.mxcsr = 0x1fc0;
    cpu.fpu.fip = 0x1234; cpu.fpu.fop = 0x1eb;
    const snap = JSON.parse(JSON.stringify(cpu.snapshot())) as ReturnType<Cpu['snapshot']>;
    const other = machine([HLT]).cpu;
    other.restore(snap);
    expect(other.state.xmm[0]).toBe(0x11223344);
    expect(other.state.xmm[31]).toBe(-1);
    expect(other.state.mxcsr).toBe(0x1fc0);
    expect(other.fpu.fip).toBe(0x1234);
    expect(other.fpu.fop).toBe(0x1eb);
  });
});
