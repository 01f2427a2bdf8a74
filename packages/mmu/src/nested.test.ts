import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { Cr0, Cr4, Efer, PfErr, Pte, type GuestMemory } from '@x86kit/core';
import { Access, PagingContext, PagingMode } from './paging-context.js';
import { PageWalker, WalkResult, WalkStatus } from './walker.js';
import { Mmu, TranslateFault } from './mmu.js';
import { Ept, EptQual, Eptp, NestedCounter, NestedFault, NestedFormat, NestedPaging, NpfInfoHi } from './nested.js';
import { FlatMemory, FlatRamMemory, Rng, fillForest } from './__fixtures__/forest.js';
import { FULL } from './__fixtures__/env.js';

/**
 * Host layout for unit tests: nested tables at 0x100000.., an identity-plus-offset nested map
 * gPA → gPA + 0x200000 for the first 2 MiB, guest 4-level tables at gPA 0x1000.. mapping
 * LA 0x00c01000 → gPA 0x80000.
 */
const OFF = 0x200000;
const LA = 0x00c01000;
function host(format: NestedFormat, opts: { tlbBits?: number; eptp?: number } = {}) {
  const mem = new FlatMemory(8 << 20);
  const np = new NestedPaging({ memory: mem, format, tlbBits: opts.tlbBits ?? 0 });
  const leaf = format === NestedFormat.Npt ? Pte.P | Pte.RW | Pte.US : Ept.R | Ept.W | Ept.X | (6 << 3);
  const nonLeaf = format === NestedFormat.Npt ? Pte.P | Pte.RW | Pte.US : Ept.R | Ept.W | Ept.X;
  mem.write32(0x100000, 0x101000 | nonLeaf);          // L4[0]
  mem.write32(0x101000, 0x102000 | nonLeaf);          // L3[0]
  mem.write32(0x102000, 0x103000 | nonLeaf);          // L2[0]
  for (let i = 0; i < 512; i++) mem.write32(0x103000 + i * 8, (OFF + i * 4096) | leaf);
  np.setRoot(format === NestedFormat.Npt ? 0x100000 : 0x100000 | Eptp.WB | Eptp.Pwl4 | (opts.eptp ?? 0));
  // Guest tables (in guest-physical space; stored at gPA + OFF).
  const g = (gpa: number, v: number): void => mem.write32(gpa + OFF, v);
  g(0x1000, 0x2000 | 7); g(0x2000, 0x3000 | 7); g(0x3000 + ((LA >>> 21) & 0x1ff) * 8, 0x4000 | 7);
  g(0x4000 + ((LA >>> 12) & 0x1ff) * 8, 0x80000 | 7);
  const ctx = new PagingContext();
  ctx.cr0 = Cr0.PE | Cr0.PG; ctx.cr4 = Cr4.PAE; ctx.efer = Efer.LME | Efer.LMA; ctx.cr3 = 0x1000; ctx.update();
  const walker = new PageWalker(mem, np);
  return { mem, np, ctx, walker, g, leafEa: (gpa: number) => 0x103000 + (gpa >>> 12) * 8 };
}

