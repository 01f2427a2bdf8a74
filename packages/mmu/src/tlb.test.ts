import { describe, expect, test } from 'vitest';
import { Cr0, Cr4, Exc, PfErr, Pte } from '@x86kit/core';
import { Access, PagingMode } from './paging-context.js';
import { Mmu, TranslateFault } from './mmu.js';
import { Tlb, TlbCounter } from './tlb.js';
import { chain, FRAME, LA } from './__fixtures__/tables.js';

function mmuFor(mode: PagingMode) {
  const c = chain(mode);
  const mmu = new Mmu({ memory: c.mem, tlbBits: 6 });
  Object.assign(mmu.ctx, { cr0: c.ctx.cr0 | Cr0.WP, cr4: c.ctx.cr4, efer: c.ctx.efer, cachePdptes: false });
  mmu.controlRegistersChanged();
  mmu.loadCr3(c.ctx.cr3);
  return { mmu, c, v: mmu.tlb.counters.values };
}
const hotRead = (mmu: Mmu, la: number, access: number = Access.Read): number => mmu.tlb.lookup(la, 0, access);

describe('Tlb', () => {
  test('kindOf maps access bits to 6 banks', () => {
    expect([Access.Read, Access.Write, Access.User, Access.User | Access.Write, Access.Fetch, Access.Fetch | Access.User].map((a) => Tlb.kindOf(a)))
      .toEqual([0, 1, 2, 3, 4, 6]);
    expect(Tlb.kindOf(Access.Read | Access.Implicit)).toBe(0);
  });
  test('miss, fill, then hot hits; counters exact', () => {
    const { mmu, v } = mmuFor(PagingMode.Long4);
    expect(hotRead(mmu, LA)).toBe(-1);
    expect(mmu.translate(LA + 4, 0, Access.Read)).toBe(FRAME + 4);
    expect(v[TlbCounter.Misses]).toBe(1);
    expect(v[TlbCounter.Fills]).toBe(1);
    expect(hotRead(mmu, LA + 8)).toBe(FRAME + 8);
    expect(hotRead(mmu, LA + 8, Access.User)).toBe(FRAME + 8);
    expect(hotRead(mmu, LA + 8, Access.Fetch)).toBe(FRAME + 8);
    // Not dirty yet: writes are not hot until a write walk set D.
    expect(hotRead(mmu, LA, Access.Write)).toBe(-1);
    expect(mmu.translate(LA, 0, Access.Write)).toBe(FRAME);
    expect(v[TlbCounter.Misses]).toBe(2);
    expect(hotRead(mmu, LA, Access.Write | Access.User)).toBe(FRAME);
    expect(v[TlbCounter.Hits]).toBe(4);
    expect(mmu.result.memRefs).toBe(4);
  });
  test('a changed PTE is not seen until INVLPG (stale entries, as on hardware)', () => {
    const { mmu, c } = mmuFor(PagingMode.Pae);
    expect(mmu.translate(LA, 0, Access.Read)).toBe(FRAME);
    c.mem.write32(c.entries[2], 0x90000 | 7);
    expect(mmu.translate(LA, 0, Access.Read)).toBe(FRAME);
    mmu.invlpg(LA, 0);
    expect(mmu.translate(LA, 0, Access.Read)).toBe(0x90000);
  });
  test('#PF: vector, error code, CR2; the faulting page is dropped from the TLB', () => {
    const { mmu, c } = mmuFor(PagingMode.Legacy32);
    expect(mmu.translate(LA, 0, Access.Read)).toBe(FRAME);
    c.mem.write32(c.entries[1], (FRAME | 5) >>> 0); // read-only
    expect(mmu.translate(LA + 0x10, 0, Access.Write | Access.User)).toBe(TranslateFault.PageFault);
    expect(mmu.faultVector).toBe(Exc.PF);
    expect(mmu.errorCode).toBe(PfErr.P | PfErr.W | PfErr.U);
    expect(mmu.cr2Lo).toBe(LA + 0x10);
    expect(mmu.tlb.count()).toBe(0);
  });
  test('CR3 reload flushes non-global entries only; PGE toggling flushes all', () => {
    const { mmu, c, v } = mmuFor(PagingMode.Long4);
    mmu.ctx.cr4 |= Cr4.PGE; mmu.controlRegistersChanged();
    c.mem.write32(c.entries[3], FRAME | 7 | Pte.G);
    mmu.translate(LA, 0, Access.Read);
    mmu.translate(0x1000, 0, Access.Probe); // unmapped in this chain: faults, fills nothing
    c.mem.write32(0x4000 + 2 * 8, 0x70000 | 7); // PTE for LA+... index 2? use la 0x00c02000
    mmu.translate(0x00c02000, 0, Access.Read);
    expect(mmu.tlb.count()).toBe(2);
    mmu.loadCr3(mmu.ctx.cr3);
    expect(mmu.tlb.count()).toBe(1);
    expect(hotRead(mmu, LA)).toBe(FRAME);
    mmu.ctx.cr4 &= ~Cr4.PGE; mmu.controlRegistersChanged();
    expect(mmu.tlb.count()).toBe(0);
    expect(v[TlbCounter.FlushAll]).toBeGreaterThanOrEqual(1);
  });
  test('PCIDs keep separate translations; no-flush CR3 loads keep them; globals span PCIDs', () => {
    const { mmu, c } = mmuFor(PagingMode.Long4);
    mmu.ctx.cr4 |= Cr4.PCIDE | Cr4.PGE; mmu.controlRegistersChanged();
    mmu.loadCr3(0x1000 | 1);
    expect(mmu.translate(LA, 0, Access.Read)).toBe(FRAME);
    // PCID 2: another address space (tables at 0x8000..) mapping LA + 0x1000 (another TLB set) to 0x90000.
    const la2 = LA + 0x1000;
    c.mem.write32(0x8000, 0x9000 | 7);
    c.mem.write32(0x9000, 0xa000 | 7);
    c.mem.write32(0xa000 + ((la2 >>> 21) & 0x1ff) * 8, 0xb000 | 7);
    c.mem.write32(0xb000 + ((la2 >>> 12) & 0x1ff) * 8, 0x90000 | 7);
    mmu.loadCr3(0x8000 | 2);
    expect(mmu.translate(la2, 0, Access.Read)).toBe(0x90000);
    expect(mmu.translate(LA, 0, Access.Read)).toBe(TranslateFault.PageFault); // not mapped in PCID 2
    mmu.loadCr3(0x1000 | 1, true);
    expect(mmu.translate(LA, 0, Access.Read)).toBe(FRAME);
    expect(mmu.tlb.counters.values[TlbCounter.Misses]).toBe(3); // the PCID-1 entry survived the switches
    expect(mmu.tlb.count()).toBe(2);
    mmu.loadCr3(0x1000 | 1, false); // bit 63 clear: flush PCID 1's non-global entries
    expect(mmu.tlb.count()).toBe(1);
    mmu.invpcid(2, 0);
    expect(mmu.tlb.count()).toBe(0);
  });
  test('INVLPG inside a 2 MiB page invalidates all its cached 4 KiB pieces', () => {
    const { mmu, c, v } = mmuFor(PagingMode.Pae);
    c.mem.write32(c.entries[1], 0x00e00000 | Pte.PS | 7);
    for (let k = 0; k < 8; k++) mmu.translate(0x00c00000 + k * 4096, 0, Access.Read);
    expect(mmu.tlb.count()).toBe(8);
    mmu.invlpg(0x00dff123, 0);
    expect(mmu.tlb.count()).toBe(0);
    expect(v[TlbCounter.InvlpgScans]).toBe(1);
  });
  test('SMAP outcomes are never hot: EFLAGS.AC changes need no flush', () => {
    const { mmu } = mmuFor(PagingMode.Long4);
    mmu.ctx.cr4 |= Cr4.SMAP; mmu.controlRegistersChanged();
    expect(mmu.translate(LA, 0, Access.Read)).toBe(TranslateFault.PageFault);
    mmu.ctx.ac = true;
    expect(mmu.translate(LA, 0, Access.Read)).toBe(FRAME);
    expect(hotRead(mmu, LA)).toBe(-1); // supervisor data to a user page stays off the hot path
    expect(hotRead(mmu, LA, Access.User)).toBe(FRAME);
    mmu.ctx.ac = false;
    expect(mmu.translate(LA, 0, Access.Read)).toBe(TranslateFault.PageFault);
  });
  test('WRPKRU clears hot tags; CR0.WP change re-evaluates supervisor writes', () => {
    const { mmu, c } = mmuFor(PagingMode.Long4);
    mmu.ctx.cr4 |= Cr4.PKE; mmu.controlRegistersChanged();
    c.mem.write32(c.entries[3] + 4, 3 << 27);
    mmu.translate(LA, 0, Access.Write | Access.User);
    expect(hotRead(mmu, LA, Access.User)).toBe(FRAME);
    mmu.setPkru(1 << 6); // AD3
    expect(hotRead(mmu, LA, Access.User)).toBe(-1);
    expect(mmu.translate(LA, 0, Access.User)).toBe(TranslateFault.PageFault);
    expect(mmu.errorCode).toBe(PfErr.P | PfErr.U | PfErr.PK);
    const d = mmuFor(PagingMode.Legacy32);
    d.c.mem.write32(d.c.entries[1], FRAME | 5 | Pte.D);
    expect(d.mmu.translate(LA, 0, Access.Write)).toBe(TranslateFault.PageFault); // WP = 1
    d.mmu.ctx.cr0 &= ~Cr0.WP; d.mmu.controlRegistersChanged();
    expect(d.mmu.translate(LA, 0, Access.Write)).toBe(FRAME);
    expect(hotRead(d.mmu, LA, Access.Write)).toBe(FRAME);
  });
  test('ASIDs: entries of another ASID are not used; flushAsid drops only that ASID', () => {
    const { mmu, c } = mmuFor(PagingMode.Long4);
    mmu.setAsid(1);
    expect(mmu.translate(LA, 0, Access.Read)).toBe(FRAME);
    mmu.setAsid(2);
    expect(hotRead(mmu, LA)).toBe(-1);
    c.mem.write32(c.entries[3], 0x90000 | 7);
    expect(mmu.translate(LA, 0, Access.Read)).toBe(0x90000); // ASID 2 walked: ASID 1's entry evicted (same set)
    mmu.tlb.flushAsid(2);
    expect(mmu.tlb.count()).toBe(0);
  });
  test('paging disabled: identity translations are cached too', () => {
    const { mmu } = mmuFor(PagingMode.None);
    expect(mmu.translate(0xb8000, 0, Access.Write)).toBe(0xb8000);
    expect(mmu.tlb.lookup(0xb8001, 0, Access.Write | Access.User)).toBe(0xb8001);
  });
  test('PAE: MOV CR3 with a bad PDPTE reports #GP (false)', () => {
    const { mmu, c } = mmuFor(PagingMode.Pae);
    mmu.ctx.cachePdptes = true;
    c.mem.write32(c.entries[0], 0x2000 | 1 | Pte.RW);
    expect(mmu.loadCr3(0x1000)).toBe(false);
  });
  test('INVLPGA / INVVPID individual address: one address in one ASID, globals included', () => {
    const { mmu, c } = mmuFor(PagingMode.Long4);
    mmu.ctx.cr4 |= Cr4.PGE; mmu.controlRegistersChanged();
    c.mem.write32(c.entries[3], FRAME | 7 | Pte.G);
    mmu.setAsid(3);
    mmu.translate(LA, 0, Access.Read);
    mmu.tlb.invlpgAsid(LA, 0, 4);
    expect(mmu.tlb.count()).toBe(1);
    mmu.tlb.invlpgAsid(LA + 0x10, 0, 3);
    expect(mmu.tlb.count()).toBe(0);
  });
  test('reset(): paging off, TLB empty, ASID 0', () => {
    const { mmu } = mmuFor(PagingMode.Long4);
    mmu.setAsid(2);
    mmu.translate(LA, 0, Access.Read);
    mmu.reset();
    expect(mmu.tlb.count()).toBe(0);
    expect(mmu.ctx.mode).toBe(PagingMode.None);
    expect(mmu.translate(LA, 0, Access.Read)).toBe(LA);
    expect(mmu.tlb.current).toBe(0);
  });
});
