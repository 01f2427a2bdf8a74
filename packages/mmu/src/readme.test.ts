import { expect, test } from 'vitest';
import { Cr0, Cr4, Efer, PhysicalMemoryBus } from '@x86kit/core';
import {
  Access, Eptp, Mmu, NestedFormat, NestedPaging, OffsetGpaMap, ShadowOutcome, ShadowPager, Tlb, TranslateFault,
} from '@x86kit/mmu';

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

test('README: shadow paging', () => {
  const host = new PhysicalMemoryBus();
  host.mapRam(0, 2 << 20);
  const map = new OffsetGpaMap(0x100000, 0x100000);
  const mmu = new Mmu({ memory: host });
  const pager = new ShadowPager({ host, map, mmu, pool: { base: 0, pages: 64 } });
  pager.guest.write32(0x1000, 0x2000 | 7);
  pager.guest.write32(0x2000 + 5 * 4, 0x9000 | 7);
  Object.assign(pager.guestCtx, { cr0: Cr0.PE | Cr0.PG, cr3: 0x1000 });
  pager.guestControlChanged();
  let pa = mmu.translate(0x5004, 0, Access.Read);
  expect(pa).toBe(-1);
  const o = pager.handleFault(0x5004, 0, Access.Read);
  pa = mmu.translate(0x5004, 0, Access.Read);
  expect([o === ShadowOutcome.Retry, pa.toString(16), pager.counters.get('hiddenFaults')]).toEqual([true, '109004', 1]);
});

test('README: nested paging', () => {
  const host = new PhysicalMemoryBus();
  host.mapRam(0, 4 << 20);
  host.write32(0x1000, 0x2000 | 7); host.write32(0x2000, 0x3000 | 7); host.write32(0x3000, 0x200000 | 7 | (6 << 3) | 0x80);
  const ept = new NestedPaging({ memory: host, format: NestedFormat.Ept });
  ept.setRoot(0x1000 | Eptp.WB | Eptp.Pwl4);
  const mmu = new Mmu({ memory: host, nested: ept });
  mmu.setAsid(1);
  expect(mmu.translate(0x1234, 0, Access.Write).toString(16)).toBe('201234');
  host.write32(0x3000, 0x200000 | 1 | (6 << 3) | 0x80); ept.flush(); mmu.tlb.flushAsid(1);
  expect(mmu.translate(0x1234, 0, Access.Write) === TranslateFault.Nested).toBe(true);
  expect(ept.exitQualification.toString(16)).toBe('18a');
});
