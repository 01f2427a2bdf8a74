import { describe, expect, test } from 'vitest';
import { CpuState, Seg, Reg, CpuMode, Cr0, Rflags, diffSnapshots, CounterSet, estimateCycles, PAPER_RDTSC_CYCLES, X86KitError, GuestImageError } from './index.js';

describe('CpuState', () => {
  test('power-up state (Intel SDM Vol. 3A table 10-1)', () => {
    const s = new CpuState();
    expect(s.eip).toBe(0xfff0);
    expect(s.segSel[Seg.CS]).toBe(0xf000);
    expect(s.segBase32(Seg.CS)).toBe(0xffff0000);
    expect(s.rflags).toBe(2);
    expect(s.cr0 >>> 0).toBe(0x60000010);
    expect(s.dr[12] >>> 0).toBe(0xffff0ff0);
    expect(s.mode).toBe(CpuMode.Real);
    expect(s.cpl).toBe(0);
  });

  test('register views share one 64-bit-ready file', () => {
    const s = new CpuState();
    s.set64(Reg.RAX, 0x1122334455667788n);
    expect(s.get32(Reg.RAX)).toBe(0x55667788);
    expect(s.get16(Reg.RAX)).toBe(0x7788);
    expect(s.get8Legacy(0)).toBe(0x88);
    expect(s.get8Legacy(4)).toBe(0x77); // AH
    s.set8Legacy(4, 0xab);
    expect(s.get64(Reg.RAX)).toBe(0x112233445566ab88n);
    s.set16(Reg.RAX, 0xcdef);
    expect(s.get64(Reg.RAX)).toBe(0x112233445566cdefn);
    s.set32(Reg.RAX, 0xffffffff);
    expect(s.get64(Reg.RAX)).toBe(0xffffffffn); // 32-bit writes zero-extend
  });

  test('modes and CPL', () => {
    const s = new CpuState();
    s.cr0 |= Cr0.PE;
    expect(s.mode).toBe(CpuMode.Protected);
    s.segAttr[Seg.SS] |= 3 << 5;
    expect(s.cpl).toBe(3);
    s.rflags |= Rflags.VM;
    expect(s.mode).toBe(CpuMode.Virtual8086);
    s.loadSegmentReal(Seg.DS, 0x1234);
    expect(s.segBase32(Seg.DS)).toBe(0x12340);
    expect((s.segAttr[Seg.DS] >> 5) & 3).toBe(3);
  });

  test('snapshot/restore round trip, and diffs name the changed fields', () => {
    const a = new CpuState();
    a.set64(Reg.RSP, 0x7ffff000n);
    a.cr3[0] = 0x1000;
    const snap = a.snapshot();
    const b = new CpuState();
    b.restore(JSON.parse(JSON.stringify(snap)));
    expect(b.snapshot()).toEqual(snap);
    b.set32(Reg.RCX, 5);
    expect(diffSnapshots(snap, b.snapshot())).toEqual(['gpr.1: 0x0000000000000000 → 0x0000000000000005']);
  });
});

describe('counters and cost models', () => {
  test('named counters on a Float64Array', () => {
    const c = new CounterSet(['instructions', 'exceptions'] as const);
    c.values[c.index.instructions] += 10;
    c.add('exceptions');
    expect(c.snapshot()).toEqual({ instructions: 10, exceptions: 1 });
    const d = new CounterSet(['instructions', 'exceptions'] as const);
    d.accumulate(c);
    d.accumulate(c);
    expect(d.get('instructions')).toBe(20);
    c.reset();
    expect(c.get('instructions')).toBe(0);
  });

  test('estimateCycles prices counted events', () => {
    const cycles = estimateCycles({ 'cpu.rdtsc': 3, 'cpu.other': 100 }, { 'cpu.rdtsc': PAPER_RDTSC_CYCLES.trapAndEmulate });
    expect(cycles).toBe(3 * 2030);
  });
});

describe('errors', () => {
  test('stable codes and one-line rendering', () => {
    const e = new GuestImageError('ELF_BAD_MAGIC', 'guest.elf is not an ELF file');
    expect(e).toBeInstanceOf(X86KitError);
    expect(e.code).toBe('ELF_BAD_MAGIC');
    expect(e.name).toBe('GuestImageError');
    expect(e.toLine()).toBe('ELF_BAD_MAGIC: guest.elf is not an ELF file');
  });
});