describe('2D walk', () => {
  for (const format of [NestedFormat.Npt, NestedFormat.Ept]) {
    const name = format === NestedFormat.Npt ? 'NPT' : 'EPT';
    test(`${name}: 4-level over 4-level costs 24 memory references (guest A bits preset), 4×5 + 4`, () => {
      const h = host(format);
      const r = new WalkResult();
      expect(h.walker.walk(h.ctx, LA + 0x10, 0, Access.Read, r)).toBe(WalkStatus.Ok); // sets guest A bits
      expect(r.adWrites).toBe(4);
      expect(h.walker.walk(h.ctx, LA + 0x10, 0, Access.Read, r)).toBe(WalkStatus.Ok);
      expect(r.gpa).toBe(0x80010);
      expect(r.pa).toBe(0x80010 + OFF);
      expect(r.memRefs).toBe(24);
      expect(r.adWrites).toBe(0);
      expect(h.np.counters.get('tableAccesses')).toBe(4 + 4 + 4); // walk 1 (reads + A writes) + walk 2
    });
    test(`${name}: the nested TLB removes nested references; hits/misses counted`, () => {
      const h = host(format, { tlbBits: 6 });
      const r = new WalkResult();
      h.walker.walk(h.ctx, LA, 0, Access.Read, r);
      h.np.counters.reset();
      expect(h.walker.walk(h.ctx, LA, 0, Access.Read, r)).toBe(WalkStatus.Ok);
      expect(r.memRefs).toBe(4);
      expect(h.np.counters.get('tlbHits')).toBe(5);
      expect(h.np.counters.get('tlbMisses')).toBe(0);
      h.np.flush();
      h.walker.walk(h.ctx, LA, 0, Access.Read, r);
      expect(h.np.counters.get('tlbMisses')).toBe(5);
      expect(r.memRefs).toBe(24);
    });
  }
  test('Mmu with a nested translator: guest TLB caches gVA → hPA; nested fault status -2', () => {
    const h = host(NestedFormat.Npt);
    const mmu = new Mmu({ memory: h.mem, nested: h.np });
    Object.assign(mmu.ctx, { cr0: h.ctx.cr0, cr4: h.ctx.cr4, efer: h.ctx.efer });
    mmu.controlRegistersChanged();
    mmu.setAsid(1);
    mmu.loadCr3(0x1000);
    expect(mmu.translate(LA + 1, 0, Access.Read)).toBe(0x80001 + OFF);
    expect(mmu.tlb.lookup(LA + 2, 0, Access.Read)).toBe(0x80002 + OFF);
    h.mem.write32(h.leafEa(0x80000), 0); // unmap the data page in the nested tables
    mmu.tlb.flushAsid(1);
    expect(mmu.translate(LA, 0, Access.Write)).toBe(TranslateFault.Nested);
    expect(h.np.fault).toBe(NestedFault.Npf);
    expect(h.np.exitInfo1Lo).toBe(PfErr.U | PfErr.W);
    expect(h.np.exitInfo1Hi).toBe(NpfInfoHi.FinalGpa);
    expect(h.np.faultGpa).toBe(0x80000);
    // Walk statistics: 2 walks. The first set 4 guest A flags; the second (a write) set the guest
    // PTE's D flag during the guest walk, before its final guest-physical address faulted.
    expect(mmu.counters.get('walks')).toBe(2);
    expect(mmu.counters.get('nestedFaults')).toBe(1);
    expect(mmu.counters.get('adWrites')).toBe(5);
  });
});

describe('NPT faults (#VMEXIT(NPF) EXITINFO1/2)', () => {
  test('not present on a guest page-table access: bit 33, US=1, RW=0', () => {
    const h = host(NestedFormat.Npt);
    h.mem.write32(h.leafEa(0x3000), 0);
    const r = new WalkResult();
    expect(h.walker.walk(h.ctx, LA, 0, Access.Read | Access.Probe, r)).toBe(WalkStatus.Nested);
    expect(h.np.exitInfo1Lo).toBe(PfErr.U);
    expect(h.np.exitInfo1Hi).toBe(NpfInfoHi.GuestPageTable);
    expect(h.np.faultGpa).toBe(0x3000 + ((LA >>> 21) & 0x1ff) * 8);
    expect(h.np.guestLinearLo).toBe(LA);
  });
  test('read-only guest page table: the A-flag write-back faults with RW=1, P=1', () => {
    const h = host(NestedFormat.Npt);
    h.mem.write32(h.leafEa(0x4000), (0x4000 + OFF) | Pte.P | Pte.US);
    const r = new WalkResult();
    expect(h.walker.walk(h.ctx, LA, 0, Access.Read, r)).toBe(WalkStatus.Nested);
    expect(h.np.exitInfo1Lo).toBe(PfErr.P | PfErr.W | PfErr.U);
    expect(h.np.exitInfo1Hi).toBe(NpfInfoHi.GuestPageTable);
  });
  test('U/S = 0 in a nested entry faults every access; NX faults fetches with I/D; RSVD', () => {
    const h = host(NestedFormat.Npt);
    h.mem.write32(h.leafEa(0x80000), (0x80000 + OFF) | Pte.P | Pte.RW);
    const r = new WalkResult();
    expect(h.walker.walk(h.ctx, LA, 0, Access.Read | Access.Probe, r)).toBe(WalkStatus.Nested);
    expect(h.np.exitInfo1Lo).toBe(PfErr.P | PfErr.U);
    expect(h.np.exitInfo1Hi).toBe(NpfInfoHi.FinalGpa);
    h.mem.write32(h.leafEa(0x80000), (0x80000 + OFF) | 7);
    h.mem.write32(h.leafEa(0x80000) + 4, 1 << 31);
    expect(h.walker.walk(h.ctx, LA, 0, Access.Fetch | Access.Probe, r)).toBe(WalkStatus.Nested);
    expect(h.np.exitInfo1Lo).toBe(PfErr.P | PfErr.U | PfErr.I);
    h.mem.write32(h.leafEa(0x80000) + 4, 1 << 19);
    expect(h.walker.walk(h.ctx, LA, 0, Access.Read | Access.Probe, r)).toBe(WalkStatus.Nested);
    expect(h.np.exitInfo1Lo).toBe(PfErr.P | PfErr.U | PfErr.RSVD);
    expect(h.np.counters.get('npf')).toBe(3);
  });
  test('guest #PF is a guest fault, not a nested one; nested A/D flags are set', () => {
    const h = host(NestedFormat.Npt);
    const r = new WalkResult();
    expect(h.walker.walk(h.ctx, 0x7000000, 0, Access.Read, r)).toBe(WalkStatus.PageFault);
    expect(h.walker.walk(h.ctx, LA, 0, Access.Write, r)).toBe(WalkStatus.Ok);
    expect(h.mem.read32(h.leafEa(0x80000)) & (Pte.A | Pte.D)).toBe(Pte.A | Pte.D);
    expect(h.mem.read32(h.leafEa(0x4000)) & (Pte.A | Pte.D)).toBe(Pte.A | Pte.D); // A-flag write-backs are writes
    expect(h.mem.read32(0x100000) & Pte.A).toBe(Pte.A);
  });
});

