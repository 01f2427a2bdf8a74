import { expect, test } from 'vitest';
import { Cr0, Cr4, Efer, PhysicalMemoryBus } from '@x86kit/core';
import { Access, Mmu, Tlb, TranslateFault } from '@x86kit/mmu';

test('README: walk and TLB', () => {
  const mem = new PhysicalMemoryBus();
  mem.mapRam(0, 1 << 20);
  mem.write32(0x1000, 0x2000 | 7);
  mem.write32(0x2000, 0x3000 | 7);
  mem.write32(0x3000, 0x0 | 0x80 | 7);
  const mmu = new Mmu({ memory: mem });
  Object.assign(mmu.ctx, { cr0: Cr0.PE | Cr0.PG, cr4: Cr4.PAE, efer: Efer.LME | Efer.LMA });
  mmu.controlRegistersChanged();
  mmu.loadCr3(0x1000);
  expect(mmu.translate(0x12345, 0, Access.Write | Access.User)).toBe(0x12345);
  expect(mmu.tlb.lookup(0x12346, 0, Access.Read)).toBe(0x12346);
  expect(mmu.translate(0x400000, 0, Access.Read) === TranslateFault.PageFault).toBe(true);
  expect(mmu.errorCode).toBe(0);
  // The inline hot path of the README.
  const tlb = mmu.tlb, laLo = 0x12fff, laHi = 0, access = Access.Write;
  const i = (laLo >>> 12) & tlb.mask;
  expect(tlb.hot[(Tlb.kindOf(access) << tlb.bits) | i] === (laLo & -4096) && tlb.vpnHi[i] === laHi).toBe(true);
  expect(tlb.frame[i] + (laLo & 0xfff)).toBe(0x12fff);
});
