/**
 * IA32_APIC_BASE (MSR 0x1B) through core's `LocalApicLink` (Intel SDM Vol. 3A 11.4.4): the CPU
 * forwards RDMSR/WRMSR to the attached local APIC and raises #GP(0) for reserved bits.
 */
import { describe, expect, it } from 'vitest';
import { Exc, PhysicalMemoryBus, Seg, type LocalApicLink } from '@x86kit/core';
import { Cpu, RunStatus } from './index.js';

class FakeApic implements LocalApicLink {
  base = 0xfee00900;
  writes: number[] = [];
  tpr = 0;
  readApicBaseMsr(): number { return this.base; }
  writeApicBaseMsr(v: number): void { this.writes.push(v); this.base = (v & 0xfffff800) | (this.base & 0x100); }
  readCr8(): number { return this.tpr >> 4; }
  writeCr8(v: number): void { this.tpr = (v & 0xf) << 4; }
}

/** Real mode (CPL 0): mov ecx,0x1b; [mov eax,imm32; xor edx,edx; wrmsr]; rdmsr; hlt */
function machine(write: number | null, edx = 0): { cpu: Cpu; apic: FakeApic } {
  const w = write === null ? [] : [0x66, 0xb8, write & 0xff, (write >>> 8) & 0xff, (write >>> 16) & 0xff, write >>> 24,
    0x66, 0xba, edx & 0xff, (edx >>> 8) & 0xff, (edx >>> 16) & 0xff, edx >>> 24, 0x0f, 0x30];
  const code = [0x66, 0xb9, 0x1b, 0, 0, 0, ...w, 0x0f, 0x32, 0xf4];
  const bus = new PhysicalMemoryBus();
  bus.mapRam(0, 1 << 20);
  bus.load(0x7c00, Uint8Array.from(code));
  const apic = new FakeApic();
  const cpu = new Cpu({ memory: bus, apic });
  cpu.loadSegReal(Seg.CS, 0);
  cpu.eip = 0x7c00;
  cpu.interceptExceptions = 1 << Exc.GP;
  return { cpu, apic };
}

describe('IA32_APIC_BASE through a LocalApicLink', () => {
  it('RDMSR reads the APIC\'s value (EDX = 0)', () => {
    const { cpu, apic } = machine(null);
    apic.base = 0xfec00900;
    expect(cpu.run(100)).toBe(RunStatus.Halted);
    expect(cpu.getReg(4, 0)).toBe(0xfec00900);
    expect(cpu.getReg(4, 2)).toBe(0);
  });

  it('WRMSR relocates/disables through the APIC; the next RDMSR sees its state', () => {
    const { cpu, apic } = machine(0xfed00000); // EN = 0, new base
    expect(cpu.run(100)).toBe(RunStatus.Halted);
    expect(apic.writes).toEqual([0xfed00000]);
    expect(cpu.getReg(4, 0)).toBe(0xfed00100);
  });

  it('reserved bits (7:0, 9, EXTD, high half) raise #GP(0) and do not reach the APIC', () => {
    for (const [lo, hi] of [[0xfee00801, 0], [0xfee00a00, 0], [0xfee00c00, 0], [0xfee00800, 1]]) {
      const { cpu, apic } = machine(lo, hi);
      expect(cpu.run(100)).toBe(RunStatus.Intercept);
      expect([cpu.exit.code, cpu.exit.info1]).toEqual([Exc.GP, 0]);
      expect(apic.writes).toEqual([]);
    }
  });

  it('without a link the MSR is plain storage (reads 0xFEE00900 until written)', () => {
    const bus = new PhysicalMemoryBus();
    bus.mapRam(0, 1 << 20);
    const cpu = new Cpu({ memory: bus });
    expect(cpu.readMsr(0x1b)).toEqual([0xfee00900, 0]);
    expect(cpu.writeMsr(0x1b, 0xfee00000, 0)).toBe(true);
    expect(cpu.readMsr(0x1b)).toEqual([0xfee00000, 0]);
  });
});