describe('EPT violations and misconfigurations', () => {
  test('write to a read-only page: qualification W | R-able | X-able | linear valid | final', () => {
    const h = host(NestedFormat.Ept);
    h.mem.write32(h.leafEa(0x80000), (0x80000 + OFF) | Ept.R | Ept.X | (6 << 3));
    const r = new WalkResult();
    expect(h.walker.walk(h.ctx, LA + 4, 0, Access.Write | Access.Probe, r)).toBe(WalkStatus.Nested);
    expect(h.np.fault).toBe(NestedFault.EptViolation);
    expect(h.np.exitQualification).toBe(EptQual.Write | EptQual.Readable | EptQual.Executable | EptQual.LinearValid | EptQual.FinalTranslation);
    expect(h.np.faultGpa).toBe(0x80004);
    expect(h.np.guestLinearLo).toBe(LA + 4);
  });
  test('not-present on a guest paging-structure read: R, no rights, bit 8 clear', () => {
    const h = host(NestedFormat.Ept);
    h.mem.write32(h.leafEa(0x2000), 0);
    const r = new WalkResult();
    expect(h.walker.walk(h.ctx, LA, 0, Access.Fetch | Access.Probe, r)).toBe(WalkStatus.Nested);
    expect(h.np.exitQualification).toBe(EptQual.Read | EptQual.LinearValid);
  });
  test('with EPTP A/D, guest paging-structure accesses are writes (R|W in the qualification) and EPT A/D flags are set', () => {
    const h = host(NestedFormat.Ept, { eptp: Eptp.AD });
    const r = new WalkResult();
    expect(h.walker.walk(h.ctx, LA, 0, Access.Read, r)).toBe(WalkStatus.Ok);
    expect(h.mem.read32(h.leafEa(0x1000)) & (Ept.A | Ept.D)).toBe(Ept.A | Ept.D);
    expect(h.mem.read32(h.leafEa(0x80000)) & (Ept.A | Ept.D)).toBe(Ept.A);
    h.mem.write32(h.leafEa(0x3000), (0x3000 + OFF) | Ept.R | (6 << 3));
    expect(h.walker.walk(h.ctx, LA, 0, Access.Read | Access.Probe, r)).toBe(WalkStatus.Nested);
    expect(h.np.exitQualification).toBe(EptQual.Read | EptQual.Write | EptQual.Readable | EptQual.LinearValid);
  });
  test('execute-only pages: fetch OK, read violates; unsupported execute-only is a misconfiguration', () => {
    const h = host(NestedFormat.Ept);
    h.mem.write32(h.leafEa(0x80000), (0x80000 + OFF) | Ept.X | (6 << 3));
    const r = new WalkResult();
    expect(h.walker.walk(h.ctx, LA, 0, Access.Fetch | Access.Probe, r)).toBe(WalkStatus.Ok);
    expect(h.walker.walk(h.ctx, LA, 0, Access.Read | Access.Probe, r)).toBe(WalkStatus.Nested);
    expect(h.np.exitQualification).toBe(EptQual.Read | EptQual.Executable | EptQual.LinearValid | EptQual.FinalTranslation);
    const noXo = new NestedPaging({ memory: h.mem, format: NestedFormat.Ept, executeOnly: false, tlbBits: 0 });
    noXo.setRoot(h.np.root);
    const w = new PageWalker(h.mem, noXo);
    expect(w.walk(h.ctx, LA, 0, Access.Fetch | Access.Probe, r)).toBe(WalkStatus.Nested);
    expect(noXo.fault).toBe(NestedFault.EptMisconfig);
  });
  test('misconfigurations: W without R, reserved memory types, reserved bits, PS in PML4E', () => {
    const bad = [
      (0x80000 + OFF) | Ept.W | (6 << 3),        // W without R
      (0x80000 + OFF) | 7 | (2 << 3),            // memory type 2
      (0x80000 + OFF) | 7 | (3 << 3),            // memory type 3
      (0x80000 + OFF) | 7 | (7 << 3),            // memory type 7
    ];
    for (const v of bad) {
      const h = host(NestedFormat.Ept);
      h.mem.write32(h.leafEa(0x80000), v);
      const r = new WalkResult();
      expect(h.walker.walk(h.ctx, LA, 0, Access.Read | Access.Probe, r)).toBe(WalkStatus.Nested);
      expect(h.np.fault).toBe(NestedFault.EptMisconfig);
      expect(h.np.faultGpa).toBe(0x80000);
    }
    const p = host(NestedFormat.Ept);
    p.mem.write32(0x100000, 0x101000 | 7 | 0x80);
    const r = new WalkResult();
    expect(p.walker.walk(p.ctx, LA, 0, Access.Read | Access.Probe, r)).toBe(WalkStatus.Nested);
    expect(p.np.fault).toBe(NestedFault.EptMisconfig);
    const q = host(NestedFormat.Ept);
    q.mem.write32(0x102000 + 4, 1 << 10); // bit 42 >= MAXPHYADDR 40
    expect(q.walker.walk(q.ctx, LA, 0, Access.Read | Access.Probe, r)).toBe(WalkStatus.Nested);
    expect(q.np.fault).toBe(NestedFault.EptMisconfig);
  });
  test('EPT 2 MiB leaf with memory type WB translates; 5-level EPTP', () => {
    const h = host(NestedFormat.Ept);
    h.mem.write32(0x102000, OFF | 7 | (6 << 3) | Ept.PS);
    const r = new WalkResult();
    expect(h.walker.walk(h.ctx, LA + 9, 0, Access.Read | Access.Probe, r)).toBe(WalkStatus.Ok);
    expect(r.pa).toBe(0x80009 + OFF);
    expect(r.memRefs).toBe(4 * (3 + 1) + 3); // 4-level EPT, 2 MiB leaf: 3 references per gPA
    h.mem.write32(0x1ff000, 0x100000 | 7); // PML5 at 0x1ff000 → the PML4
    h.np.setRoot(0x1ff000 | Eptp.WB | Eptp.Pwl5);
    expect(h.np.levels).toBe(5);
    expect(h.walker.walk(h.ctx, LA + 9, 0, Access.Read | Access.Probe, r)).toBe(WalkStatus.Ok);
    // 5-level EPT ending in a 2 MiB leaf: 4 nested references per gPA, so 4 × (4 + 1) + 4.
    expect(r.memRefs).toBe(24);
  });
});

/** Guest-physical memory seen through a 1-D nested translation (for the composition property). */
class GpaView implements GuestMemory {
  failed = -1;
  private readonly r = new WalkResult();
  readonly host: FlatMemory;
  readonly np: NestedPaging;
  constructor(host: FlatMemory, np: NestedPaging) { this.host = host; this.np = np; }
  private tr(gpa: number): number {
    if (this.failed >= 0) return -1;
    const hpa = this.np.translateGpa(gpa, Access.Read, true, this.r);
    if (hpa < 0) this.failed = gpa;
    return hpa;
  }
  read8(): number { throw new Error('unused'); }
  read16(): number { throw new Error('unused'); }
  read32(gpa: number): number { const h = this.tr(gpa); return h < 0 ? 0 : this.host.read32(h); }
  read64(): bigint { throw new Error('unused'); }
  write8(): void { throw new Error('unused'); }
  write16(): void { throw new Error('unused'); }
  write32(): void { throw new Error('probe walks do not write'); }
  write64(): void { throw new Error('unused'); }
  readBytes(): void { throw new Error('unused'); }
  writeBytes(): void { throw new Error('unused'); }
}

const totals = { ok: 0, nested: 0 };
describe('property: nested walk ≡ composition of the two one-dimensional walks', () => {
  const PAGES = 48;
  test.prop([
    fc.integer({ min: 1 }), fc.constantFrom(NestedFormat.Npt, NestedFormat.Ept),
    fc.constantFrom(PagingMode.Legacy32, PagingMode.Pae, PagingMode.Long4, PagingMode.Long5), fc.boolean(),
    fc.array(fc.record({ lo: fc.integer({ min: -0x80000000, max: 0x7fffffff }), hi: fc.integer({ min: 0, max: 0x1ffffff }), kind: fc.constantFrom(0, 1, 2) }), { minLength: 1, maxLength: 16 }),
  ], { numRuns: FULL ? 3000 : 200 })('2D ≡ guest walk over (nested 1D) then nested 1D of the result', (seed, format, mode, ntlb, accesses) => {
    const rng = new Rng(seed);
    // With the nested TLB on, also read entries through ramPage() (the PhysicalMemoryBus path).
    const mem = ntlb ? new FlatRamMemory((PAGES + 4) * 4096) : new FlatMemory((PAGES + 4) * 4096);
    // Host pages 0..47: random guest tables (entries point at gPA pages 0..47); pages 48..51:
    // nested tables mapping gPA page i → host page (7 i) mod 48 with random rights, plus rare
    // not-present, reserved-bit, misconfigured or large entries at every level.
    fillForest(mem, rng, { pages: PAGES, wide: mode >= PagingMode.Pae, maxPhy: 40 });
    const N = PAGES * 4096;
    const ept = format === NestedFormat.Ept;
    const full = ept ? 7 | (6 << 3) : 7;
    const noise = (v: number): number => {
      if (!rng.chance(0.06)) return v;
      switch (rng.below(4)) {
        case 0: return 0;
        case 1: return v | (1 << (7 + rng.below(5)));           // PS / reserved-ish low bits
        case 2: return ept ? (v & ~7) | rng.below(8) : v & ~(1 << rng.below(3));
        default: return ept ? (v & ~0x38) | (rng.below(8) << 3) : v;
      }
    };
    mem.write32(N, noise((N + 0x1000) | full));
    mem.write32(N + 0x1000, noise((N + 0x2000) | full));
    mem.write32(N + 0x2000, rng.chance(0.1) ? (ept ? 0x87 | (6 << 3) : 0x87) : noise((N + 0x3000) | full));
    for (let i = 0; i < PAGES; i++) {
      const leaf = ((7 * i) % PAGES) * 4096;
      mem.write32(N + 0x3000 + i * 8, noise(leaf | (ept ? (rng.chance(0.8) ? 7 : rng.below(8)) | (6 << 3) : 1 | (rng.chance(0.8) ? 6 : rng.below(8) & 6))));
      if (!ept && rng.chance(0.15)) mem.write32(N + 0x3000 + i * 8 + 4, 1 << 31);
    }
    const mk = (bits: number): NestedPaging => {
      const np = new NestedPaging({ memory: mem, format, tlbBits: bits });
      np.setRoot(ept ? N | Eptp.WB | Eptp.Pwl4 : N);
      return np;
    };
    const np2 = mk(ntlb ? 3 : 0);
    const np1 = new NestedPaging({ memory: mem, format, tlbBits: 0 });
    np1.setRoot(np2.root);
    const ctx = new PagingContext();
    ctx.cr0 = Cr0.PE | Cr0.PG;
    ctx.cr4 = (mode >= PagingMode.Pae ? Cr4.PAE : 0) | (mode === PagingMode.Long5 ? Cr4.LA57 : 0) | Cr4.PSE;
    ctx.efer = (mode >= PagingMode.Long4 ? Efer.LME | Efer.LMA : 0) | Efer.NXE;
    ctx.cr3 = rng.below(PAGES) * 4096;
    ctx.cachePdptes = false;
    ctx.update();
    const w2 = new PageWalker(mem, np2);
    const view = new GpaView(mem, np1);
    const w1 = new PageWalker(view);
    const r2 = new WalkResult(), r1 = new WalkResult(), rf = new WalkResult();
    let ok = 0, nested = 0;
    for (const a of accesses) {
      const access = [Access.Read, Access.Write, Access.Fetch][a.kind] | Access.Probe;
      const hi = mode >= PagingMode.Long4 ? a.hi & (mode === PagingMode.Long5 ? 0x1ffffff : 0xffff) : 0;
      view.failed = -1;
      const s2 = w2.walk(ctx, a.lo, hi, access, r2);
      const s1 = w1.walk(ctx, a.lo, hi, access, r1);
      if (view.failed >= 0) {
        expect(s2).toBe(WalkStatus.Nested);
        expect(np2.faultGpa).toBe(view.failed);
        nested++;
        continue;
      }
      if (s1 === WalkStatus.PageFault) {
        expect(s2).toBe(WalkStatus.PageFault);
        expect(r2.errorCode).toBe(r1.errorCode);
        continue;
      }
      const hpa = np1.translateGpa(r1.gpa, access, false, rf);
      if (hpa < 0) {
        expect(s2).toBe(WalkStatus.Nested);
        expect(np2.faultGpa).toBe(r1.gpa);
        expect(np2.exitInfo1Lo).toBe(np1.exitInfo1Lo);
        expect(np2.exitInfo1Hi).toBe(np1.exitInfo1Hi);
        expect(np2.exitQualification).toBe(np1.exitQualification);
        continue;
      }
      expect(s2).toBe(WalkStatus.Ok);
      expect(r2.gpa).toBe(r1.gpa);
      expect(r2.pa).toBe(hpa);
      ok++;
    }
    totals.ok += ok; totals.nested += nested;
  });
  test('the random forests exercise both successful 2D walks and nested faults', () => {
    expect(totals.ok).toBeGreaterThan(20);
    expect(totals.nested).toBeGreaterThan(20);
  });
});

test('nested counters are exact for a hand-computed sequence', () => {
  const h = host(NestedFormat.Npt, { tlbBits: 4 });
  const r = new WalkResult();
  h.walker.walk(h.ctx, LA, 0, Access.Read, r);
  // 4 guest-table reads + 1 final + 4 A write-backs = 9 requests; distinct pages: 0x1000..0x4000, 0x80000
  // → 5 misses (walks) for reads; the 4 A writes need the Dirty right → 4 more misses.
  const c = h.np.counters;
  expect(c.get('tableAccesses')).toBe(8);
  expect(c.get('finalAccesses')).toBe(1);
  expect(c.get('tlbMisses')).toBe(9);
  expect(c.get('tlbHits')).toBe(0);
  expect(c.get('walks')).toBe(9);
  expect(c.get('memRefs')).toBe(36);
  // Nested A/D write-backs: the first read walk sets A in L4[0], L3[0], L2[0] and its leaf (4),
  // the next three read walks set A in their leaves (3), the four write walks set D in their
  // leaves (4), the final read sets A in its leaf (1).
  expect(c.get('adWrites')).toBe(12);
  expect(c.values[NestedCounter.Npf]).toBe(0);
});

test('translateGuestPhysical: DMA-style access without a linear address', () => {
  const h = host(NestedFormat.Ept);
  expect(h.np.translateGuestPhysical(0x80123, Access.Write)).toBe(0x80123 + OFF);
  h.mem.write32(h.leafEa(0x80000), (0x80000 + OFF) | Ept.R | (6 << 3));
  h.np.flush();
  expect(h.np.translateGuestPhysical(0x80123, Access.Write)).toBe(-1);
  expect(h.np.exitQualification).toBe(EptQual.Write | EptQual.Readable);
  const n = host(NestedFormat.Npt);
  n.mem.write32(n.leafEa(0x80000), 0);
  expect(n.np.translateGuestPhysical(0x80123, Access.Read)).toBe(-1);
  expect([n.np.exitInfo1Lo, n.np.exitInfo1Hi, n.np.faultGpa]).toEqual([PfErr.U, NpfInfoHi.FinalGpa, 0x80123]);
});
